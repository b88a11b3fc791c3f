import type { Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import { TIERS } from '../../differentiate/value/tiers.js'
import type { Database } from '../../store/database.js'
import {
  emptyOutcomeCounts,
  fitOfferModel,
  type OfferModel,
  type OfferModelOptions,
  type OutcomeCounts,
} from './offer-scoring.js'
import { readResolvedCounts, UNSCORED_TIER } from './offers.repository.js'

/** The fitted model with the offer and tier behind each index. */
export interface LoadedOfferModel {
  readonly model: OfferModel
  /** The resolved presentations and acceptances it was fitted on, per cell. */
  readonly counts: OutcomeCounts
  readonly offerIndex: ReadonlyMap<string, number>
  readonly tierIndex: ReadonlyMap<string, number>
  readonly tiers: readonly string[]
  readonly fittedAt: number
  readonly acceptWindowDays: number
}

/** The tiers every model has: Peppers & Rogers' four and customers not scored yet. */
export const MODEL_TIERS: readonly string[] = [...TIERS, UNSCORED_TIER]

/**
 * Fits the acceptance model on every resolved outcome (one grouped query). Offers without
 * outcomes get cells too, so a new offer is scored from the prior; outcomes of offers not in
 * `offerIds` still inform the global rate.
 */
export async function loadOfferModel(
  db: Kysely<Database>,
  offerIds: readonly string[],
  now: number,
  acceptWindowDays: number,
  options: OfferModelOptions = {},
): Promise<LoadedOfferModel> {
  const rows = await readResolvedCounts(db, now, acceptWindowDays * DAY_MS)
  const offerIndex = new Map<string, number>()
  for (const id of offerIds) if (!offerIndex.has(id)) offerIndex.set(id, offerIndex.size)
  const tierIndex = new Map<string, number>()
  for (const tier of MODEL_TIERS) tierIndex.set(tier, tierIndex.size)
  for (const row of rows) {
    if (!offerIndex.has(row.offerId)) offerIndex.set(row.offerId, offerIndex.size)
    if (!tierIndex.has(row.tier)) tierIndex.set(row.tier, tierIndex.size)
  }
  const counts = emptyOutcomeCounts(offerIndex.size, tierIndex.size)
  for (const row of rows) {
    const cell = offerIndex.get(row.offerId)! * tierIndex.size + tierIndex.get(row.tier)!
    counts.presentations[cell] = counts.presentations[cell]! + row.presentations
    counts.acceptances[cell] = counts.acceptances[cell]! + row.acceptances
  }
  return {
    model: fitOfferModel(counts, options),
    counts,
    offerIndex,
    tierIndex,
    tiers: [...tierIndex.keys()],
    fittedAt: now,
    acceptWindowDays,
  }
}

/**
 * Keeps a fitted model for a while, so that scoring one customer after another does not refit
 * on every call. Writes made through the outcome functions invalidate it.
 */
export interface OfferModelCache {
  get(
    db: Kysely<Database>,
    offerIds: readonly string[],
    now: number,
    acceptWindowDays: number,
    options: OfferModelOptions,
  ): Promise<LoadedOfferModel>
  invalidate(): void
}

export function createOfferModelCache(ttlMs = 60_000): OfferModelCache {
  let cached: { key: string; loaded: LoadedOfferModel } | null = null
  return {
    async get(db, offerIds, now, acceptWindowDays, options) {
      const key = `${acceptWindowDays}|${offerIds.join(',')}`
      const age = cached === null ? Infinity : now - cached.loaded.fittedAt
      if (cached !== null && cached.key === key && age >= 0 && age < ttlMs) {
        return cached.loaded
      }
      const loaded = await loadOfferModel(db, offerIds, now, acceptWindowDays, options)
      cached = { key, loaded }
      return loaded
    },
    invalidate() {
      cached = null
    },
  }
}
