import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { choleskyFactor, choleskyInverse, choleskySolve } from './cholesky.js'

/** A random SPD matrix B·Bᵀ + n·I from a seed. */
function spd(n: number, seed: number): Float64Array {
  let s = seed
  const rnd = (): number => {
    s = (s * 16807) % 2147483647
    return s / 2147483647 - 0.5
  }
  const b = Float64Array.from({ length: n * n }, rnd)
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let v = i === j ? 1 : 0
      for (let k = 0; k < n; k++) v += b[i * n + k]! * b[j * n + k]!
      a[i * n + j] = v
    }
  }
  return a
}

function maxDeviationFromIdentity(a: Float64Array, inv: Float64Array, n: number): number {
  let worst = 0
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)))
    }
  }
  return worst
}

describe('Cholesky', () => {
  it('inverts SPD matrices of sizes across block boundaries (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 1, max: 1e6 }), (n, seed) => {
        const a = spd(n, seed)
        const inv = a.slice()
        expect(choleskyInverse(inv, n)).toBe(0)
        const err = maxDeviationFromIdentity(a, inv, n)
        expect(err, `n=${n} seed=${seed}`).toBeLessThan(1e-9)
      }),
      { numRuns: 25 },
    )
  })

  it('solves A·x = b', () => {
    const n = 57
    const a = spd(n, 7)
    const x = Float64Array.from({ length: n }, (_, i) => i - 20)
    const b = new Float64Array(n)
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) b[i]! += a[i * n + k]! * x[k]!
    const l = a.slice()
    expect(choleskyFactor(l, n)).toBe(0)
    choleskySolve(l, n, b)
    for (let i = 0; i < n; i++) expect(b[i]).toBeCloseTo(x[i]!, 9)
  })

  it('reports the first non-positive pivot', () => {
    const a = Float64Array.from([4, 2, 2, 1])
    expect(choleskyFactor(a, 2)).toBe(2)
    expect(choleskyInverse(Float64Array.from([-1]), 1)).toBe(1)
  })
})
