import { describe, expect, it } from 'vitest'
import {
  averagePrecisionAtK,
  catalogCoverage,
  hitRateAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from './metrics.js'

/**
 * Hand-computed example: ranking [3, 7, 1, 9, 4], relevant {7, 4, 8} (3 items, one never ranked).
 * Hits at ranks 2 and 5.
 */
const ranked = Int32Array.from([3, 7, 1, 9, 4])
const relevant = new Uint8Array(10)
for (const i of [7, 4, 8]) relevant[i] = 1

describe('ranking metrics (hand-computed example)', () => {
  it('precision@K divides hits by K', () => {
    expect(precisionAtK(ranked, 5, relevant, 5)).toBeCloseTo(2 / 5, 12)
    expect(precisionAtK(ranked, 5, relevant, 1)).toBe(0)
    // Fewer ranked items than K still divide by K.
    expect(precisionAtK(ranked, 5, relevant, 10)).toBeCloseTo(2 / 10, 12)
  })

  it('recall@K divides hits by all relevant items', () => {
    expect(recallAtK(ranked, 5, relevant, 3, 2)).toBeCloseTo(1 / 3, 12)
    expect(recallAtK(ranked, 5, relevant, 3, 5)).toBeCloseTo(2 / 3, 12)
    expect(recallAtK(ranked, 5, relevant, 0, 5)).toBeNaN()
  })

  it('NDCG@K: hits at ranks 2 and 5 over an ideal of min(K, 3) hits', () => {
    // DCG = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685 = 1.01778
    // IDCG@5 = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    expect(ndcgAtK(ranked, 5, relevant, 3, 5)).toBeCloseTo(1.0177825608 / 2.1309297536, 9)
    expect(ndcgAtK(ranked, 5, relevant, 3, 5)).toBeCloseTo(0.47762, 5)
    // @2: DCG = 0.63093, IDCG = 1 + 0.63093
    expect(ndcgAtK(ranked, 5, relevant, 3, 2)).toBeCloseTo(0.6309297536 / 1.6309297536, 9)
    // @1: no hit at rank 1.
    expect(ndcgAtK(ranked, 5, relevant, 3, 1)).toBe(0)
  })

  it('AP@K averages precision at each hit over min(K, |relevant|)', () => {
    // hits at 2 (1/2) and 5 (2/5): (0.5 + 0.4) / 3 = 0.3
    expect(averagePrecisionAtK(ranked, 5, relevant, 3, 5)).toBeCloseTo(0.3, 12)
    // @2: 0.5 / 2
    expect(averagePrecisionAtK(ranked, 5, relevant, 3, 2)).toBeCloseTo(0.25, 12)
  })

  it('hit rate and catalog coverage', () => {
    expect(hitRateAtK(ranked, 5, relevant, 1)).toBe(0)
    expect(hitRateAtK(ranked, 5, relevant, 2)).toBe(1)
    const mark = new Uint8Array(10)
    for (const i of [3, 7, 1]) mark[i] = 1
    expect(catalogCoverage(mark, 10)).toBeCloseTo(0.3, 12)
  })
})
