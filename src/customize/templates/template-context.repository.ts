import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { ScoresTable } from '../../store/tables/value.table.js'
import type { SqlitePrepare } from '../../store/engine.js'
import { selectRows } from '../../store/select-rows.js'
import type { ActivityEvent } from '../recommend/recommendation-lists.js'
import {
  activityByCustomer,
  ActivityColumnsBuilder,
  type ActivityColumns,
} from './activity-columns.js'

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
  sqlite: SqlitePrepare | null = null,
): Promise<Map<string, ActivityEvent[]>> {
  const ids = [...new Set(customerIds)]
  return activityByCustomer(await readActivityColumns(db, ids, sqlite), ids)
}

/**
 * The same events as readActivityOf, as columns over `customerIds` (which must not repeat an
 * id): purchases first, then the other interactions, each in the order read. With SQLite's
 * statement handle the rows are read as arrays (no object per row).
 */
export async function readActivityColumns(
  db: Kysely<Database>,
  customerIds: readonly string[],
  sqlite: SqlitePrepare | null = null,
): Promise<ActivityColumns> {
  const columns = new ActivityColumnsBuilder(customerIds)
  if (customerIds.length === 0) return columns.build()
  const ids = [...customerIds]
  const [purchases, others] = await Promise.all([
    selectRows<[string, string, number, number, number]>(
      db,
      sqlite,
      db
        .selectFrom('order_items as i')
        .innerJoin('orders as o', (j) =>
          j.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
        )
        .select([
          'i.customer_id',
          'i.product_id',
          'i.quantity',
          'i.returned_quantity',
          'o.placed_at',
        ])
        .where('i.customer_id', 'in', ids)
        .where('o.customer_id', 'in', ids)
        .where('o.status', '!=', 'cancelled'),
    ),
    selectRows<[string, string, string, number]>(
      db,
      sqlite,
      db
        .selectFrom('interactions')
        .select(['customer_id', 'product_id', 'kind', 'occurred_at'])
        .where('customer_id', 'in', ids),
    ),
  ])
  for (const [customerId, productId, quantity, returned, placedAt] of purchases) {
    if (quantity - returned > 0) columns.add(customerId, productId, 'purchase', placedAt)
  }
  for (const [customerId, productId, kind, occurredAt] of others) {
    columns.add(customerId, productId, kind, occurredAt)
  }
  return columns.build()
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
