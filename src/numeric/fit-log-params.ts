import { minimizeBfgs, type BfgsOptions, type Objective } from './minimize-bfgs.js'
import { invertSpd, numericalHessian } from './numerical-hessian.js'

/** What every maximum-likelihood fitter returns. */
export interface FitResult<K extends string> {
  readonly params: Readonly<Record<K, number>>
  readonly logLik: number
  readonly converged: boolean
  readonly iterations: number
  /** Objective evaluations, the Hessian's included. */
  readonly evaluations: number
  /** Asymptotic standard errors of the parameters (NaN where the Hessian is not definite). */
  readonly standardErrors: Readonly<Record<K, number>>
  readonly message: string
}

/**
 * Maximises a log-likelihood over positive parameters, searching on their logarithms.
 * `negLogLik` receives log-parameters and returns −ln L, filling ∂(−ln L)/∂ ln θ when asked.
 *
 * *Method:* BFGS ({@link minimizeBfgs}) on φ = ln θ, which removes the positivity constraints
 * and evens out the scales; standard errors from the inverse of the numerical Hessian in φ,
 * carried to θ by the delta method: se(θᵢ) = θᵢ · sqrt([H⁻¹]ᵢᵢ).
 *
 * *References:* Nocedal & Wright (2006), ch. 6; Casella & Berger (2002), Statistical
 * Inference, §10.1 (asymptotic normality of the MLE, delta method).
 */
export function fitLogParams<K extends string>(
  names: readonly K[],
  negLogLik: Objective,
  start: Readonly<Record<K, number>>,
  options: BfgsOptions = {},
): FitResult<K> {
  const n = names.length
  const phi0 = new Float64Array(n)
  for (let i = 0; i < n; i++) phi0[i] = Math.log(start[names[i]!])
  const result = minimizeBfgs(negLogLik, phi0, options)
  const hessian = new Float64Array(n * n)
  const inverse = new Float64Array(n * n)
  const definite = numericalHessian(negLogLik, result.x, hessian) && invertSpd(hessian, n, inverse)
  const params = {} as Record<K, number>
  const standardErrors = {} as Record<K, number>
  for (let i = 0; i < n; i++) {
    const name = names[i]!
    const theta = Math.exp(result.x[i]!)
    params[name] = theta
    standardErrors[name] = definite ? theta * Math.sqrt(inverse[i * n + i]!) : NaN
  }
  return {
    params,
    logLik: -result.value,
    converged: result.converged,
    iterations: result.iterations,
    evaluations: result.evaluations + 2 * n,
    standardErrors,
    message: result.message,
  }
}
