import { describe, expect, it } from 'vitest'
import { minimizeBfgs, withCentralDifferences } from './minimize-bfgs.js'
import { invertSpd, numericalHessian } from './numerical-hessian.js'

describe('minimizeBfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosenbrock = (x: Float64Array, g: Float64Array | null): number => {
      const a = x[0]!
      const b = x[1]!
      if (g !== null) {
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a)
        g[1] = 200 * (b - a * a)
      }
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2
    }
    const result = minimizeBfgs(rosenbrock, Float64Array.from([-1.2, 1]))
    expect(result.converged, result.message).toBe(true)
    expect(result.x[0]).toBeCloseTo(1, 6)
    expect(result.x[1]).toBeCloseTo(1, 6)
  })

  it('works with central-difference gradients and stays out of the undefined region', () => {
    // ln-barrier: undefined (NaN) for x ≤ 0; minimum at x = 2.
    const f = withCentralDifferences((x) => (x[0]! <= 0 ? NaN : x[0]! - 2 * Math.log(x[0]!)))
    const result = minimizeBfgs(f, Float64Array.from([10]), { maxStep: 50 })
    expect(result.converged, result.message).toBe(true)
    expect(result.x[0]).toBeCloseTo(2, 5)
  })
})

describe('numericalHessian and invertSpd', () => {
  it('recover a quadratic form and its inverse', () => {
    // f = ½ xᵀAx with A = [[4, 1], [1, 3]].
    const quadratic = (x: Float64Array, g: Float64Array | null): number => {
      if (g !== null) {
        g[0] = 4 * x[0]! + x[1]!
        g[1] = x[0]! + 3 * x[1]!
      }
      return 0.5 * (4 * x[0]! ** 2 + 2 * x[0]! * x[1]! + 3 * x[1]! ** 2)
    }
    const h = new Float64Array(4)
    expect(numericalHessian(quadratic, Float64Array.from([0.3, -0.2]), h)).toBe(true)
    expect(Array.from(h).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([4, 1, 1, 3])
    const inv = new Float64Array(4)
    expect(invertSpd(h, 2, inv)).toBe(true)
    const expected = [3 / 11, -1 / 11, -1 / 11, 4 / 11]
    inv.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 8)
    })
    expect(invertSpd(Float64Array.from([1, 2, 2, 1]), 2, inv)).toBe(false)
  })
})
