/**
 * What an offer is, the input that defines one, and how it is stored. Pure: no database (product
 * ids and the eligibility rule's names are checked against the data in `offer-service.ts`).
 */
import { z } from 'zod'
import { DateValueSchema, dateValueMs, type SegmentRule } from '../segments/segment-rule.js'
import type { OffersTable } from '../../store/tables/offers.table.js'

export const OFFER_KINDS = ['product', 'discount', 'bundle', 'content'] as const
export type OfferKind = (typeof OFFER_KINDS)[number]

export const OFFER_STATUSES = ['active', 'paused'] as const
export type OfferStatus = (typeof OFFER_STATUSES)[number]

/** Limits on how often an offer is shown and taken. Null: no limit. */
export interface OfferCaps {
  /** At most this many presentations to one customer within `windowDays`. */
  readonly presentations: number | null
  readonly windowDays: number | null
  /** At most this many acceptances by one customer, ever. */
  readonly acceptancesPerCustomer: number | null
  /** At most this many acceptances over all customers (the offer's budget). */
  readonly acceptanceBudget: number | null
}

export interface Offer {
  readonly id: string
  readonly name: string
  readonly kind: OfferKind
  readonly description: string | null
  /** The product (product offer), the products (bundle) or the products discounted (optional). */
  readonly productIds: readonly string[]
  readonly discountPercent: number | null
  /** Money earned per acceptance (≥ 0). */
  readonly margin: number
  /** Money spent per presentation (≥ 0). */
  readonly cost: number
  /** Who may get it; null: every customer. */
  readonly eligibility: SegmentRule | null
  readonly caps: OfferCaps
  /** Epoch ms; null: open-ended. The offer is live from `activeFrom` until before `activeTo`. */
  readonly activeFrom: number | null
  readonly activeTo: number | null
  readonly status: OfferStatus
  readonly createdAt: number
  readonly updatedAt: number
}

const MAX_MONEY = 1e12
const Money = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, {
      message: `${what} must not be negative`,
    })
    .max(MAX_MONEY)

const CountCap = z.number().int().min(1).max(1_000_000_000)

export const OfferCapsInputSchema = z
  .strictObject({
    presentations: CountCap.nullable()
      .optional()
      .describe('most presentations to one customer within windowDays'),
    windowDays: z.number().int().min(1).max(3650).nullable().optional(),
    acceptancesPerCustomer: CountCap.nullable()
      .optional()
      .describe('most acceptances by one customer, ever'),
    acceptanceBudget: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .nullable()
      .optional()
      .describe('most acceptances over all customers'),
  })
  .meta({ id: 'OfferCaps' })

const OfferFields = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(OFFER_KINDS),
  description: z.string().max(5000).nullable().optional(),
  productIds: z.array(z.string().min(1).max(512)).max(100).optional(),
  discountPercent: z.number().gt(0).max(100).nullable().optional(),
  margin: Money('margin').describe(
    'money earned per acceptance; must not be negative (an offer that loses money on every ' +
      'acceptance is never worth presenting; put per-contact spending in `cost`)',
  ),
  cost: Money('cost').optional().describe('money spent per presentation (default 0)'),
  eligibility: z
    .unknown()
    .optional()
    .describe('a segment rule (see SegmentRule) the customer must match; null or absent: everyone'),
  caps: OfferCapsInputSchema.optional(),
  activeFrom: DateValueSchema.nullable().optional(),
  activeTo: DateValueSchema.nullable().optional(),
  status: z.enum(OFFER_STATUSES).optional(),
})

/** The fields a person gives to define an offer (API body, CLI flags, `PUT` upserts). */
export const OfferInputSchema = OfferFields.superRefine((input, ctx) => {
  const products = input.productIds ?? []
  if (input.kind === 'product' && products.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['productIds'],
      message: 'a product offer names exactly one product',
    })
  }
  if (input.kind === 'bundle' && products.length < 2) {
    ctx.addIssue({
      code: 'custom',
      path: ['productIds'],
      message: 'a bundle names at least two products',
    })
  }
  if (input.kind === 'discount' && (input.discountPercent ?? null) === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['discountPercent'],
      message: 'a discount offer needs discountPercent (0 < % ≤ 100)',
    })
  }
  if (
    (input.kind === 'product' || input.kind === 'content') &&
    (input.discountPercent ?? null) !== null
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['discountPercent'],
      message: `a ${input.kind} offer has no discount; use kind discount or bundle`,
    })
  }
  if (new Set(products).size !== products.length) {
    ctx.addIssue({ code: 'custom', path: ['productIds'], message: 'product ids repeat' })
  }
  const caps = input.caps
  if (caps !== undefined && (caps.presentations ?? null) !== null && !caps.windowDays) {
    ctx.addIssue({
      code: 'custom',
      path: ['caps', 'windowDays'],
      message: 'a presentation cap needs windowDays (e.g. 3 per 30 days)',
    })
  }
  if (caps !== undefined && (caps.windowDays ?? null) !== null && !caps.presentations) {
    ctx.addIssue({
      code: 'custom',
      path: ['caps', 'presentations'],
      message: 'windowDays needs a presentation cap',
    })
  }
  const from = input.activeFrom ?? null
  const to = input.activeTo ?? null
  if (from !== null && to !== null && dateValueMs(to) <= dateValueMs(from)) {
    ctx.addIssue({
      code: 'custom',
      path: ['activeTo'],
      message: 'activeTo must be after activeFrom',
    })
  }
}).meta({ id: 'OfferDefinition' })

export type OfferInput = z.infer<typeof OfferInputSchema>

/** Some fields of an offer, to change them (`{ "status": "paused" }`); checked once merged. */
export const OfferPatchSchema = OfferFields.partial().meta({ id: 'OfferPatch' })
export type OfferPatch = z.infer<typeof OfferPatchSchema>

/** One problem of an offer definition, at a path into it (`productIds[1]`, `eligibility.all[0]`). */
export interface OfferFieldError {
  readonly path: string
  readonly message: string
}

/** Zod's issues as field errors with dotted paths. */
export function offerFieldErrors(error: z.ZodError): readonly OfferFieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join(''),
    message: issue.message,
  }))
}

/** The row for a validated input (the eligibility rule already parsed). */
export function offerRow(
  input: OfferInput,
  eligibility: SegmentRule | null,
  id: string,
  createdAt: number,
  nowMs: number,
): OffersTable {
  const caps = input.caps ?? {}
  const ms = (value: z.infer<typeof DateValueSchema> | null | undefined): number | null =>
    value === null || value === undefined ? null : dateValueMs(value)
  return {
    id,
    name: input.name,
    kind: input.kind,
    description: input.description ?? null,
    product_ids: JSON.stringify(input.productIds ?? []),
    discount_percent: input.discountPercent ?? null,
    margin: input.margin,
    cost: input.cost ?? 0,
    eligibility: eligibility === null ? null : JSON.stringify(eligibility),
    cap_presentations: caps.presentations ?? null,
    cap_window_days: caps.windowDays ?? null,
    max_acceptances_per_customer: caps.acceptancesPerCustomer ?? null,
    acceptance_budget: caps.acceptanceBudget ?? null,
    active_from: ms(input.activeFrom),
    active_to: ms(input.activeTo),
    status: input.status ?? 'active',
    created_at: createdAt,
    updated_at: nowMs,
  }
}

/** The input that would recreate a stored offer (for partial updates: merge, then validate). */
export function offerInputOf(offer: Offer): OfferInput {
  return {
    name: offer.name,
    kind: offer.kind,
    description: offer.description,
    productIds: [...offer.productIds],
    discountPercent: offer.discountPercent,
    margin: offer.margin,
    cost: offer.cost,
    eligibility: offer.eligibility,
    caps: { ...offer.caps },
    activeFrom: offer.activeFrom,
    activeTo: offer.activeTo,
    status: offer.status,
  }
}

/**
 * A stored row as an offer. The rule was validated when saved; it is read back as stored
 * (`parse` lets the caller check it again, e.g. after the rule language changed).
 */
export function offerFromRow(row: OffersTable, parse: (rule: unknown) => SegmentRule): Offer {
  return {
    id: row.id,
    name: row.name,
    kind: isOfferKind(row.kind) ? row.kind : 'content',
    description: row.description,
    productIds: parseStringArray(row.product_ids),
    discountPercent: row.discount_percent,
    margin: row.margin,
    cost: row.cost,
    eligibility: row.eligibility === null ? null : parse(JSON.parse(row.eligibility)),
    caps: {
      presentations: row.cap_presentations,
      windowDays: row.cap_window_days,
      acceptancesPerCustomer: row.max_acceptances_per_customer,
      acceptanceBudget: row.acceptance_budget,
    },
    activeFrom: row.active_from,
    activeTo: row.active_to,
    status: row.status === 'paused' ? 'paused' : 'active',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function isOfferKind(value: string): value is OfferKind {
  return (OFFER_KINDS as readonly string[]).includes(value)
}

function parseStringArray(text: string): readonly string[] {
  const value: unknown = JSON.parse(text)
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}
