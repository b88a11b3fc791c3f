import { newId } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { OfferOutcomesTable } from '../../store/tables/offers.table.js'
import type { OfferDeps } from './choose-next-best-offer.js'
import {
  existingOfferIds,
  findOfferRow,
  findOutcomeByKey,
  findOutcomesByKeys,
  insertOutcomes,
  markAccepted,
  outcomeFromRow,
  readTiers,
  UNSCORED_TIER,
  type OfferOutcome,
} from './offers.repository.js'

export interface PresentationInput {
  readonly customerId: string
  readonly offerId: string
  /** The caller's key: the same key again records nothing new (e.g. `campaign:42:cus_…`). */
  readonly idempotencyKey: string
  /** Who presented it: a campaign id, `api`, `cli`… (default `api`). */
  readonly source?: string
  /** Default: now. */
  readonly presentedAt?: number
}

export interface AcceptanceInput {
  readonly customerId: string
  readonly offerId: string
  /** The key the presentation was recorded with; a new key records a presentation and its acceptance at once. */
  readonly idempotencyKey: string
  readonly acceptedAt?: number
  /** Money the acceptance brought, if known. */
  readonly revenue?: number | null
  readonly source?: string
}

export type OutcomeError =
  | { readonly type: 'offer_not_found'; readonly message: string; readonly offerId: string }
  | {
      readonly type: 'idempotency_conflict'
      readonly message: string
      readonly existing: OfferOutcome
    }

export interface RecordedOutcome {
  readonly outcome: OfferOutcome
  /** False when the key had been recorded before (nothing changed). */
  readonly created: boolean
}

/** One item of a batch of presentations, in input order. */
export interface PresentationReport {
  readonly index: number
  readonly customerId: string
  readonly offerId: string
  readonly idempotencyKey: string
  /** recorded: new; duplicate: the key was recorded before for this offer; rejected: see error. */
  readonly status: 'recorded' | 'duplicate' | 'rejected'
  readonly outcomeId: string | null
  readonly error?: OutcomeError
}

/** Records that an offer was presented to a customer; idempotent by key per customer. */
export async function recordPresentation(
  deps: OfferDeps,
  input: PresentationInput,
): Promise<Result<RecordedOutcome, OutcomeError>> {
  const [report] = await recordPresentations(deps, [input])
  if (report === undefined) throw new Error('recordPresentations lost its only item')
  if (report.error !== undefined) return err(report.error)
  const outcome = await findOutcomeByKey(deps.db, input.customerId, input.idempotencyKey)
  if (outcome === null) throw new Error(`Presentation ${input.idempotencyKey} was not stored`)
  return ok({ outcome, created: report.status === 'recorded' })
}

/**
 * Records many presentations in a few statements (a one-to-one campaign's sends), each with the
 * customer's tier at that moment; reports each item instead of stopping at a bad one.
 */
export async function recordPresentations(
  deps: OfferDeps,
  inputs: readonly PresentationInput[],
): Promise<readonly PresentationReport[]> {
  const { db } = deps
  const now = deps.clock.now()
  const known = await existingOfferIds(db, [...new Set(inputs.map((i) => i.offerId))])
  const tiers = await readTiers(db, [...new Set(inputs.map((i) => i.customerId))])
  const rows: OfferOutcomesTable[] = []
  const idOf = new Map<number, string>()
  inputs.forEach((input, index) => {
    if (!known.has(input.offerId)) return
    const id = newId('oo', now)
    idOf.set(index, id)
    rows.push({
      id,
      customer_id: input.customerId,
      offer_id: input.offerId,
      tier: tiers.get(input.customerId) ?? UNSCORED_TIER,
      source: input.source ?? 'api',
      idempotency_key: input.idempotencyKey,
      presented_at: input.presentedAt ?? now,
      accepted_at: null,
      revenue: null,
      order_id: null,
    })
  })
  const written = await insertOutcomes(db, rows, deps.sqlite ?? null)
  // Only a presentation whose key was taken already is read back (to tell a repeat from a key
  // reused for another offer); one that went in is this call's own row.
  const stored = await findOutcomesByKeys(
    db,
    inputs.filter((_input, index) => {
      const id = idOf.get(index)
      return id !== undefined && !written.has(id)
    }),
  )
  const reports: PresentationReport[] = []
  for (const [index, input] of inputs.entries()) {
    const base = {
      index,
      customerId: input.customerId,
      offerId: input.offerId,
      idempotencyKey: input.idempotencyKey,
    }
    if (!known.has(input.offerId)) {
      reports.push({
        ...base,
        status: 'rejected',
        outcomeId: null,
        error: notFound(input.offerId),
      })
      continue
    }
    const ownId = idOf.get(index)
    if (ownId !== undefined && written.has(ownId)) {
      reports.push({ ...base, status: 'recorded', outcomeId: ownId })
      continue
    }
    const outcome = stored.get(`${input.customerId}\u0000${input.idempotencyKey}`)
    if (outcome === undefined)
      throw new Error(`Presentation ${input.idempotencyKey} was not stored`)
    if (outcome.offerId !== input.offerId) {
      reports.push({ ...base, status: 'rejected', outcomeId: null, error: conflict(outcome) })
    } else {
      reports.push({ ...base, status: 'duplicate', outcomeId: outcome.id })
    }
  }
  return reports
}

/**
 * Records that a customer accepted an offer: marks the presentation recorded under the key, or,
 * when the key is new (taken up without a recorded presentation), records both at once. Repeats
 * change nothing: the first acceptance stands.
 */
export async function recordAcceptance(
  deps: OfferDeps,
  input: AcceptanceInput,
): Promise<Result<RecordedOutcome, OutcomeError>> {
  const { db } = deps
  const now = deps.clock.now()
  if ((await findOfferRow(db, input.offerId)) === undefined) return err(notFound(input.offerId))
  const acceptedAt = input.acceptedAt ?? now
  let outcome = await findOutcomeByKey(db, input.customerId, input.idempotencyKey)
  if (outcome === null) {
    const tiers = await readTiers(db, [input.customerId])
    const row: OfferOutcomesTable = {
      id: newId('oo', now),
      customer_id: input.customerId,
      offer_id: input.offerId,
      tier: tiers.get(input.customerId) ?? UNSCORED_TIER,
      source: input.source ?? 'api',
      idempotency_key: input.idempotencyKey,
      presented_at: acceptedAt,
      accepted_at: null,
      revenue: null,
      order_id: null,
    }
    await insertOutcomes(db, [row])
    outcome = await findOutcomeByKey(db, input.customerId, input.idempotencyKey)
    if (outcome === null) outcome = outcomeFromRow(row)
  }
  if (outcome.offerId !== input.offerId) return err(conflict(outcome))
  const accepted = await markAccepted(db, input.customerId, outcome.id, {
    acceptedAt: Math.max(acceptedAt, outcome.presentedAt),
    revenue: input.revenue ?? null,
    orderId: null,
  })
  if (accepted) deps.models?.invalidate()
  const stored = await findOutcomeByKey(db, input.customerId, input.idempotencyKey)
  return ok({ outcome: stored ?? outcome, created: accepted })
}

function notFound(offerId: string): OutcomeError {
  return { type: 'offer_not_found', message: `Offer "${offerId}" not found`, offerId }
}

function conflict(existing: OfferOutcome): OutcomeError {
  return {
    type: 'idempotency_conflict',
    message:
      `Key "${existing.idempotencyKey}" was used for offer ${existing.offerId} already; ` +
      'use a new key for another offer',
    existing,
  }
}
