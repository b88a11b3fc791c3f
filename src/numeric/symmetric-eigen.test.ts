import { describe, expect, it } from 'vitest'
import { symmetricEigen } from './symmetric-eigen.js'

/** A random symmetric n×n matrix B + Bᵀ from a seed. */
function symmetric(n: number, seed: number): Float64Array {
  let s = seed
  const rnd = (): number => {
    s = (s * 16807) % 2147483647
    return s / 2147483647 - 0.5
  }
  const b = Float64Array.from({ length: n * n }, rnd)
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j]! + b[j * n + i]!
  return a
}

describe('symmetricEigen', () => {
  it('finds the eigenvalues of a 2×2 matrix by hand', () => {
    // [[2, 1], [1, 2]]: λ = 1 and 3, vectors (1, −1)/√2 and (1, 1)/√2.
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2)
    expect([...values].sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)])
    const j3 = values[0]! > values[1]! ? 0 : 1
    expect(Math.abs(vectors[0 * 2 + j3]!)).toBeCloseTo(Math.SQRT1_2, 14)
    expect(vectors[0 * 2 + j3]).toBeCloseTo(vectors[1 * 2 + j3]!, 14)
  })

  it.each([1, 3, 16, 64])('n = %i: Q is orthogonal and Q·diag(λ)·Qᵀ rebuilds A', (n) => {
    const a = symmetric(n, 7 + n)
    const { values, vectors: q } = symmetricEigen(a, n)
    let scale = 0
    for (const v of a) scale = Math.max(scale, Math.abs(v))
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let qtq = 0
        let rebuilt = 0
        for (let m = 0; m < n; m++) {
          qtq += q[m * n + i]! * q[m * n + j]!
          rebuilt += q[i * n + m]! * values[m]! * q[j * n + m]!
        }
        expect(Math.abs(qtq - (i === j ? 1 : 0))).toBeLessThan(1e-12)
        expect(Math.abs(rebuilt - a[i * n + j]!)).toBeLessThan(1e-12 * scale * n)
      }
    }
  })

  it('keeps a diagonal matrix as it is, and leaves its input alone', () => {
    const a = Float64Array.from([5, 0, 0, 0, -2, 0, 0, 0, 0])
    const copy = a.slice()
    const { values, vectors } = symmetricEigen(a, 3)
    expect([...values]).toEqual([5, -2, 0])
    expect([...vectors]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1])
    expect(a).toEqual(copy)
  })
})
