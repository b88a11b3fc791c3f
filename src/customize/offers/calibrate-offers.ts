import { wilsonInterval } from '../../numeric/wilson-interval.js'
import {
  emptyOutcomeCounts,
  fitOfferModel,
  type OfferModelOptions,
  type OutcomeCounts,
} from './offer-scoring.js'

/**
 * Resolved outcomes grouped by (fold, cell), parallel arrays. Folds split customers (a customer's
 * outcomes are all in one fold), so each group is predicted by a model that never saw them.
 */
export interface CalibrationGroups {
  readonly offerCount: number
  readonly tierCount: number
  readonly folds: number
  readonly cell: Int32Array
  readonly fold: Int32Array
  readonly presentations: Float64Array
  readonly acceptances: Float64Array
}

/** One bin of the reliability diagram: predicted against observed acceptance. */
export interface ReliabilityBin {
  readonly presentations: number
  readonly acceptances: number
  /** Range and presentation-weighted mean of the predicted P(accept) in the bin. */
  readonly lowPredicted: number
  readonly highPredicted: number
  readonly meanPredicted: number
  readonly observedRate: number
  /** Wilson 95% interval of the observed rate. */
  readonly lower: number
  readonly upper: number
}

export interface OfferCalibrationFigures {
  readonly offer: number
  readonly presentations: number
  readonly acceptances: number
  readonly meanPredicted: number
  readonly observedRate: number
}

export interface CalibrationReport {
  readonly presentations: number
  readonly acceptances: number
  readonly folds: number
  readonly bins: readonly ReliabilityBin[]
  /** Mean squared error of the predicted probability (lower is better). */
  readonly brier: number
  /** Brier score of predicting each fold's overall rate for everyone. */
  readonly brierBaseline: number
  /** 1 − brier / brierBaseline: share of the baseline's error the model removes. */
  readonly brierSkill: number
  readonly logLoss: number
  /** Presentation-weighted mean |observed − predicted| over the bins. */
  readonly expectedCalibrationError: number
  readonly meanPredicted: number
  readonly observedRate: number
  /** Bins whose mean prediction lies inside the observed rate's 95% interval. */
  readonly binsWithinInterval: number
  readonly byOffer: readonly OfferCalibrationFigures[]
}

const Z95 = 1.959963984540054

/**
 * How well the model's P(accept) matches what customers did, out of sample.
 *
 * *Method:* K-fold cross-validation over customers: for each fold the model is fitted on the
 * other folds' counts (`fitOfferModel`), and predicts the posterior mean of each held-out
 * group's (offer, tier) cell. The predictions are sorted and cut into bins of about equal
 * presentations; each bin's mean prediction is set against its observed rate with a Wilson 95%
 * interval (a reliability diagram). Brier score, its skill against the fold's overall rate,
 * log loss and the expected calibration error summarise it.
 *
 * *References:* Brier (1950), "Verification of forecasts expressed in terms of probability",
 * Monthly Weather Review 78(1); DeGroot & Fienberg (1983), "The comparison and evaluation of
 * forecasters", The Statistician 32(1/2) (reliability diagrams); Naeini, Cooper & Hauskrecht
 * (2015), "Obtaining well calibrated probabilities using Bayesian binning", AAAI (ECE); Wilson
 * (1927), "Probable inference, the law of succession, and statistical inference", JASA 22(158).
 */
export function calibrateOffers(
  groups: CalibrationGroups,
  options: { readonly bins?: number; readonly model?: OfferModelOptions } = {},
): CalibrationReport {
  const binCount = options.bins ?? 10
  const { offerCount, tierCount, folds } = groups
  const count = groups.cell.length
  const total = emptyOutcomeCounts(offerCount, tierCount)
  const perFold: OutcomeCounts[] = Array.from({ length: folds }, () =>
    emptyOutcomeCounts(offerCount, tierCount),
  )
  for (let g = 0; g < count; g += 1) {
    const cell = groups.cell[g]!
    const fold = perFold[groups.fold[g]!]
    if (fold === undefined) throw new Error(`Group ${g} is in fold ${groups.fold[g]} of ${folds}`)
    add(total, cell, groups.presentations[g]!, groups.acceptances[g]!)
    add(fold, cell, groups.presentations[g]!, groups.acceptances[g]!)
  }
  const predicted = new Float64Array(count)
  const baseline = new Float64Array(count)
  for (let f = 0; f < folds; f += 1) {
    const held = perFold[f]!
    const train = emptyOutcomeCounts(offerCount, tierCount)
    for (let c = 0; c < offerCount * tierCount; c += 1) {
      train.presentations[c] = total.presentations[c]! - held.presentations[c]!
      train.acceptances[c] = total.acceptances[c]! - held.acceptances[c]!
    }
    const model = fitOfferModel(train, { ...options.model, intervalLevel: 0 })
    for (let g = 0; g < count; g += 1) {
      if (groups.fold[g] !== f) continue
      const cell = groups.cell[g]!
      predicted[g] = model.alpha[cell]! / (model.alpha[cell]! + model.beta[cell]!)
      baseline[g] = model.globalRate
    }
  }
  let n = 0
  let k = 0
  let brier = 0
  let brierBase = 0
  let logLoss = 0
  let predictedSum = 0
  for (let g = 0; g < count; g += 1) {
    const ng = groups.presentations[g]!
    const kg = groups.acceptances[g]!
    const p = predicted[g]!
    const b = baseline[g]!
    n += ng
    k += kg
    brier += kg * (1 - p) * (1 - p) + (ng - kg) * p * p
    brierBase += kg * (1 - b) * (1 - b) + (ng - kg) * b * b
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p))
    logLoss -= kg * Math.log(q) + (ng - kg) * Math.log1p(-q)
    predictedSum += ng * p
  }
  const bins = reliabilityBins(groups, predicted, n, binCount)
  const ece = bins.reduce(
    (s, b) => s + b.presentations * Math.abs(b.observedRate - b.meanPredicted),
    0,
  )
  return {
    presentations: n,
    acceptances: k,
    folds,
    bins,
    brier: n > 0 ? brier / n : NaN,
    brierBaseline: n > 0 ? brierBase / n : NaN,
    brierSkill: brierBase > 0 ? 1 - brier / brierBase : NaN,
    logLoss: n > 0 ? logLoss / n : NaN,
    expectedCalibrationError: n > 0 ? ece / n : NaN,
    meanPredicted: n > 0 ? predictedSum / n : NaN,
    observedRate: n > 0 ? k / n : NaN,
    binsWithinInterval: bins.filter((b) => b.meanPredicted >= b.lower && b.meanPredicted <= b.upper)
      .length,
    byOffer: perOffer(groups, predicted),
  }
}

function add(counts: OutcomeCounts, cell: number, n: number, k: number): void {
  counts.presentations[cell] = counts.presentations[cell]! + n
  counts.acceptances[cell] = counts.acceptances[cell]! + k
}

function reliabilityBins(
  groups: CalibrationGroups,
  predicted: Float64Array,
  total: number,
  binCount: number,
): ReliabilityBin[] {
  const order = Array.from({ length: predicted.length }, (_, i) => i)
    .filter((g) => groups.presentations[g]! > 0)
    .sort((a, b) => predicted[a]! - predicted[b]!)
  const bins: ReliabilityBin[] = []
  let n = 0
  let k = 0
  let weighted = 0
  let low = NaN
  let high = NaN
  let cumulative = 0
  let boundary = 1
  const close = (): void => {
    if (n === 0) return
    const rate = k / n
    const [lower, upper] = wilson(k, n)
    bins.push({
      presentations: n,
      acceptances: k,
      lowPredicted: low,
      highPredicted: high,
      meanPredicted: weighted / n,
      observedRate: rate,
      lower,
      upper,
    })
    n = 0
    k = 0
    weighted = 0
  }
  for (const [position, g] of order.entries()) {
    const ng = groups.presentations[g]!
    const p = predicted[g]!
    if (n === 0) low = p
    high = p
    n += ng
    k += groups.acceptances[g]!
    weighted += ng * p
    cumulative += ng
    const next = order[position + 1]
    // Close at each boundary, but never between groups with the same prediction.
    if (
      cumulative >= (total * boundary) / binCount &&
      (next === undefined || predicted[next] !== p)
    ) {
      close()
      while (boundary < binCount && cumulative >= (total * boundary) / binCount) boundary += 1
    }
  }
  close()
  return bins
}

/** Wilson score interval at 95% for k successes in n trials ([0, 1] when n is 0). */
export function wilson(k: number, n: number): readonly [number, number] {
  if (n <= 0) return [0, 1]
  const { low, high } = wilsonInterval(k, n, Z95)
  return [low, high]
}

function perOffer(groups: CalibrationGroups, predicted: Float64Array): OfferCalibrationFigures[] {
  const n = new Float64Array(groups.offerCount)
  const k = new Float64Array(groups.offerCount)
  const p = new Float64Array(groups.offerCount)
  for (let g = 0; g < predicted.length; g += 1) {
    const offer = Math.floor(groups.cell[g]! / groups.tierCount)
    n[offer] = n[offer]! + groups.presentations[g]!
    k[offer] = k[offer]! + groups.acceptances[g]!
    p[offer] = p[offer]! + groups.presentations[g]! * predicted[g]!
  }
  const out: OfferCalibrationFigures[] = []
  for (let offer = 0; offer < groups.offerCount; offer += 1) {
    if (n[offer] === 0) continue
    out.push({
      offer,
      presentations: n[offer]!,
      acceptances: k[offer]!,
      meanPredicted: p[offer]! / n[offer]!,
      observedRate: k[offer]! / n[offer]!,
    })
  }
  return out
}
