import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { selectTopN } from './top-n.js'

describe('selectTopN', () => {
  it('equals a full sort with exclusions, ties to the lower index (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        (raw, n, ex) => {
          const scores = Float64Array.from(raw)
          const excluded = Uint8Array.from(ex.map((b) => (b ? 1 : 0)))
          const out = new Int32Array(n)
          const count = selectTopN(scores, scores.length, n, excluded, out)
          const expected = raw
            .map((s, i) => ({ s, i }))
            .filter(({ i }) => excluded[i] !== 1)
            .sort((a, b) => b.s - a.s || a.i - b.i)
            .slice(0, n)
            .map(({ i }) => i)
          expect(Array.from(out.subarray(0, count))).toEqual(expected)
        },
      ),
    )
  })

  it('skips non-finite scores and handles n = 0', () => {
    const out = new Int32Array(3)
    expect(selectTopN(Float64Array.from([NaN, 1, -Infinity, 2]), 4, 3, null, out)).toBe(2)
    expect(Array.from(out.subarray(0, 2))).toEqual([3, 1])
    expect(selectTopN(Float64Array.from([1]), 1, 0, null, out)).toBe(0)
  })
})
