import { DAY_MS } from '../../core/clock.js'
import { DEFAULT_ACCEPT_WINDOW_DAYS } from './attribute-offer-acceptances.js'
import { calibrateOffers, type CalibrationReport } from './calibrate-offers.js'
import type { OfferDeps } from './choose-next-best-offer.js'
import { MODEL_TIERS } from './offer-model-store.js'
import { listOfferRows, readResolvedCountsByCustomer } from './offers.repository.js'

export interface OfferCalibration extends Omit<CalibrationReport, 'byOffer'> {
  readonly acceptWindowDays: number
  readonly byOffer: readonly {
    readonly offerId: string
    readonly name: string | null
    readonly presentations: number
    readonly acceptances: number
    readonly meanPredicted: number
    readonly observedRate: number
  }[]
  /** A sentence a person can read. */
  readonly verdict: string
}

/** FNV-1a: a stable fold for a customer id, the same on every run and engine. */
export function foldOf(customerId: string, folds: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < customerId.length; i += 1) {
    h ^= customerId.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % folds
}

/**
 * The reliability of the model's P(accept) on the outcomes recorded so far (resolved ones:
 * accepted, or older than the acceptance window), by K-fold cross-validation over customers.
 * Run `idic offer attribute` first so that acceptances shown only by orders are counted.
 */
export async function runOfferCalibration(
  deps: OfferDeps,
  options: { readonly folds?: number; readonly bins?: number } = {},
): Promise<OfferCalibration> {
  const folds = options.folds ?? 5
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`folds must be ≥ 2, got ${folds}`)
  const now = deps.clock.now()
  const windowDays = deps.acceptWindowDays ?? DEFAULT_ACCEPT_WINDOW_DAYS
  const [rows, offers] = await Promise.all([
    readResolvedCountsByCustomer(deps.db, now, windowDays * DAY_MS),
    listOfferRows(deps.db),
  ])
  const offerIndex = new Map<string, number>()
  for (const o of offers) offerIndex.set(o.id, offerIndex.size)
  const tierIndex = new Map<string, number>()
  for (const t of MODEL_TIERS) tierIndex.set(t, tierIndex.size)
  for (const r of rows) {
    if (!offerIndex.has(r.offerId)) offerIndex.set(r.offerId, offerIndex.size)
    if (!tierIndex.has(r.tier)) tierIndex.set(r.tier, tierIndex.size)
  }
  // Customers of one fold and cell share a prediction: group them.
  const groups = new Map<number, { cell: number; fold: number; n: number; k: number }>()
  const cellCount = offerIndex.size * tierIndex.size
  for (const r of rows) {
    const cell = offerIndex.get(r.offerId)! * tierIndex.size + tierIndex.get(r.tier)!
    const fold = foldOf(r.customerId, folds)
    const key = fold * cellCount + cell
    const g = groups.get(key)
    if (g === undefined) groups.set(key, { cell, fold, n: r.presentations, k: r.acceptances })
    else {
      g.n += r.presentations
      g.k += r.acceptances
    }
  }
  const list = [...groups.values()]
  const report = calibrateOffers(
    {
      offerCount: offerIndex.size,
      tierCount: tierIndex.size,
      folds,
      cell: Int32Array.from(list, (g) => g.cell),
      fold: Int32Array.from(list, (g) => g.fold),
      presentations: Float64Array.from(list, (g) => g.n),
      acceptances: Float64Array.from(list, (g) => g.k),
    },
    {
      bins: options.bins ?? 10,
      ...(deps.modelOptions === undefined ? {} : { model: deps.modelOptions }),
    },
  )
  const ids = [...offerIndex.keys()]
  const names = new Map(offers.map((o) => [o.id, o.name]))
  return {
    ...report,
    acceptWindowDays: windowDays,
    byOffer: report.byOffer.map((o) => ({
      offerId: ids[o.offer]!,
      name: names.get(ids[o.offer]!) ?? null,
      presentations: o.presentations,
      acceptances: o.acceptances,
      meanPredicted: o.meanPredicted,
      observedRate: o.observedRate,
    })),
    verdict: verdictOf(report),
  }
}

function verdictOf(report: CalibrationReport): string {
  if (report.presentations === 0) {
    return 'No resolved presentations yet: record presentations and acceptances (or run `idic offer attribute`) first.'
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`
  return (
    `${report.binsWithinInterval} of ${report.bins.length} bins predict within the observed ` +
    `rate's 95% interval; mean predicted ${pct(report.meanPredicted)} against observed ` +
    `${pct(report.observedRate)}; expected calibration error ${pct(report.expectedCalibrationError)}; ` +
    `Brier ${report.brier.toFixed(4)} against ${report.brierBaseline.toFixed(4)} for one overall ` +
    `rate (skill ${report.brierSkill.toFixed(3)}).`
  )
}
