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

/** Columns the `scores` table may name its figures with, in order of preference. */
const VALUE_COLUMNS = ['clv', 'value', 'expected_value', 'historical_value', 'revenue', 'monetary']
const P_ALIVE_COLUMNS = ['p_alive', 'palive', 'prob_alive', 'probability_alive']

/**
 * Customers with their value and tier. Tiers come from the `scores` table (written by the
 * Differentiate stage) when it exists and has rows; otherwise the top `mvcShare` of customers
 * by net revenue count as MVC. The table is probed rather than declared, so this stage works
 * before and after the value models ship.
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
  let probe: Record<string, unknown> | undefined
  try {
    const result = await sql<Record<string, unknown>>`SELECT * FROM scores LIMIT 1`.execute(db)
    probe = result.rows[0]
  } catch (error) {
    if (isMissingTable(error)) return null
    throw error
  }
  if (probe === undefined || !('customer_id' in probe) || !('tier' in probe)) return null
  const columns = Object.keys(probe)
  const valueColumn = VALUE_COLUMNS.find((c) => columns.includes(c)) ?? null
  const pAliveColumn = P_ALIVE_COLUMNS.find((c) => columns.includes(c)) ?? null
  const result = await sql<{
    customer_id: string
    tier: string | null
    // Whatever numeric type the scores table uses (numeric may arrive as text).
    value: number | string | null
    p_alive: number | string | null
    manager_id: string | null
  }>`SELECT s.customer_id, s.tier,
      ${valueColumn === null ? sql`0` : sql.ref(`s.${valueColumn}`)} AS value,
      ${pAliveColumn === null ? sql`NULL` : sql.ref(`s.${pAliveColumn}`)} AS p_alive,
      c.manager_id
    FROM scores s JOIN customers c ON c.id = s.customer_id`.execute(db)
  return result.rows.map((r) => ({
    customerId: r.customer_id,
    value: Number(r.value ?? 0),
    tier: normalizeTier(r.tier),
    currentManagerId: r.manager_id,
    pAlive: r.p_alive === null ? null : Number(r.p_alive),
  }))
}

function isMissingTable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  return code === '42P01' || /no such table/i.test(error.message)
}
