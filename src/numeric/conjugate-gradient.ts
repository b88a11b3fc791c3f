/** y ← A·x for a symmetric positive definite operator of size n. Must not allocate. */
export type LinearOperator = (x: Float64Array, y: Float64Array) => void

export interface ConjugateGradientWork {
  readonly r: Float64Array
  readonly p: Float64Array
  readonly ap: Float64Array
}

/** Scratch vectors for {@link conjugateGradient}, allocated once and reused across solves. */
export function conjugateGradientWork(n: number): ConjugateGradientWork {
  return { r: new Float64Array(n), p: new Float64Array(n), ap: new Float64Array(n) }
}

export interface ConjugateGradientResult {
  readonly iterations: number
  /** ‖b − A·x‖₂ at the end. */
  readonly residualNorm: number
  readonly converged: boolean
}

/**
 * Solves A·x = b for symmetric positive definite A by conjugate gradient, starting from the
 * value in `x` (a warm start) and writing the solution into `x`. Stops after `maxIterations` or
 * when ‖r‖₂ ≤ tolerance·‖b‖₂.
 *
 * *Method:* Hestenes–Stiefel conjugate gradient; one operator application per iteration. A few
 * iterations from a warm start are what iALS needs per user and epoch.
 *
 * *References:* M. Hestenes, E. Stiefel, "Methods of conjugate gradients for solving linear
 * systems", J. Res. NBS 49(6), 1952; G. Takács, I. Pilászy, D. Tikk, "Applications of the
 * conjugate gradient method for implicit feedback collaborative filtering", RecSys 2011;
 * S. Rendle et al., "Revisiting the performance of iALS on item recommendation benchmarks",
 * RecSys 2022.
 */
export function conjugateGradient(
  apply: LinearOperator,
  b: Float64Array,
  x: Float64Array,
  n: number,
  maxIterations: number,
  tolerance: number,
  work: ConjugateGradientWork,
): ConjugateGradientResult {
  const { r, p, ap } = work
  apply(x, ap)
  let bNorm2 = 0
  let rs = 0
  for (let i = 0; i < n; i++) {
    const ri = b[i]! - ap[i]!
    r[i] = ri
    p[i] = ri
    rs += ri * ri
    bNorm2 += b[i]! * b[i]!
  }
  const stop2 = tolerance * tolerance * bNorm2
  let it = 0
  while (it < maxIterations && rs > stop2) {
    apply(p, ap)
    let pap = 0
    for (let i = 0; i < n; i++) pap += p[i]! * ap[i]!
    if (!(pap > 0)) break
    const alpha = rs / pap
    let rsNew = 0
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!
      const ri = r[i]! - alpha * ap[i]!
      r[i] = ri
      rsNew += ri * ri
    }
    const beta = rsNew / rs
    for (let i = 0; i < n; i++) p[i] = r[i]! + beta * p[i]!
    rs = rsNew
    it++
  }
  return { iterations: it, residualNorm: Math.sqrt(rs), converged: rs <= stop2 }
}
