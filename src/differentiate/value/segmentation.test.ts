import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { quintileScores, rfmSegment, scoreRfm } from './rfm.js'
import { assignTier, TIER_RANK, tierThresholds, type TierInput } from './tiers.js'
import { estimateWallets } from './wallet.js'

describe('RFM', () => {
  it('scores quintiles, ties together', () => {
    const out = new Uint8Array(10)
    quintileScores(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), out)
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    quintileScores(Float64Array.of(0, 0, 0, 0, 0, 0, 0, 0, 5, 9), out.subarray(0, 10))
    expect(out[0]).toBe(out[7])
  })

  it('names segments and scores recent buyers high', () => {
    expect(rfmSegment(5, 5)).toBe('Champions')
    expect(rfmSegment(1, 1)).toBe('Hibernating')
    expect(rfmSegment(1, 5)).toBe("Can't lose them")
    expect(rfmSegment(2, 3)).toBe('At risk')
    expect(rfmSegment(5, 1)).toBe('New customers')
    const scores = scoreRfm({
      recency: Float64Array.of(1, 100, 50, 2, 80),
      frequency: Float64Array.of(10, 1, 3, 8, 1),
      monetary: Float64Array.of(500, 10, 60, 400, 5),
    })
    expect(scores.r[0]).toBe(5)
    expect(scores.r[1]).toBe(1)
    expect(scores.segment[0]).toBe('Champions')
    expect(scores.segment[1]).toBe('Hibernating')
  })
})

describe('tiers', () => {
  const customers: TierInput[] = Array.from({ length: 100 }, (_, i) => ({
    historicalValue: i,
    futureValue: i / 2,
    growthPotential: (i * 37) % 100,
    costToServe: i === 3 ? 50 : 1,
  }))

  it('assigns MVC, MGC, low maintenance and below zero with reasons', () => {
    const thresholds = tierThresholds(customers)
    const tiers = customers.map((c) => assignTier(c, thresholds))
    expect(tiers[99]!.tier).toBe('mvc')
    expect(tiers[3]!.tier).toBe('below_zero')
    expect(tiers[3]!.reason).toMatch(/^Below zero: actual value -45\.50/)
    const counts = { mvc: 0, mgc: 0, low_maintenance: 0, below_zero: 0 }
    for (const t of tiers) counts[t.tier]++
    expect(counts.mvc).toBe(10)
    expect(counts.mgc).toBeGreaterThan(10)
    expect(counts.below_zero).toBe(2) // customers 0 (value −1) and 3
    expect(tiers.find((t) => t.tier === 'mgc')!.reason).toMatch(/^Most growable: growth potential/)
  })

  it('never ranks a customer lower when their value rises (property)', () => {
    const thresholds = tierThresholds(customers, { mvcShare: 0.15, mgcShare: 0.3 })
    fc.assert(
      fc.property(
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (history, raise, potential, cost) => {
          const low = assignTier(
            {
              historicalValue: history,
              futureValue: 5,
              growthPotential: potential,
              costToServe: cost,
            },
            thresholds,
          )
          const high = assignTier(
            {
              historicalValue: history + raise,
              futureValue: 5,
              growthPotential: potential,
              costToServe: cost,
            },
            thresholds,
          )
          return TIER_RANK[high.tier] >= TIER_RANK[low.tier]
        },
      ),
      { seed: 7, numRuns: 500 },
    )
  })
})

describe('wallet', () => {
  it('takes a high quantile of similar customers’ revenue, never below our own', () => {
    // Two groups by category: A-buyers spend 10..100, B-buyers 1000..1090.
    const n = 40
    const revenue = Float64Array.from({ length: n }, (_, i) =>
      i < 20 ? 10 + 5 * (i % 20) : 1000 + 5 * (i % 20),
    )
    const mix = new Float64Array(n * 2)
    for (let i = 0; i < n; i++) mix[i * 2 + (i < 20 ? 0 : 1)] = 1
    const result = estimateWallets(
      {
        revenue,
        tenure: new Float64Array(n).fill(10),
        basketSize: new Float64Array(n).fill(20),
        country: new Array<string>(n).fill('NL'),
        categoryMix: mix,
        categories: 2,
      },
      { k: 19, quantile: 0.9 },
    )
    for (let i = 0; i < n; i++) {
      expect(result.wallet[i]!).toBeGreaterThanOrEqual(revenue[i]!)
      expect(result.share[i]!).toBeLessThanOrEqual(1)
      expect(result.growthPotential[i]).toBeCloseTo(result.wallet[i]! - revenue[i]!, 9)
    }
    expect(result.wallet[0]!).toBeGreaterThan(80)
    expect(result.wallet[0]!).toBeLessThan(110)
    expect(result.wallet[20]!).toBeGreaterThan(1070)
    expect(result.share[19]).toBe(1)
  })
})
