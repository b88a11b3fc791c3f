import { fitLogParams, type FitResult } from '../../numeric/fit-log-params.js'
import type { Objective } from '../../numeric/minimize-bfgs.js'
import { digamma, gammaln } from '../../numeric/special.js'

export const GAMMA_GAMMA_PARAMS = ['p', 'q', 'gamma'] as const
export type GammaGammaParam = (typeof GAMMA_GAMMA_PARAMS)[number]
export type GammaGammaParams = Readonly<Record<GammaGammaParam, number>>
export type GammaGammaFit = FitResult<GammaGammaParam>

/**
 * Repeat customers' spend: number of repeat transactions x > 0 and their mean value zbar > 0,
 * sorted by x for speed (any order is correct), with optional weights.
 */
export interface SpendData {
  readonly x: Float64Array
  readonly zbar: Float64Array
  readonly weight?: Float64Array
}

/**
 * Keeps the customers the spend model can use (x > 0 and zbar > 0, finite), sorted by x.
 * Returns how many were dropped, so callers can say why.
 */
export function selectSpendData(
  x: Float64Array,
  zbar: Float64Array,
): { readonly data: SpendData; readonly dropped: number } {
  const keep: number[] = []
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > 0 && zbar[i]! > 0 && Number.isFinite(zbar[i]!)) keep.push(i)
  }
  keep.sort((i, j) => x[i]! - x[j]!)
  return {
    data: {
      x: Float64Array.from(keep, (i) => x[i]!),
      zbar: Float64Array.from(keep, (i) => zbar[i]!),
    },
    dropped: x.length - keep.length,
  }
}

function gammaGammaObjective(data: SpendData): Objective {
  const { x: xs, zbar, weight } = data
  const n = xs.length
  const lnZ = new Float64Array(n)
  const lnX = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    lnZ[i] = Math.log(zbar[i]!)
    lnX[i] = Math.log(xs[i]!)
  }
  return (phi, gradient) => {
    const p = Math.exp(phi[0]!)
    const q = Math.exp(phi[1]!)
    const g = Math.exp(phi[2]!)
    if (!(p > 0 && q > 0 && g > 0) || !Number.isFinite(p + q + g)) return NaN
    const wantGradient = gradient !== null
    const lgQ = gammaln(q)
    const psiQ = wantGradient ? digamma(q) : 0
    const lnG = Math.log(g)
    let ll = 0
    let dP = 0
    let dQ = 0
    let dG = 0
    let lastX = -1
    let xTerm = 0
    let psiPxq = 0
    let psiPx = 0
    for (let i = 0; i < n; i++) {
      const x = xs[i]!
      const w = weight === undefined ? 1 : weight[i]!
      const px = p * x
      if (x !== lastX) {
        lastX = x
        xTerm = gammaln(px + q) - gammaln(px) - lgQ + q * lnG
        if (wantGradient) {
          psiPxq = digamma(px + q)
          psiPx = digamma(px)
        }
      }
      const lnDen = Math.log(g + x * zbar[i]!)
      ll += w * (xTerm + (px - 1) * lnZ[i]! + px * lnX[i]! - (px + q) * lnDen)
      if (wantGradient) {
        dP += w * x * (psiPxq - psiPx + lnZ[i]! + lnX[i]! - lnDen)
        dQ += w * (psiPxq - psiQ + lnG - lnDen)
        dG += w * (q / g - (px + q) / (g + x * zbar[i]!))
      }
    }
    if (gradient !== null) {
      gradient[0] = -p * dP
      gradient[1] = -q * dQ
      gradient[2] = -g * dG
    }
    return -ll
  }
}

/**
 * Gamma-Gamma log-likelihood of the repeat customers' mean spend.
 *
 * *Method:* zbar given ν is Gamma(px, νx) and ν ~ Gamma(q, γ); integrating ν out gives
 * f(zbar | p, q, γ, x) = Γ(px+q)/(Γ(px)Γ(q)) · γ^q · zbar^{px−1} x^{px} / (γ + x·zbar)^{px+q}.
 *
 * *References:* Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value",
 * brucehardie.com/notes/025; Colombo & Jiang (1999), "A stochastic RFM model", J. Interactive
 * Marketing 13(3).
 */
export function gammaGammaLogLik(params: GammaGammaParams, data: SpendData): number {
  const phi = Float64Array.from(GAMMA_GAMMA_PARAMS, (name) => Math.log(params[name]))
  return -gammaGammaObjective(data)(phi, null)
}

/**
 * Fits the Gamma-Gamma spend model by maximum likelihood.
 *
 * *Method:* BFGS on log-parameters with the analytic gradient (see `fitLogParams`); start
 * p = 1, q = 2, γ = mean zbar (so the prior mean spend pγ/(q−1) starts at the sample mean).
 *
 * *References:* Fader & Hardie (2013), brucehardie.com/notes/025.
 */
export function fitGammaGamma(
  data: SpendData,
  options: { readonly start?: GammaGammaParams; readonly maxIterations?: number } = {},
): GammaGammaFit {
  let sum = 0
  let count = 0
  for (let i = 0; i < data.zbar.length; i++) {
    const w = data.weight === undefined ? 1 : data.weight[i]!
    sum += w * data.zbar[i]!
    count += w
  }
  const start = options.start ?? { p: 1, q: 2, gamma: count > 0 ? sum / count : 1 }
  return fitLogParams(GAMMA_GAMMA_PARAMS, gammaGammaObjective(data), start, {
    maxIterations: options.maxIterations ?? 500,
  })
}

/**
 * Expected spend per transaction of a customer with x repeat transactions of mean value zbar.
 * With x = 0 this is the population mean pγ/(q−1). NaN when q ≤ 1 (the mean does not exist).
 *
 * *Method:* E(Z | x, zbar) = (γ + x·zbar) · p / (px + q − 1), a weighted mean of the population
 * mean and the customer's own mean.
 *
 * *References:* Fader & Hardie (2013), brucehardie.com/notes/025, eq. (5).
 */
export function gammaGammaConditionalSpend(
  params: GammaGammaParams,
  x: number,
  zbar: number,
): number {
  const { p, q, gamma } = params
  if (q <= 1) return NaN
  if (x === 0) return (p * gamma) / (q - 1)
  return ((gamma + x * zbar) * p) / (p * x + q - 1)
}
