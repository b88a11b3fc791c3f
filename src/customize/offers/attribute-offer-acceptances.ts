import { sql, type Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import type { Database } from '../../store/database.js'
import { markAccepted } from './offers.repository.js'
import { offerFromStoredRow } from './offer-service.js'
import { listOfferRows } from './offers.repository.js'

/** Days after a presentation within which an order counts as its acceptance. */
export const DEFAULT_ACCEPT_WINDOW_DAYS = 7

export interface AttributionOptions {
  readonly now: number
  readonly windowDays?: number
  /** Only these customers' presentations (the next-best-offer call attributes its own). */
  readonly customerIds?: readonly string[]
  /** Only presentations since then (a scheduled pass need not look at years of history). */
  readonly since?: number
}

export interface AttributionReport {
  /** Orders found within the window of an open presentation of an offer with products. */
  readonly candidates: number
  /** Presentations newly marked accepted, in all and per offer id. */
  readonly attributed: number
  readonly byOffer: Readonly<Record<string, number>>
  readonly windowDays: number
}

interface Candidate {
  readonly customerId: string
  readonly outcomeId: string
  readonly presentedAt: number
  readonly orderId: string
  readonly placedAt: number
  readonly revenue: number
  readonly productId: string
}

/**
 * Infers acceptances from orders: a presentation of an offer with products is accepted by the
 * customer's first order placed within `windowDays` after it that holds the offer's product (a
 * product or discount offer: any of its products; a bundle: all of them in one order), and is not
 * cancelled. The acceptance takes the order's time, id and revenue (total net of refunds). An
 * order accepts at most one presentation of an offer (the latest one before it); one already
 * attributed is not used again, so the pass can run any number of times (`idic offer attribute`,
 * on a schedule, and for one customer before their next-best-offer is chosen).
 */
export async function attributeOfferAcceptances(
  db: Kysely<Database>,
  options: AttributionOptions,
): Promise<AttributionReport> {
  const windowDays = options.windowDays ?? DEFAULT_ACCEPT_WINDOW_DAYS
  const windowMs = windowDays * DAY_MS
  const offers = (await listOfferRows(db))
    .map(offerFromStoredRow)
    .filter((o) => o.productIds.length > 0 && o.kind !== 'content')
  const byOffer: Record<string, number> = {}
  let candidates = 0
  let attributed = 0
  const customerChunks =
    options.customerIds === undefined
      ? [null]
      : chunk(options.customerIds, 1000).filter((c) => c.length > 0)
  for (const offer of offers) {
    const rows: Candidate[] = []
    for (const customers of customerChunks) {
      let query = db
        .selectFrom('offer_outcomes as oc')
        .innerJoin('orders as o', (j) =>
          j
            .onRef('o.customer_id', '=', 'oc.customer_id')
            .onRef('o.placed_at', '>', 'oc.presented_at')
            .on('o.placed_at', '<=', sql<number>`oc.presented_at + ${windowMs}`),
        )
        .innerJoin('order_items as oi', (j) =>
          j.onRef('oi.customer_id', '=', 'o.customer_id').onRef('oi.order_id', '=', 'o.order_id'),
        )
        .select([
          'oc.customer_id as customerId',
          'oc.id as outcomeId',
          'oc.presented_at as presentedAt',
          'o.order_id as orderId',
          'o.placed_at as placedAt',
          sql<number>`o.total - o.refunded`.as('revenue'),
          'oi.product_id as productId',
        ])
        .where('oc.offer_id', '=', offer.id)
        .where('oc.accepted_at', 'is', null)
        .where('o.status', '!=', 'cancelled')
        .where('oi.product_id', 'in', [...offer.productIds])
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('offer_outcomes as x')
                .select(sql<number>`1`.as('one'))
                .whereRef('x.customer_id', '=', 'oc.customer_id')
                .whereRef('x.order_id', '=', 'o.order_id')
                .where('x.offer_id', '=', offer.id),
            ),
          ),
        )
      if (customers !== null) query = query.where('oc.customer_id', 'in', customers)
      if (options.since !== undefined) query = query.where('oc.presented_at', '>=', options.since)
      rows.push(...(await query.execute()))
    }
    const matches = qualifying(rows, offer.kind === 'bundle' ? offer.productIds.length : 1)
    candidates += matches.length
    // Orders in time order; each goes to the latest open presentation before it.
    matches.sort((a, b) => a.placedAt - b.placedAt || b.presentedAt - a.presentedAt)
    const taken = new Set<string>()
    const used = new Set<string>()
    for (const m of matches) {
      const order = `${m.customerId}\u0000${m.orderId}`
      if (taken.has(m.outcomeId) || used.has(order)) continue
      const accepted = await markAccepted(db, m.customerId, m.outcomeId, {
        acceptedAt: m.placedAt,
        revenue: m.revenue,
        orderId: m.orderId,
      })
      taken.add(m.outcomeId)
      used.add(order)
      if (accepted) {
        attributed += 1
        byOffer[offer.id] = (byOffer[offer.id] ?? 0) + 1
      }
    }
  }
  return { candidates, attributed, byOffer, windowDays }
}

/** (presentation, order) pairs whose order holds at least `needed` distinct offer products. */
function qualifying(rows: readonly Candidate[], needed: number): Candidate[] {
  const products = new Map<string, { row: Candidate; ids: Set<string> }>()
  for (const row of rows) {
    const key = `${row.customerId}\u0000${row.outcomeId}\u0000${row.orderId}`
    const seen = products.get(key)
    if (seen === undefined) products.set(key, { row, ids: new Set([row.productId]) })
    else seen.ids.add(row.productId)
  }
  return [...products.values()].filter((p) => p.ids.size >= needed).map((p) => p.row)
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let start = 0; start < values.length; start += size) {
    out.push(values.slice(start, start + size))
  }
  return out
}
