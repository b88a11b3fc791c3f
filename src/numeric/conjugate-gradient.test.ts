import { describe, expect, it } from 'vitest'
import { conjugateGradient, conjugateGradientWork } from './conjugate-gradient.js'

describe('conjugate gradient', () => {
  it('solves an SPD system to tolerance in at most n iterations', () => {
    const n = 6
    const a = new Float64Array(n * n)
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 4 + i
      if (i + 1 < n) {
        a[i * n + i + 1] = 1
        a[(i + 1) * n + i] = 1
      }
    }
    const apply = (x: Float64Array, y: Float64Array): void => {
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!
        y[i] = s
      }
    }
    const truth = Float64Array.from([1, -2, 3, 0.5, -1, 2])
    const b = new Float64Array(n)
    apply(truth, b)
    const x = new Float64Array(n)
    const res = conjugateGradient(apply, b, x, n, 50, 1e-12, conjugateGradientWork(n))
    expect(res.converged).toBe(true)
    expect(res.iterations).toBeLessThanOrEqual(n)
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(truth[i]!, 9)
  })

  it('returns at once from an exact warm start', () => {
    const apply = (x: Float64Array, y: Float64Array): void => {
      y[0] = 2 * x[0]!
    }
    const x = Float64Array.from([3])
    const res = conjugateGradient(
      apply,
      Float64Array.from([6]),
      x,
      1,
      10,
      1e-9,
      conjugateGradientWork(1),
    )
    expect(res.iterations).toBe(0)
    expect(x[0]).toBe(3)
  })
})
