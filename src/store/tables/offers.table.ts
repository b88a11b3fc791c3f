/**
 * Tables of next-best-offer (Customize stage). Money in the shop's currency; times are epoch ms;
 * JSON is stored as text.
 */

/** An offer a customer may be shown: a product, a discount, a bundle or a piece of content. */
export interface OffersTable {
  id: string
  /** Unique, chosen by the user. */
  name: string
  /** product | discount | bundle | content */
  kind: string
  description: string | null
  /** JSON array of product ids (product and bundle offers; optional for discounts). */
  product_ids: string
  discount_percent: number | null
  /** Money earned per acceptance, ≥ 0. */
  margin: number
  /** Money spent per presentation (contact cost, voucher printing…), ≥ 0. */
  cost: number
  /** JSON segment rule; null means every customer. */
  eligibility: string | null
  /** At most this many presentations to one customer per `cap_window_days`. */
  cap_presentations: number | null
  cap_window_days: number | null
  /** At most this many acceptances by one customer, ever. */
  max_acceptances_per_customer: number | null
  /** At most this many acceptances over all customers. */
  acceptance_budget: number | null
  active_from: number | null
  active_to: number | null
  /** active | paused */
  status: string
  created_at: number
  updated_at: number
}

/** One presentation of an offer to a customer and, once known, its acceptance. */
export interface OfferOutcomesTable {
  id: string
  customer_id: string
  offer_id: string
  /** The customer's value tier when it was presented (`unscored` when none): the model's cell. */
  tier: string
  /** Who presented it: a campaign id, `api`, `cli`… */
  source: string
  /** Caller's key for retries; unique per customer. */
  idempotency_key: string
  presented_at: number
  accepted_at: number | null
  /** Order revenue (attributed acceptances) or what the caller reported. */
  revenue: number | null
  /** The order an acceptance was inferred from, if any. */
  order_id: string | null
}
