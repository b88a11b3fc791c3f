import { fitLogParams, type FitResult } from '../../numeric/fit-log-params.js'
import type { Objective } from '../../numeric/minimize-bfgs.js'
import { hyp2f1 } from '../../numeric/hyp2f1.js'
import { betaln, digamma, gammaln } from '../../numeric/special.js'
import type { SummaryGroups } from './customer-summary.js'

export const BG_NBD_PARAMS = ['r', 'alpha', 'a', 'b'] as const
export type BgNbdParam = (typeof BG_NBD_PARAMS)[number]
export type BgNbdParams = Readonly<Record<BgNbdParam, number>>
export type BgNbdFit = FitResult<BgNbdParam>

/** Distinct values of `values` and, for each entry, the index of its value. */
function distinctIndex(values: Float64Array): {
  readonly values: Float64Array
  readonly index: Int32Array
} {
  const seen = new Map<number, number>()
  const distinct: number[] = []
  const index = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    let k = seen.get(v)
    if (k === undefined) {
      k = distinct.length
      seen.set(v, k)
      distinct.push(v)
    }
    index[i] = k
  }
  return { values: Float64Array.from(distinct), index }
}

/**
 * −ln L of the BG/NBD model over grouped summaries, as a function of the log-parameters, with
 * its analytic gradient. Terms that depend on x alone (log-gammas, digammas) are recomputed only
 * when x changes, and ln(α + T), ln(α + t_x) once per distinct T and t_x (whole days give a few
 * hundred), so data sorted by x (as `groupSummaries` returns it) costs one exponential and one
 * log1p per group.
 */
function bgNbdObjective(data: SummaryGroups): Objective {
  const { x: xs, weight } = data
  const n = xs.length
  const ages = distinctIndex(data.T)
  const recencies = distinctIndex(data.tx)
  const lnT = new Float64Array(ages.values.length)
  const invT = new Float64Array(ages.values.length)
  const lnTx = new Float64Array(recencies.values.length)
  const invTx = new Float64Array(recencies.values.length)
  let totalWeight = 0
  for (let i = 0; i < n; i++) totalWeight += weight[i]!
  return (phi, gradient) => {
    const r = Math.exp(phi[0]!)
    const alpha = Math.exp(phi[1]!)
    const a = Math.exp(phi[2]!)
    const b = Math.exp(phi[3]!)
    if (!(r > 0 && alpha > 0 && a > 0 && b > 0) || !Number.isFinite(r + alpha + a + b)) return NaN
    const wantGradient = gradient !== null
    for (let k = 0; k < lnT.length; k++) {
      lnT[k] = Math.log(alpha + ages.values[k]!)
      invT[k] = 1 / (alpha + ages.values[k]!)
    }
    for (let k = 0; k < lnTx.length; k++) {
      lnTx[k] = Math.log(alpha + recencies.values[k]!)
      invTx[k] = 1 / (alpha + recencies.values[k]!)
    }
    const lgR = gammaln(r)
    const lgB = gammaln(b)
    const lgAB = gammaln(a + b)
    const psiR = wantGradient ? digamma(r) : 0
    const psiB = wantGradient ? digamma(b) : 0
    const psiAB = wantGradient ? digamma(a + b) : 0
    const lnA = Math.log(a)
    let ll = 0
    let dR = 0
    let dAlpha = 0
    let dA = 0
    let dB = 0
    let lastX = -1
    let xTerm = 0
    let lnRatio0 = 0
    let invB1 = 0
    let psiRx = 0
    let psiBx = 0
    let psiABx = 0
    for (let i = 0; i < n; i++) {
      const x = xs[i]!
      const w = weight[i]!
      if (x !== lastX) {
        lastX = x
        xTerm = gammaln(r + x) - lgR + lgAB + gammaln(b + x) - lgB - gammaln(a + b + x)
        lnRatio0 = x > 0 ? lnA - Math.log(b + x - 1) : 0
        invB1 = x > 0 ? 1 / (b + x - 1) : 0
        if (wantGradient) {
          psiRx = digamma(r + x)
          psiBx = digamma(b + x)
          psiABx = digamma(a + b + x)
        }
      }
      const ti = ages.index[i]!
      const a3 = -(r + x) * lnT[ti]!
      let d = a3
      let p4 = 0
      let xi = 0
      if (x > 0) {
        xi = recencies.index[i]!
        // ln of A₄/A₃ = ln a − ln(b+x−1) + (r+x) ln((α+T)/(α+t_x)) ≥ ln a − ln(b+x−1).
        const lnRatio = lnRatio0 + (r + x) * (lnT[ti]! - lnTx[xi]!)
        if (lnRatio < 700) {
          const ratio = Math.exp(lnRatio)
          d = a3 + Math.log1p(ratio)
          p4 = ratio / (1 + ratio)
        } else {
          d = a3 + lnRatio
          p4 = 1
        }
      }
      ll += w * (xTerm + d)
      if (wantGradient) {
        const p3 = 1 - p4
        dR += w * (psiRx - psiR - p3 * lnT[ti]! - (x > 0 ? p4 * lnTx[xi]! : 0))
        dAlpha -= w * (r + x) * (p3 * invT[ti]! + (x > 0 ? p4 * invTx[xi]! : 0))
        dA += w * (psiAB - psiABx + p4 / a)
        dB += w * (psiAB + psiBx - psiB - psiABx - p4 * invB1)
      }
    }
    ll += totalWeight * r * Math.log(alpha)
    if (gradient !== null) {
      dR += totalWeight * Math.log(alpha)
      dAlpha += (totalWeight * r) / alpha
      gradient[0] = -r * dR
      gradient[1] = -alpha * dAlpha
      gradient[2] = -a * dA
      gradient[3] = -b * dB
    }
    return -ll
  }
}

function toPhi(params: BgNbdParams): Float64Array {
  return Float64Array.from(BG_NBD_PARAMS, (name) => Math.log(params[name]))
}

/**
 * BG/NBD log-likelihood of grouped summaries.
 *
 * *Method:* FHL (2005) eq. (6) in logs: ln L = A₁ + A₂ + ln(e^{A₃} + δ_{x>0} e^{A₄}).
 *
 * *References:* Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
 * Alternative to the Pareto/NBD Model", Marketing Science 24(2):275–284; Fader, Hardie & Lee
 * (2008), "Computing P(alive) using the BG/NBD model" (the log-sum form).
 */
export function bgNbdLogLik(params: BgNbdParams, data: SummaryGroups): number {
  return -bgNbdObjective(data)(toPhi(params), null)
}

export interface FitOptions<P> {
  readonly start?: P
  readonly maxIterations?: number
}

/**
 * Fits the BG/NBD model by maximum likelihood on grouped (x, t_x, T).
 *
 * *Method:* BFGS on log-parameters with the analytic gradient; standard errors from the
 * numerical Hessian (see `fitLogParams`). Start: r = 1, α = mean T / max(mean x, 0.1) (so that
 * r/α matches the mean purchase rate), a = b = 1.
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284.
 */
export function fitBgNbd(data: SummaryGroups, options: FitOptions<BgNbdParams> = {}): BgNbdFit {
  return fitLogParams(BG_NBD_PARAMS, bgNbdObjective(data), options.start ?? startValues(data), {
    maxIterations: options.maxIterations ?? 500,
  })
}

/** Start values shared by the purchase models: r = 1 and α from the mean purchase rate. */
export function startValues(data: SummaryGroups): BgNbdParams {
  let w = 0
  let sx = 0
  let sT = 0
  for (let i = 0; i < data.x.length; i++) {
    w += data.weight[i]!
    sx += data.weight[i]! * data.x[i]!
    sT += data.weight[i]! * data.T[i]!
  }
  const meanT = w > 0 ? sT / w : 1
  const meanX = w > 0 ? sx / w : 0
  return { r: 1, alpha: Math.max(meanT, 1e-3) / Math.max(meanX, 0.1), a: 1, b: 1 }
}

/**
 * Unconditional expected number of repeat transactions in (0, t] for a new customer.
 *
 * *Method:* FHL (2005) eq. (7): E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1;
 * t/(α+t))].
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284.
 */
export function bgNbdExpectedTransactions(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params
  if (t === 0) return 0
  const z = t / (alpha + t)
  const h = hyp2f1(r, b, a + b - 1, z)
  return ((a + b - 1) / (a - 1)) * (1 - Math.exp(r * Math.log(alpha / (alpha + t))) * h)
}

/**
 * Probability that a customer with history (x, t_x, T) is still alive at T.
 *
 * *Method:* FHL (2005) eq. (11) in logs: 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x}).
 *
 * *References:* Fader, Hardie & Lee (2005); Fader, Hardie & Lee (2008), "Computing P(alive)
 * using the BG/NBD model", brucehardie.com/notes/021.
 */
export function bgNbdProbabilityAlive(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
): number {
  if (x === 0) return 1
  const { r, alpha, a, b } = params
  const log = Math.log(a) - Math.log(b + x - 1) + (r + x) * Math.log((alpha + T) / (alpha + tx))
  return 1 / (1 + Math.exp(log))
}

/**
 * Expected repeat transactions in (T, T + t] for a customer with history (x, t_x, T).
 *
 * *Method:* FHL (2005) eq. (10): (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x;
 * a+b+x−1; t/(α+T+t))] · P(alive)-denominator.
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284.
 */
export function bgNbdConditionalExpectedTransactions(
  params: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (t === 0) return 0
  const { r, alpha, a, b } = params
  const z = t / (alpha + T + t)
  const h = hyp2f1(r + x, b + x, a + b + x - 1, z)
  const bracket = 1 - Math.exp((r + x) * Math.log((alpha + T) / (alpha + T + t))) * h
  return ((a + b + x - 1) / (a - 1)) * bracket * bgNbdProbabilityAlive(params, x, tx, T)
}

/**
 * Probability of exactly n repeat transactions in (0, t] for a new customer.
 *
 * *Method:* FHL (2005) eq. (8), with the NBD terms in logs.
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284.
 */
export function bgNbdProbabilityOfTransactions(params: BgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = params
  const lnBab = betaln(a, b)
  const lnP = Math.log(alpha / (alpha + t))
  const lnQ = Math.log(t / (alpha + t))
  const nbd = (j: number): number =>
    Math.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + r * lnP + j * lnQ)
  let p = Math.exp(betaln(a, b + n) - lnBab) * nbd(n)
  if (n > 0) {
    let cumulative = 0
    for (let j = 0; j < n; j++) cumulative += nbd(j)
    p += Math.exp(betaln(a + 1, b + n - 1) - lnBab) * (1 - cumulative)
  }
  return p
}
