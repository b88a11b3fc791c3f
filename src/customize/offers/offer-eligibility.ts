/**
 * Whether an offer may be presented to a customer now, and if not, every reason why. Pure: the
 * facts are gathered by the caller (`choose-next-best-offer.ts`) in a few queries per batch.
 */
import { DAY_MS } from '../../core/clock.js'
import type { Offer } from './offer-definition.js'

export const INELIGIBILITY_CODES = [
  'paused',
  'not_started',
  'ended',
  'budget_spent',
  'rule_not_matched',
  'presentation_cap',
  'acceptance_cap',
  'unknown_product',
  'out_of_stock',
  'already_bought',
] as const
export type IneligibilityCode = (typeof INELIGIBILITY_CODES)[number]

export interface Ineligibility {
  readonly code: IneligibilityCode
  readonly message: string
}

export interface ProductFacts {
  readonly inStock: boolean
  readonly repeatable: boolean
}

/** What is known about the offer as a whole. */
export interface OfferFacts {
  /** Acceptances over all customers so far. */
  readonly totalAcceptances: number
  /** The offer's products found in the catalog. */
  readonly products: ReadonlyMap<string, ProductFacts>
}

/** What is known about this customer and this offer. */
export interface CustomerOfferFacts {
  /** Whether the customer matches the eligibility rule (true when there is none). */
  readonly matchesRule: boolean
  /** When the offer was presented to the customer (epoch ms, any order). */
  readonly presentedAt: readonly number[]
  /** How many times the customer accepted the offer. */
  readonly acceptances: number
  /** Which of the offer's products the customer has bought. */
  readonly bought: ReadonlySet<string>
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/**
 * Every reason the offer may not go to the customer at `now`; empty when it may.
 *
 * Product and bundle offers need each product in the catalog and in stock; a product offer is
 * not made for a product the customer already bought (unless it is bought repeatedly), a bundle
 * not when the customer has every product of it. A discount needs at least one of its products
 * (when it names any) in stock. Content offers have no product conditions.
 */
export function offerIneligibility(
  offer: Offer,
  offerFacts: OfferFacts,
  customer: CustomerOfferFacts,
  now: number,
): readonly Ineligibility[] {
  const reasons: Ineligibility[] = []
  if (offer.status === 'paused') reasons.push({ code: 'paused', message: 'the offer is paused' })
  if (offer.activeFrom !== null && now < offer.activeFrom) {
    reasons.push({ code: 'not_started', message: `the offer starts on ${day(offer.activeFrom)}` })
  }
  if (offer.activeTo !== null && now >= offer.activeTo) {
    reasons.push({ code: 'ended', message: `the offer ended on ${day(offer.activeTo)}` })
  }
  const budget = offer.caps.acceptanceBudget
  if (budget !== null && offerFacts.totalAcceptances >= budget) {
    reasons.push({
      code: 'budget_spent',
      message: `its budget of ${budget} acceptances is spent (${offerFacts.totalAcceptances} so far)`,
    })
  }
  if (!customer.matchesRule) {
    reasons.push({
      code: 'rule_not_matched',
      message: 'the customer does not match its eligibility rule',
    })
  }
  const { presentations: cap, windowDays } = offer.caps
  if (cap !== null && windowDays !== null) {
    const since = now - windowDays * DAY_MS
    const recent = customer.presentedAt.filter((at) => at > since && at <= now).length
    if (recent >= cap) {
      reasons.push({
        code: 'presentation_cap',
        message: `presented ${recent} times in the last ${windowDays} days (cap ${cap})`,
      })
    }
  }
  const perCustomer = offer.caps.acceptancesPerCustomer
  if (perCustomer !== null && customer.acceptances >= perCustomer) {
    reasons.push({
      code: 'acceptance_cap',
      message: `accepted ${customer.acceptances} times already (cap ${perCustomer} per customer)`,
    })
  }
  reasons.push(...productReasons(offer, offerFacts, customer))
  return reasons
}

function productReasons(
  offer: Offer,
  offerFacts: OfferFacts,
  customer: CustomerOfferFacts,
): Ineligibility[] {
  const ids = offer.productIds
  if (ids.length === 0 || offer.kind === 'content') return []
  const missing = ids.filter((id) => !offerFacts.products.has(id))
  const outOfStock = ids.filter((id) => offerFacts.products.get(id)?.inStock === false)
  const reasons: Ineligibility[] = []
  if (offer.kind === 'discount') {
    if (missing.length + outOfStock.length === ids.length) {
      reasons.push({
        code: 'out_of_stock',
        message: `none of its products is in stock (${ids.join(', ')})`,
      })
    }
    return reasons
  }
  if (missing.length > 0) {
    reasons.push({
      code: 'unknown_product',
      message: `not in the catalog: ${missing.join(', ')}`,
    })
  }
  if (outOfStock.length > 0) {
    reasons.push({ code: 'out_of_stock', message: `out of stock: ${outOfStock.join(', ')}` })
  }
  const owned = ids.filter(
    (id) => customer.bought.has(id) && offerFacts.products.get(id)?.repeatable !== true,
  )
  if (offer.kind === 'product' && owned.length > 0) {
    reasons.push({ code: 'already_bought', message: `already bought ${owned.join(', ')}` })
  }
  if (offer.kind === 'bundle' && owned.length === ids.length) {
    reasons.push({
      code: 'already_bought',
      message: 'already bought every product of the bundle',
    })
  }
  return reasons
}
