import { sql, type Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import { normalizeTier, type PortfolioCandidate } from './assign-portfolios.js'

export interface TieredCustomer extends PortfolioCandidate {
  /** Probability the customer is still active (BG/NBD), when a value model has run. */
  readonly pAlive: number | null
}

export interface TierSource {
  /** scores: tiers from the value models; revenue: top customers by revenue (no MGC then). */
  readonly source: 'scores' | 'revenue'
  readonly customers: readonly TieredCustomer[]
}

/**
 * Customers with their value and tier. Tiers come from the `scores` table (written by
 * `idic score`, the Differentiate stage) when it has rows; until the value models have run, the
 * top `mvcShare` of customers by net revenue count as MVC.
 */
export async function loadTieredCustomers(
  db: Kysely<Database>,
  options: { readonly mvcShare?: number } = {},
): Promise<TierSource> {
  const fromScores = await readScores(db)
  if (fromScores !== null) return { source: 'scores', customers: fromScores }
  const rows = await db
    .selectFrom('customers')
    .leftJoin('orders', (join) =>
      join.onRef('orders.customer_id', '=', 'customers.id').on('orders.status', '!=', 'cancelled'),
    )
    .select([
      'customers.id',
      'customers.manager_id',
      sql<number>`coalesce(sum(orders.total - orders.refunded), 0)`.as('revenue'),
    ])
    .groupBy(['customers.id', 'customers.manager_id'])
    .execute()
  const paying = rows.filter((r) => r.revenue > 0).sort((a, b) => b.revenue - a.revenue)
  const mvcCount = Math.max(1, Math.ceil(paying.length * (options.mvcShare ?? 0.2)))
  const mvc = new Set(paying.slice(0, mvcCount).map((r) => r.id))
  return {
    source: 'revenue',
    customers: rows.map((r) => ({
      customerId: r.id,
      value: r.revenue,
      tier: mvc.has(r.id) ? 'mvc' : 'other',
      currentManagerId: r.manager_id,
      pAlive: null,
    })),
  }
}

async function readScores(db: Kysely<Database>): Promise<TieredCustomer[] | null> {
  const any = await db.selectFrom('scores').select('customer_id').limit(1).execute()
  if (any.length === 0) return null
  const rows = await db
    .selectFrom('scores')
    .innerJoin('customers', 'customers.id', 'scores.customer_id')
    .select([
      'scores.customer_id',
      'scores.tier',
      'scores.actual_value',
      'scores.clv',
      'scores.historical_revenue',
      'scores.p_alive',
      'customers.manager_id',
    ])
    .execute()
  return rows.map((r) => ({
    customerId: r.customer_id,
    // Actual value (margin so far + CLV − cost to serve) when the models produced one.
    value: r.actual_value ?? r.clv ?? r.historical_revenue,
    tier: normalizeTier(r.tier),
    currentManagerId: r.manager_id,
    pAlive: r.p_alive,
  }))
}
