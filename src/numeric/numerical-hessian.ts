import type { Objective } from './minimize-bfgs.js'

/**
 * The Hessian of an objective at `x`, by central differences of its gradient, written row-major
 * into `out` (n·n) and symmetrised. Returns false when a probe falls outside the domain.
 *
 * *Method:* column j = (∇f(x + hⱼeⱼ) − ∇f(x − hⱼeⱼ)) / 2hⱼ with hⱼ = 1e-5 · max(1, |xⱼ|), then
 * (H + Hᵀ)/2.
 *
 * *References:* Nocedal & Wright (2006), Numerical Optimization, §8.1 ("Approximating the
 * Hessian").
 */
export function numericalHessian(
  objective: Objective,
  x: Float64Array,
  out: Float64Array,
): boolean {
  const n = x.length
  const probe = Float64Array.from(x)
  const up = new Float64Array(n)
  const down = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    const step = 1e-5 * Math.max(1, Math.abs(x[j]!))
    probe[j] = x[j]! + step
    const fUp = objective(probe, up)
    probe[j] = x[j]! - step
    const fDown = objective(probe, down)
    probe[j] = x[j]!
    if (!Number.isFinite(fUp) || !Number.isFinite(fDown)) return false
    for (let i = 0; i < n; i++) out[i * n + j] = (up[i]! - down[i]!) / (2 * step)
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * (out[i * n + j]! + out[j * n + i]!)
      out[i * n + j] = mean
      out[j * n + i] = mean
    }
  }
  return true
}

/**
 * Inverts a symmetric positive-definite matrix (row-major, n·n) into `out`. Returns false, and
 * leaves `out` filled with NaN, when the matrix is not positive definite.
 *
 * *Method:* Cholesky factorisation A = LLᵀ, then A⁻¹ = L⁻ᵀL⁻¹.
 *
 * *References:* Golub & Van Loan (2013), Matrix Computations, 4th ed., §4.2.
 */
export function invertSpd(a: Float64Array, n: number, out: Float64Array): boolean {
  const l = new Float64Array(n * n)
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j]!
    for (let k = 0; k < j; k++) diag -= l[j * n + k]! * l[j * n + k]!
    if (!(diag > 0)) {
      out.fill(NaN)
      return false
    }
    const ljj = Math.sqrt(diag)
    l[j * n + j] = ljj
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j]!
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!
      l[i * n + j] = sum / ljj
    }
  }
  // Solve L Lᵀ X = I column by column.
  const column = new Float64Array(n)
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let sum = i === c ? 1 : 0
      for (let k = 0; k < i; k++) sum -= l[i * n + k]! * column[k]!
      column[i] = sum / l[i * n + i]!
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = column[i]!
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * column[k]!
      column[i] = sum / l[i * n + i]!
    }
    for (let i = 0; i < n; i++) out[i * n + c] = column[i]!
  }
  return true
}
