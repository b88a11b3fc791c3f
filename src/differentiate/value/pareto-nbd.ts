import { fitLogParams, type FitResult } from '../../numeric/fit-log-params.js'
import { logHyp2f1 } from '../../numeric/hyp2f1.js'
import { withCentralDifferences } from '../../numeric/minimize-bfgs.js'
import { gammaln, logAddExp, logSubExp } from '../../numeric/special.js'
import { startValues, type FitOptions } from './bg-nbd.js'
import type { SummaryGroups } from './customer-summary.js'

export const PARETO_NBD_PARAMS = ['r', 'alpha', 's', 'beta'] as const
export type ParetoNbdParam = (typeof PARETO_NBD_PARAMS)[number]
export type ParetoNbdParams = Readonly<Record<ParetoNbdParam, number>>
export type ParetoNbdFit = FitResult<ParetoNbdParam>

/**
 * ln A₀ of Fader & Hardie's Pareto/NBD note: the integral over the unobserved death time between
 * t_x and T. The larger of α, β goes in the denominator so the ₂F₁ argument |α−β|/(max+t) is in
 * [0, 1); −∞ when t_x = T.
 */
function logA0(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  tx: number,
  T: number,
): number {
  const rsx = r + s + x
  let larger: number
  let second: number
  if (alpha >= beta) {
    larger = alpha
    second = s + 1
  } else {
    larger = beta
    second = r + x
  }
  const gap = Math.abs(alpha - beta)
  const upper = logHyp2f1(rsx, second, rsx + 1, gap / (larger + tx)) - rsx * Math.log(larger + tx)
  const lower = logHyp2f1(rsx, second, rsx + 1, gap / (larger + T)) - rsx * Math.log(larger + T)
  return logSubExp(upper, lower)
}

/** ln of the bracket of the likelihood and the two parts of it, for P(alive). */
function logLikTerms(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T)
  const dead = Math.log(s) - Math.log(r + s + x) + logA0(r, alpha, s, beta, x, tx, T)
  return logAddExp(alive, dead)
}

/**
 * Pareto/NBD log-likelihood of grouped summaries.
 *
 * *Method:* Fader & Hardie (2005) note, eq. (22): L = Γ(r+x)α^rβ^s/Γ(r) · [1/((α+T)^{r+x}(β+T)^s)
 * + s/(r+s+x) · A₀], with A₀ from ₂F₁ in the α ≥ β / α < β forms, all in logarithms.
 *
 * *References:* Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They
 * and What Will They Do Next?", Management Science 33(1):1–24; Fader & Hardie (2005), "A Note on
 * Deriving the Pareto/NBD Model and Related Expressions", brucehardie.com/notes/009.
 */
export function paretoNbdLogLik(params: ParetoNbdParams, data: SummaryGroups): number {
  const { r, alpha, s, beta } = params
  if (!(r > 0 && alpha > 0 && s > 0 && beta > 0) || !Number.isFinite(r + alpha + s + beta)) {
    return NaN
  }
  const lgR = gammaln(r)
  const base = r * Math.log(alpha) + s * Math.log(beta) - lgR
  let ll = 0
  let lastX = -1
  let lgRx = 0
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!
    if (x !== lastX) {
      lastX = x
      lgRx = gammaln(r + x)
    }
    ll += data.weight[i]! * (lgRx + base + logLikTerms(params, x, data.tx[i]!, data.T[i]!))
  }
  return ll
}

/**
 * Fits the Pareto/NBD model by maximum likelihood.
 *
 * *Method:* BFGS on log-parameters with central-difference gradients (the likelihood's
 * derivatives through ₂F₁ are not worth their error risk here); standard errors from the
 * numerical Hessian. Start: r = 1, α from the mean purchase rate, s = 1, β = mean T.
 *
 * *References:* Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005) note 009.
 */
export function fitParetoNbd(
  data: SummaryGroups,
  options: FitOptions<ParetoNbdParams> = {},
): ParetoNbdFit {
  const bg = startValues(data)
  let w = 0
  let sT = 0
  for (let i = 0; i < data.T.length; i++) {
    w += data.weight[i]!
    sT += data.weight[i]! * data.T[i]!
  }
  const start = options.start ?? { r: 1, alpha: bg.alpha, s: 1, beta: w > 0 ? sT / w : 1 }
  const objective = withCentralDifferences((phi) => {
    const params: ParetoNbdParams = {
      r: Math.exp(phi[0]!),
      alpha: Math.exp(phi[1]!),
      s: Math.exp(phi[2]!),
      beta: Math.exp(phi[3]!),
    }
    return -paretoNbdLogLik(params, data)
  })
  return fitLogParams(PARETO_NBD_PARAMS, objective, start, {
    maxIterations: options.maxIterations ?? 500,
    gradientTolerance: 1e-8,
  })
}

/**
 * Probability that a customer with history (x, t_x, T) is alive at T.
 *
 * *Method:* 1 / (1 + s/(r+s+x) · (α+T)^{r+x} (β+T)^s · A₀), in logarithms.
 *
 * *References:* Fader & Hardie (2005) note 009, eq. (18); Schmittlein et al. (1987), eq. (11).
 */
export function paretoNbdProbabilityAlive(
  params: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, s, beta } = params
  const log =
    Math.log(s) -
    Math.log(r + s + x) +
    (r + x) * Math.log(alpha + T) +
    s * Math.log(beta + T) +
    logA0(r, alpha, s, beta, x, tx, T)
  return 1 / (1 + Math.exp(log))
}

/**
 * Expected repeat transactions in (T, T + t] for a customer with history (x, t_x, T).
 *
 * *Method:* (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}] · P(alive); the s → 1 limit
 * (r+x)(β+T)/(α+T) · ln((β+T+t)/(β+T)) · P(alive) when |s − 1| < 1e-9.
 *
 * *References:* Schmittlein et al. (1987), eq. (22); Fader & Hardie (2005) note 009, eq. (20).
 */
export function paretoNbdConditionalExpectedTransactions(
  params: ParetoNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, s, beta } = params
  const rate = ((r + x) * (beta + T)) / (alpha + T)
  const horizon =
    Math.abs(s - 1) < 1e-9
      ? Math.log((beta + T + t) / (beta + T))
      : -Math.expm1((s - 1) * Math.log((beta + T) / (beta + T + t))) / (s - 1)
  return rate * horizon * paretoNbdProbabilityAlive(params, x, tx, T)
}

/**
 * Unconditional expected repeat transactions in (0, t] for a new customer.
 *
 * *Method:* rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}]; rβ/α · ln((β+t)/β) when s = 1.
 *
 * *References:* Schmittlein et al. (1987), eq. (17); Fader & Hardie (2005) note 009, eq. (17).
 */
export function paretoNbdExpectedTransactions(params: ParetoNbdParams, t: number): number {
  const { r, alpha, s, beta } = params
  if (Math.abs(s - 1) < 1e-9) return ((r * beta) / alpha) * Math.log((beta + t) / beta)
  return ((r * beta) / (alpha * (s - 1))) * -Math.expm1((s - 1) * Math.log(beta / (beta + t)))
}
