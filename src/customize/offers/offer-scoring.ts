import type { Random } from '../../numeric/random.js'
import { betaInterval } from './beta-distribution.js'

/**
 * Past outcomes summed per cell (offer o, customer tier t), cell index `o * tierCount + t`:
 * how many presentations were resolved (accepted, or their acceptance window closed) and how
 * many of those were accepted.
 */
export interface OutcomeCounts {
  readonly offerCount: number
  readonly tierCount: number
  readonly presentations: Float64Array
  readonly acceptances: Float64Array
}

export interface OfferModelOptions {
  /** Hyperprior of the global acceptance rate; Beta(1, 1) (uniform) by default. */
  readonly globalPrior?: { readonly alpha: number; readonly beta: number }
  /** Prior weight (α + β) of the global rate on each offer when it cannot be estimated. */
  readonly defaultOfferConcentration?: number
  /** Prior weight of an offer's rate on each of its tiers when it cannot be estimated. */
  readonly defaultTierConcentration?: number
  /** Bounds on the estimated prior weights. */
  readonly minConcentration?: number
  readonly maxConcentration?: number
  /** Credible level of the stored intervals; 0 skips them (simulations). Default 0.95. */
  readonly intervalLevel?: number
}

/** Posterior Beta(α, β) of the acceptance probability of every (offer, tier) cell. */
export interface OfferModel {
  readonly offerCount: number
  readonly tierCount: number
  /** Posterior shape parameters per cell. */
  readonly alpha: Float64Array
  readonly beta: Float64Array
  /** Central credible interval per cell (NaN when not computed). */
  readonly lower: Float64Array
  readonly upper: Float64Array
  readonly intervalLevel: number
  /** Posterior mean of each offer's rate over all its tiers, shrunk toward the other offers. */
  readonly offerRate: Float64Array
  /** Each cell's prior: mean (its offer's rate from the other tiers) and weight (α + β). */
  readonly cellPriorMean: Float64Array
  readonly cellPriorWeight: Float64Array
  /** Posterior mean of the global rate: the prior mean of every offer. */
  readonly globalRate: number
  /** Prior weight of the global rate on an offer (large: offers accept alike). */
  readonly offerConcentration: number
  /** Prior weight of an offer's rate on a tier (large: tiers accept alike). */
  readonly tierConcentration: number
  /** Whether each weight was estimated from the data or fell back to its default. */
  readonly offerConcentrationEstimated: boolean
  readonly tierConcentrationEstimated: boolean
  /** Resolved presentations and acceptances behind the model. */
  readonly totalPresentations: number
  readonly totalAcceptances: number
}

export const DEFAULT_OFFER_MODEL_OPTIONS = {
  globalPrior: { alpha: 1, beta: 1 },
  defaultOfferConcentration: 2,
  defaultTierConcentration: 10,
  minConcentration: 1,
  maxConcentration: 100,
  intervalLevel: 0.95,
} as const

/** Empty counts for `offerCount` offers and `tierCount` tiers. */
export function emptyOutcomeCounts(offerCount: number, tierCount: number): OutcomeCounts {
  return {
    offerCount,
    tierCount,
    presentations: new Float64Array(offerCount * tierCount),
    acceptances: new Float64Array(offerCount * tierCount),
  }
}

/**
 * Fits P(accept | customer tier, offer) for every cell as a Beta posterior in a three-level
 * hierarchy: global rate → each offer's rate → each (offer, tier) cell.
 *
 * *Method:* empirical Bayes with leave-one-out priors. A cell's prior comes from the rest of the
 * hierarchy, never from its own data (which would then be counted twice and make a cell with
 * an unlucky start sure of a low rate): its prior mean is its offer's rate estimated from the
 * offer's *other* tiers, themselves shrunk toward the global rate of the *other* offers (under
 * `globalPrior`). The prior weights come from how much rates vary beyond binomial noise,
 * estimated by the method of moments on the beta-binomial's intra-class correlation
 * ρ = 1/(1 + κ): κ_g across offers, κ_t across the tiers of each offer (pooled over offers);
 * no excess spread pools fully (κ = maxConcentration), and weights that cannot be estimated
 * (fewer than two groups with data, rates of 0 or 1) take their defaults. Each prior's weight is
 * then moment-matched to the uncertainty of its mean: with μ of variance s², θ | μ ~
 * Beta(μκ, (1 − μ)κ) has Var θ = (μ(1 − μ) − s²)/(κ + 1) + s², and the prior is the Beta of that
 * mean and variance, so an offer without data of its own is as uncertain as offers differ, not
 * as sure as the global rate; with data s² → 0 and the weight → κ. A cell's posterior is
 * Beta(m w + k, (1 − m) w + n − k) for prior mean m and weight w, n presentations and k
 * acceptances: cells with little data lean on their offer, offers with little data on the rest.
 *
 * *References:* Kleinman (1973), "Proportions with extraneous variance: single and independent
 * samples", JASA 68(341) (moment estimator of the beta-binomial dispersion); Kass & Steffey
 * (1989), "Approximate Bayesian inference in conditionally independent hierarchical models
 * (parametric empirical Bayes models)", JASA 84(407) (hyperparameter uncertainty); Casella (1985),
 * "An introduction to empirical Bayes data analysis", The American Statistician 39(2);
 * Gelman et al., *Bayesian Data Analysis* (3rd ed., 2013), §5.3 (hierarchical beta-binomial).
 */
export function fitOfferModel(counts: OutcomeCounts, options: OfferModelOptions = {}): OfferModel {
  const o = { ...DEFAULT_OFFER_MODEL_OPTIONS, ...options }
  const { offerCount, tierCount, presentations, acceptances } = counts
  const cells = offerCount * tierCount
  if (presentations.length !== cells || acceptances.length !== cells) {
    throw new Error(
      `Outcome counts hold ${presentations.length}/${acceptances.length} cells, expected ${cells}`,
    )
  }
  const offerN = new Float64Array(offerCount)
  const offerK = new Float64Array(offerCount)
  let totalN = 0
  let totalK = 0
  for (let offer = 0; offer < offerCount; offer += 1) {
    for (let tier = 0; tier < tierCount; tier += 1) {
      const cell = offer * tierCount + tier
      const n = presentations[cell]!
      const k = acceptances[cell]!
      if (!(n >= 0) || !(k >= 0) || k > n) {
        throw new Error(`Cell ${cell} has ${k} acceptances of ${n} presentations`)
      }
      offerN[offer] = offerN[offer]! + n
      offerK[offer] = offerK[offer]! + k
    }
    totalN += offerN[offer]!
    totalK += offerK[offer]!
  }
  const { alpha: a0, beta: b0 } = o.globalPrior
  const globalRate = (totalK + a0) / (totalN + a0 + b0)

  const clamp = (kappa: number): number =>
    Math.min(o.maxConcentration, Math.max(o.minConcentration, kappa))
  const offerMoments = new DispersionMoments()
  offerMoments.addFamily(offerN, offerK, 0, offerCount)
  const offerKappa = offerMoments.concentration()
  const offerConcentration = clamp(offerKappa ?? o.defaultOfferConcentration)
  const tierMoments = new DispersionMoments()
  for (let offer = 0; offer < offerCount; offer += 1) {
    tierMoments.addFamily(presentations, acceptances, offer * tierCount, tierCount)
  }
  const tierKappa = tierMoments.concentration()
  const tierConcentration = clamp(tierKappa ?? o.defaultTierConcentration)

  const offerRate = new Float64Array(offerCount)
  const alpha = new Float64Array(cells)
  const beta = new Float64Array(cells)
  const cellPriorMean = new Float64Array(cells)
  const cellPriorWeight = new Float64Array(cells)
  const lower = new Float64Array(cells).fill(NaN)
  const upper = new Float64Array(cells).fill(NaN)
  const floor = o.minConcentration
  for (let offer = 0; offer < offerCount; offer += 1) {
    // The other offers' rate, as this offer's prior.
    const others = posterior(
      a0 / (a0 + b0),
      a0 + b0,
      totalN - offerN[offer]!,
      totalK - offerK[offer]!,
    )
    const offerWeight = matchedWeight(others.mean, others.variance, offerConcentration, floor)
    offerRate[offer] = posterior(others.mean, offerWeight, offerN[offer]!, offerK[offer]!).mean
    for (let tier = 0; tier < tierCount; tier += 1) {
      const cell = offer * tierCount + tier
      const n = presentations[cell]!
      const k = acceptances[cell]!
      // The offer's rate from its other tiers, as this cell's prior.
      const rest = posterior(others.mean, offerWeight, offerN[offer]! - n, offerK[offer]! - k)
      const weight = matchedWeight(rest.mean, rest.variance, tierConcentration, floor)
      cellPriorMean[cell] = rest.mean
      cellPriorWeight[cell] = weight
      alpha[cell] = rest.mean * weight + k
      beta[cell] = (1 - rest.mean) * weight + (n - k)
      if (o.intervalLevel > 0) {
        const [lo, hi] = betaInterval(alpha[cell], beta[cell], o.intervalLevel)
        lower[cell] = lo
        upper[cell] = hi
      }
    }
  }
  return {
    offerCount,
    tierCount,
    alpha,
    beta,
    lower,
    upper,
    intervalLevel: o.intervalLevel,
    offerRate,
    cellPriorMean,
    cellPriorWeight,
    globalRate,
    offerConcentration,
    tierConcentration,
    offerConcentrationEstimated: offerKappa !== null,
    tierConcentrationEstimated: tierKappa !== null,
    totalPresentations: totalN,
    totalAcceptances: totalK,
  }
}

/** Mean and variance of Beta(m w + k, (1 − m) w + n − k). */
function posterior(
  m: number,
  w: number,
  n: number,
  k: number,
): { readonly mean: number; readonly variance: number } {
  const a = m * w + k
  const b = (1 - m) * w + (n - k)
  const size = a + b
  return { mean: a / size, variance: (a * b) / (size * size * (size + 1)) }
}

/**
 * The weight (α + β) of the Beta with mean m whose variance is that of θ | μ ~ Beta(μκ, (1 − μ)κ)
 * with μ of mean m and variance s²; at least `floor`.
 */
function matchedWeight(m: number, s2: number, kappa: number, floor: number): number {
  const pq = m * (1 - m)
  if (!(pq > 0)) return kappa
  const variance = (pq - s2) / (kappa + 1) + s2
  return Math.max(floor, Math.min(kappa, pq / variance - 1))
}

/**
 * Sums of Kleinman's moment estimator over one or more families of groups, each family centred
 * on its own pooled rate: Σ n_i (r_i − p̂)² / (p̂(1 − p̂)) has expectation
 * (G − 1) + ρ (N − Σ n_i² / N − (G − 1)).
 */
class DispersionMoments {
  private numerator = 0
  private denominator = 0

  addFamily(n: Float64Array, k: Float64Array, start: number, length: number): void {
    let groups = 0
    let total = 0
    let accepted = 0
    let squares = 0
    for (let i = start; i < start + length; i += 1) {
      const ni = n[i]!
      if (ni <= 0) continue
      groups += 1
      total += ni
      accepted += k[i]!
      squares += ni * ni
    }
    if (groups < 2) return
    const p = accepted / total
    if (p <= 0 || p >= 1) return
    let spread = 0
    for (let i = start; i < start + length; i += 1) {
      const ni = n[i]!
      if (ni <= 0) continue
      const r = k[i]! / ni
      spread += ni * (r - p) * (r - p)
    }
    this.numerator += spread / (p * (1 - p)) - (groups - 1)
    this.denominator += total - squares / total - (groups - 1)
  }

  /**
   * κ = 1/ρ − 1; +∞ when the groups spread no more than binomial noise (pool them fully, as the
   * positive-part James–Stein estimator does); null when no family has two groups with data.
   */
  concentration(): number | null {
    if (!(this.denominator > 0)) return null
    const rho = this.numerator / this.denominator
    if (!(rho > 0)) return Infinity
    return rho >= 1 ? 0 : 1 / rho - 1
  }
}

/** The modes of choosing: sample to keep exploring, or rank by the posterior mean. */
export const CHOICE_MODES = ['thompson', 'exploit'] as const
export type ChoiceMode = (typeof CHOICE_MODES)[number]

/**
 * Candidate offers for one customer: the model cell of each (its offer and the customer's tier),
 * its margin per acceptance and its cost per presentation. Parallel arrays of one length.
 */
export interface OfferCandidates {
  readonly cells: Int32Array
  readonly margins: Float64Array
  readonly costs: Float64Array
}

/** Per candidate figures, parallel to the candidates; the winner's index or −1. */
export interface OfferPick {
  /** Posterior mean of P(accept). */
  readonly mean: Float64Array
  /** mean × margin − cost. */
  readonly expectedValue: Float64Array
  /** The θ drawn from each posterior (Thompson), or the mean (exploit). */
  readonly theta: Float64Array
  /** θ × margin − cost: what the choice maximised. */
  readonly value: Float64Array
  /** Index of the chosen candidate; −1 when there is none or every value is below zero. */
  readonly winner: number
}

/**
 * Chooses one offer among a customer's eligible candidates by expected value
 * P(accept) × margin − cost; no offer when every value is negative (contacting would cost more
 * than it is expected to earn).
 *
 * *Method:* Thompson sampling: one θ is drawn from each candidate's Beta posterior (Gamma
 * variates by Marsaglia–Tsang, θ = X/(X + Y)) and the candidate with the largest θ × margin − cost
 * wins, so each offer is chosen with the posterior probability that it is the best; uncertain
 * offers get tried in proportion to their chance of being best, and the choice settles on the
 * best offer as evidence accumulates. In `exploit` mode θ is the posterior mean (no exploration),
 * for explanations and reports. Ties go to the higher posterior mean, then the earlier candidate.
 *
 * *References:* Thompson (1933), "On the likelihood that one unknown probability exceeds another
 * in view of the evidence of two samples", Biometrika 25(3/4); Chapelle & Li (2011), "An
 * empirical evaluation of Thompson sampling", NIPS 24; Agrawal & Goyal (2012), "Analysis of
 * Thompson sampling for the multi-armed bandit problem", COLT (logarithmic expected regret);
 * Marsaglia & Tsang (2000), "A simple method for generating gamma variables", ACM TOMS 26(3).
 */
export function pickOffer(
  model: OfferModel,
  candidates: OfferCandidates,
  mode: ChoiceMode,
  random: Random | null,
): OfferPick {
  const { cells, margins, costs } = candidates
  const count = cells.length
  if (margins.length !== count || costs.length !== count) {
    throw new Error(`Candidates of unequal lengths: ${count}, ${margins.length}, ${costs.length}`)
  }
  if (mode === 'thompson' && random === null) throw new Error('Thompson sampling needs a Random')
  const mean = new Float64Array(count)
  const expectedValue = new Float64Array(count)
  const theta = new Float64Array(count)
  const value = new Float64Array(count)
  let winner = -1
  for (let i = 0; i < count; i += 1) {
    const cell = cells[i]!
    if (cell < 0 || cell >= model.alpha.length) throw new Error(`No model cell ${cell}`)
    const a = model.alpha[cell]!
    const b = model.beta[cell]!
    mean[i] = a / (a + b)
    expectedValue[i] = mean[i]! * margins[i]! - costs[i]!
    theta[i] = mode === 'thompson' && random !== null ? random.beta(a, b) : mean[i]!
    value[i] = theta[i]! * margins[i]! - costs[i]!
    if (
      winner < 0 ||
      value[i]! > value[winner]! ||
      (value[i] === value[winner] && mean[i]! > mean[winner]!)
    ) {
      winner = i
    }
  }
  if (winner >= 0 && value[winner]! < 0) winner = -1
  return { mean, expectedValue, theta, value, winner }
}

/** Posterior variance of a cell: αβ / ((α + β)² (α + β + 1)). */
export function posteriorVariance(model: OfferModel, cell: number): number {
  const a = model.alpha[cell]!
  const b = model.beta[cell]!
  const s = a + b
  return (a * b) / (s * s * (s + 1))
}
