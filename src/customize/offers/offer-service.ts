import type { Kysely } from 'kysely'
import { newId } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import type { OffersTable } from '../../store/tables/offers.table.js'
import { parseSegmentRule } from '../segments/parse-segment-rule.js'
import type { SegmentRule } from '../segments/segment-rule.js'
import { validateSegmentRule } from '../segments/validate-segment-rule.js'
import {
  OfferInputSchema,
  offerFieldErrors,
  offerFromRow,
  offerInputOf,
  offerRow,
  type Offer,
  type OfferFieldError,
  type OfferInput,
  type OfferPatch,
} from './offer-definition.js'
import {
  findOfferRow,
  findOfferRowByName,
  insertOffer,
  listOfferRows,
  readOfferTotals,
  readProducts,
  replaceOffer,
} from './offers.repository.js'

/** Why an offer could not be saved. */
export type OfferError =
  | {
      readonly type: 'invalid_offer'
      readonly message: string
      readonly errors: readonly OfferFieldError[]
    }
  | { readonly type: 'duplicate_name'; readonly message: string; readonly name: string }
  | { readonly type: 'offer_not_found'; readonly message: string; readonly offerId: string }

/** A stored offer with how it has done so far. */
export interface OfferWithTotals extends Offer {
  readonly presentations: number
  readonly acceptances: number
  readonly revenue: number
}

/** Reads a stored rule back; it was validated when saved. */
export function readStoredRule(offerId: string): (rule: unknown) => SegmentRule {
  return (rule) => {
    const parsed = parseSegmentRule(rule)
    if (!parsed.ok) {
      throw new Error(
        `Stored eligibility rule of offer ${offerId} is invalid: ${parsed.error.message}`,
      )
    }
    return parsed.value
  }
}

export function offerFromStoredRow(row: OffersTable): Offer {
  return offerFromRow(row, readStoredRule(row.id))
}

function invalid(errors: readonly OfferFieldError[]): OfferError {
  const first = errors[0]
  return {
    type: 'invalid_offer',
    message:
      first === undefined
        ? 'Offer is invalid'
        : `Offer is invalid at ${first.path}: ${first.message}` +
          (errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''),
    errors,
  }
}

/**
 * Checks an offer definition: its fields (a negative margin, a product offer without its
 * product…), that every product id is in the catalog, and that the eligibility rule is a valid
 * segment rule over names the data has. Every problem is reported with its path
 * (`margin`, `productIds[1]`, `eligibility.all[0].score`).
 */
export async function validateOfferInput(
  db: Kysely<Database>,
  raw: unknown,
): Promise<
  Result<{ readonly input: OfferInput; readonly eligibility: SegmentRule | null }, OfferError>
> {
  const parsed = OfferInputSchema.safeParse(raw)
  if (!parsed.success) return err(invalid(offerFieldErrors(parsed.error)))
  const input = parsed.data
  const errors: OfferFieldError[] = []
  const productIds = input.productIds ?? []
  if (productIds.length > 0) {
    const known = await readProducts(db, productIds)
    productIds.forEach((id, i) => {
      if (!known.has(id)) {
        errors.push({ path: `productIds[${i}]`, message: `unknown product "${id}"` })
      }
    })
  }
  let eligibility: SegmentRule | null = null
  if (input.eligibility !== undefined && input.eligibility !== null) {
    const rule = await validateSegmentRule(db, input.eligibility)
    if (rule.ok) eligibility = rule.value
    else {
      for (const e of rule.error.errors) {
        errors.push({
          path: e.path === '(rule)' ? 'eligibility' : `eligibility.${e.path}`,
          message:
            e.message + (e.allowed === undefined ? '' : ` (allowed: ${e.allowed.join(', ')})`),
        })
      }
    }
  }
  return errors.length > 0 ? err(invalid(errors)) : ok({ input, eligibility })
}

/** Saves a new offer; its name must be new. */
export async function createOffer(
  db: Kysely<Database>,
  raw: unknown,
  nowMs: number,
): Promise<Result<Offer, OfferError>> {
  const checked = await validateOfferInput(db, raw)
  if (!checked.ok) return checked
  const { input, eligibility } = checked.value
  if ((await findOfferRowByName(db, input.name)) !== undefined) {
    return err(duplicate(input.name))
  }
  const row = offerRow(input, eligibility, newId('off', nowMs), nowMs, nowMs)
  await insertOffer(db, row)
  return ok(offerFromStoredRow(row))
}

/** Creates the offer of that name, or replaces its definition (keeping its id and history). */
export async function upsertOfferByName(
  db: Kysely<Database>,
  raw: unknown,
  nowMs: number,
): Promise<Result<{ readonly offer: Offer; readonly created: boolean }, OfferError>> {
  const checked = await validateOfferInput(db, raw)
  if (!checked.ok) return checked
  const { input, eligibility } = checked.value
  const existing = await findOfferRowByName(db, input.name)
  if (existing === undefined) {
    const row = offerRow(input, eligibility, newId('off', nowMs), nowMs, nowMs)
    await insertOffer(db, row)
    return ok({ offer: offerFromStoredRow(row), created: true })
  }
  const row = offerRow(input, eligibility, existing.id, existing.created_at, nowMs)
  await replaceOffer(db, row)
  return ok({ offer: offerFromStoredRow(row), created: false })
}

/**
 * Changes some fields of an offer (`{ "status": "paused" }`); the merged definition is checked
 * as a whole. `caps` merge field by field.
 */
export async function updateOffer(
  db: Kysely<Database>,
  offerId: string,
  patch: OfferPatch,
  nowMs: number,
): Promise<Result<Offer, OfferError>> {
  const existing = await findOfferRow(db, offerId)
  if (existing === undefined) return err(missing(offerId))
  const current = offerInputOf(offerFromStoredRow(existing))
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
  const merged = {
    ...current,
    ...given,
    caps: { ...current.caps, ...(patch.caps ?? {}) },
  }
  const checked = await validateOfferInput(db, merged)
  if (!checked.ok) return checked
  const { input, eligibility } = checked.value
  if (input.name !== existing.name) {
    const clash = await findOfferRowByName(db, input.name)
    if (clash !== undefined && clash.id !== offerId) return err(duplicate(input.name))
  }
  const row = offerRow(input, eligibility, offerId, existing.created_at, nowMs)
  await replaceOffer(db, row)
  return ok(offerFromStoredRow(row))
}

/** An offer by id, or by its name. */
export async function findOffer(db: Kysely<Database>, idOrName: string): Promise<Offer | null> {
  const row = (await findOfferRow(db, idOrName)) ?? (await findOfferRowByName(db, idOrName))
  return row === undefined ? null : offerFromStoredRow(row)
}

export async function listOffers(db: Kysely<Database>): Promise<readonly OfferWithTotals[]> {
  const [rows, totals] = await Promise.all([listOfferRows(db), readOfferTotals(db)])
  return rows.map((row) => {
    const t = totals.get(row.id)
    return {
      ...offerFromStoredRow(row),
      presentations: t?.presentations ?? 0,
      acceptances: t?.acceptances ?? 0,
      revenue: t?.revenue ?? 0,
    }
  })
}

function duplicate(name: string): OfferError {
  return {
    type: 'duplicate_name',
    message: `An offer named "${name}" exists already (PUT /v1/offers replaces it by name)`,
    name,
  }
}

function missing(offerId: string): OfferError {
  return { type: 'offer_not_found', message: `Offer "${offerId}" not found`, offerId }
}
