import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { ScoresTable } from '../../store/tables/value.table.js'
import { isInteractionKind } from '../recommend/interaction-matrix.js'
import type { ActivityEvent } from '../recommend/recommendation-lists.js'

export interface ContextCustomerRow {
  readonly id: string
  readonly traits: string
  readonly email: string | null
  readonly first_seen_at: number
  readonly last_seen_at: number
}

export type ContextScoreRow = Pick<
  ScoresTable,
  | 'customer_id'
  | 'tier'
  | 'tier_reason'
  | 'clv'
  | 'p_alive'
  | 'expected_transactions'
  | 'expected_spend'
  | 'historical_revenue'
  | 'historical_margin'
  | 'actual_value'
  | 'wallet'
  | 'share_of_wallet'
  | 'growth_potential'
  | 'rfm_segment'
  | 'computed_at'
>

/** Customers and their latest scores for a chunk of ids: one query per table. */
export async function readContextRows(
  db: Kysely<Database>,
  customerIds: readonly string[],
  withScores: boolean,
): Promise<{
  readonly customers: readonly ContextCustomerRow[]
  readonly scores: ReadonlyMap<string, ContextScoreRow>
}> {
  if (customerIds.length === 0) return { customers: [], scores: new Map() }
  const ids = [...customerIds]
  const [customers, scores] = await Promise.all([
    db
      .selectFrom('customers')
      .select(['id', 'traits', 'email', 'first_seen_at', 'last_seen_at'])
      .where('id', 'in', ids)
      .execute(),
    withScores
      ? db
          .selectFrom('scores')
          .select([
            'customer_id',
            'tier',
            'tier_reason',
            'clv',
            'p_alive',
            'expected_transactions',
            'expected_spend',
            'historical_revenue',
            'historical_margin',
            'actual_value',
            'wallet',
            'share_of_wallet',
            'growth_potential',
            'rfm_segment',
            'computed_at',
          ])
          .where('customer_id', 'in', ids)
          .execute()
      : Promise.resolve([]),
  ])
  return { customers, scores: new Map(scores.map((s) => [s.customer_id, s])) }
}

/**
 * Purchases (net of returns, cancelled orders left out) and product feedback of a chunk of
 * customers, each customer's oldest first: what the recommendation lists exclude and start
 * from. The batched form of the recommend repository's readCustomerActivity.
 */
export async function readActivityOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Map<string, ActivityEvent[]>> {
  const byCustomer = new Map<string, ActivityEvent[]>()
  if (customerIds.length === 0) return byCustomer
  const ids = [...customerIds]
  const [purchases, others] = await Promise.all([
    db
      .selectFrom('order_items as i')
      .innerJoin('orders as o', (j) =>
        j.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
      )
      .select(['i.customer_id', 'i.product_id', 'i.quantity', 'i.returned_quantity', 'o.placed_at'])
      .where('i.customer_id', 'in', ids)
      .where('o.customer_id', 'in', ids)
      .where('o.status', '!=', 'cancelled')
      .execute(),
    db
      .selectFrom('interactions')
      .select(['customer_id', 'product_id', 'kind', 'occurred_at'])
      .where('customer_id', 'in', ids)
      .execute(),
  ])
  const add = (customerId: string, event: ActivityEvent): void => {
    let events = byCustomer.get(customerId)
    if (events === undefined) {
      events = []
      byCustomer.set(customerId, events)
    }
    events.push(event)
  }
  for (const p of purchases) {
    if (!(p.quantity - p.returned_quantity > 0)) continue
    add(p.customer_id, { productId: p.product_id, kind: 'purchase', time: p.placed_at })
  }
  for (const r of others) {
    if (isInteractionKind(r.kind)) {
      add(r.customer_id, { productId: r.product_id, kind: r.kind, time: r.occurred_at })
    }
  }
  for (const events of byCustomer.values()) events.sort((a, b) => a.time - b.time)
  return byCustomer
}

/** Links and pictures of products, from their `url` and `image`/`imageUrl` attributes. */
export async function readProductAttributes(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('products')
    .select(['id', 'attributes'])
    .where('attributes', '!=', '{}')
    .execute()
  return new Map(rows.map((r) => [r.id, r.attributes]))
}
