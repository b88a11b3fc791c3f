import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { betaCdf, betaInterval, betaPdf, betaQuantile } from './beta-distribution.js'

/** I_x(a, b) for integer a, b: P(Binomial(a + b − 1, x) ≥ a), summed directly. */
function binomialTail(x: number, a: number, b: number): number {
  const n = a + b - 1
  let sum = 0
  let logChoose = 0
  for (let j = 0; j <= n; j += 1) {
    if (j > 0) logChoose += Math.log(n - j + 1) - Math.log(j)
    if (j >= a) sum += Math.exp(logChoose + j * Math.log(x) + (n - j) * Math.log1p(-x))
  }
  return sum
}

const close = (actual: number, expected: number, relative: number, inputs: string): void => {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300)
  expect(error, `${inputs}: ${actual} vs ${expected}`).toBeLessThan(relative)
}

describe('Beta distribution', () => {
  it('matches closed forms: uniform, power laws, Beta(2, 2)', () => {
    for (const x of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) {
      close(betaCdf(x, 1, 1), x, 1e-12, `I_${x}(1,1)`)
      for (const a of [0.3, 2.5, 40]) {
        close(betaCdf(x, a, 1), Math.pow(x, a), 1e-10, `I_${x}(${a},1)`)
        close(betaCdf(x, 1, a), -Math.expm1(a * Math.log1p(-x)), 1e-10, `I_${x}(1,${a})`)
      }
      close(betaCdf(x, 2, 2), 3 * x * x - 2 * x * x * x, 1e-10, `I_${x}(2,2)`)
      close(betaPdf(x, 2, 2), 6 * x * (1 - x), 1e-12, `pdf ${x}`)
    }
    for (const p of [0.001, 0.025, 0.5, 0.975]) {
      close(betaQuantile(p, 1, 1), p, 1e-10, `q(${p};1,1)`)
      close(betaQuantile(p, 3, 1), Math.pow(p, 1 / 3), 1e-10, `q(${p};3,1)`)
      close(betaQuantile(p, 1, 7), 1 - Math.pow(1 - p, 1 / 7), 1e-9, `q(${p};1,7)`)
    }
  })

  it('equals the binomial tail for integer shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        (a, b, x) => {
          const expected = binomialTail(x, a, b)
          if (expected < 1e-200) return
          close(betaCdf(x, a, b), expected, 1e-9, `I_${x}(${a},${b})`)
        },
      ),
    )
  })

  it('inverts its CDF and keeps the reflection symmetry', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 5000, noNaN: true }),
        fc.double({ min: 0.05, max: 5000, noNaN: true }),
        fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
        (a, b, p) => {
          const q = betaQuantile(p, a, b)
          expect(q).toBeGreaterThanOrEqual(0)
          expect(q).toBeLessThanOrEqual(1)
          // q is right to 1e-9 relative (or 1e-14 absolute near 1, where doubles are 1.1e-16
          // apart): the CDF crosses p between its neighbours.
          const below = Math.max(0, q - Math.max(1e-9 * q, 0))
          const above = Math.min(1, q + Math.max(1e-9 * q, q > 0.5 ? 1e-14 : 0))
          const inputs = `a=${a} b=${b} p=${p} q=${q}`
          expect(betaCdf(below, a, b), inputs).toBeLessThanOrEqual(p)
          expect(betaCdf(above, a, b), inputs).toBeGreaterThanOrEqual(p)
          expect(Math.abs(betaCdf(p, a, b) + betaCdf(1 - p, b, a) - 1)).toBeLessThan(1e-9)
        },
      ),
    )
  })

  it('gives the normal-approximation interval for large shapes and NaN outside the domain', () => {
    const [lo, hi] = betaInterval(5_000, 95_000)
    const sd = Math.sqrt((0.05 * 0.95) / 100_001)
    close(lo, 0.05 - 1.959964 * sd, 1e-3, 'lower')
    close(hi, 0.05 + 1.959964 * sd, 1e-3, 'upper')
    expect(betaCdf(0.5, 0, 1)).toBeNaN()
    expect(betaCdf(1.5, 1, 1)).toBeNaN()
    expect(betaQuantile(-0.1, 2, 2)).toBeNaN()
    expect(betaQuantile(0, 2, 2)).toBe(0)
    expect(betaQuantile(1, 2, 2)).toBe(1)
  })
})
