import { describe, expect, it } from 'vitest'
import { selectMmr } from './mmr.js'

describe('maximal marginal relevance', () => {
  // Items 0 and 1 are near duplicates; 2 is different and a little less relevant.
  const relevance = Float64Array.from([1, 0.95, 0.8])
  const sim = (a: number, b: number): number => ((a < 2 && b < 2) || a === b ? 1 : 0)

  it('λ = 1 is plain relevance order', () => {
    const out = new Int32Array(3)
    expect(selectMmr(relevance, 3, sim, 3, 1, out)).toBe(3)
    expect(Array.from(out)).toEqual([0, 1, 2])
  })

  it('a diverse λ puts the different item before the near duplicate', () => {
    const out = new Int32Array(2)
    expect(selectMmr(relevance, 3, sim, 2, 0.7, out)).toBe(2)
    expect(Array.from(out)).toEqual([0, 2])
  })

  it('asks for no more than there are', () => {
    const out = new Int32Array(5)
    expect(selectMmr(relevance, 3, sim, 5, 0.5, out)).toBe(3)
    expect(selectMmr(relevance, 0, sim, 5, 0.5, out)).toBe(0)
  })
})
