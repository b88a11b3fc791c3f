import { describe, expect, it } from 'vitest'
import { discountedClv } from './clv.js'
import { expectedTrackingCurve } from './tracking-curve.js'

describe('discountedClv', () => {
  const base = { horizon: 52, steps: 12, annualDiscountRate: 0, margin: 0.3, unitsPerYear: 52 }

  it('is margin × spend × expected transactions without discounting', () => {
    expect(discountedClv((t) => 0.5 * t, 40, base)).toBeCloseTo(0.3 * 40 * 26, 10)
  })

  it('discounts later transactions', () => {
    const discounted = discountedClv((t) => 0.5 * t, 40, { ...base, annualDiscountRate: 0.1 })
    // Each of the 12 equal slices is discounted by 1.1^(k/12).
    let expected = 0
    for (let k = 1; k <= 12; k++) expected += (26 / 12) * Math.pow(1.1, -k / 12)
    expect(discounted).toBeCloseTo(0.3 * 40 * expected, 10)
    expect(discounted).toBeLessThan(discountedClv((t) => 0.5 * t, 40, base))
  })

  it('returns NaN outside its domain', () => {
    expect(discountedClv((t) => t, 1, { ...base, steps: 0 })).toBeNaN()
    expect(discountedClv((t) => t, 1, { ...base, annualDiscountRate: -1 })).toBeNaN()
  })
})

describe('expectedTrackingCurve', () => {
  it('sums each cohort from its birth', () => {
    const curve = expectedTrackingCurve(
      (t) => t,
      Float64Array.of(0, 0, 2),
      Float64Array.of(1, 2, 3),
    )
    expect(Array.from(curve)).toEqual([2, 4, 7])
  })
})
