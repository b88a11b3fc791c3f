import { sql, type Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { EngineCapabilities } from '../../store/engine.js'
import type { ModelRunsTable, ScoresTable } from '../../store/tables/value.table.js'
import { DAY_MS, timeUnitMs, type TimeUnit } from './customer-summary.js'

type Db = Kysely<Database>

export interface ValueSummaryQuery {
  readonly timeUnit: TimeUnit
  /** Calibration end, epoch ms; orders on its UTC day or before are history. */
  readonly calibrationEnd: number
  /** Orders after this instant are ignored; default: none. */
  readonly holdoutEnd?: number
}

/**
 * One customer's history as the value models see it. A purchase is a UTC day with at least one
 * purchase order (see `isPurchase`); cancelled orders are ignored; money is net of refunds.
 */
export interface CustomerValueRow {
  readonly customerId: string
  /** Repeat purchase days in calibration. */
  readonly x: number
  /** Last purchase − first purchase, in time units. */
  readonly tx: number
  /** Calibration end − first purchase, in time units. */
  readonly T: number
  /** Calibration end − last purchase, in time units. */
  readonly recency: number
  readonly meanRepeatSpend: number
  /** Sum of order totals net of refunds in calibration (may be negative after returns). */
  readonly revenue: number
  readonly discount: number
  readonly refunded: number
  readonly orders: number
  /** Σ (price − cost) × kept quantity over order lines whose product cost is known. */
  readonly knownItemMargin: number
  /** Σ price × kept quantity over the same lines. */
  readonly knownItemRevenue: number
  readonly firstPurchaseAt: number
  readonly lastPurchaseAt: number
  /** Purchase days after calibration (up to holdoutEnd). */
  readonly holdoutX: number
  readonly country: string | null
}

/**
 * Numbers as the drivers hand them back: PostgreSQL's numeric and int8 are parsed to numbers by
 * the store, but raw SQL keeps the conversion explicit.
 */
type SqlNumber = number | string

interface SummarySqlRow {
  customer_id: string
  first_day: SqlNumber
  last_day: SqlNumber
  x: SqlNumber
  tx: SqlNumber
  age: SqlNumber
  recency: SqlNumber
  repeat_spend: SqlNumber
  holdout_x: SqlNumber
  revenue: SqlNumber
  discount: SqlNumber
  refunded: SqlNumber
  orders: SqlNumber
  country: string | null
  known_margin: SqlNumber
  known_revenue: SqlNumber
}

/**
 * 1 for an order that is a purchase: something kept (net of refunds above zero), or a zero-value
 * order that was not refunded (a free item is still a visit that bought). Fully refunded orders
 * and returns booked as negative totals are not purchases, though their money still counts.
 */
const isPurchase = sql`CASE WHEN o.total - o.refunded > 0 OR (o.total = 0 AND o.refunded = 0) THEN 1 ELSE 0 END`

function checkTime(name: string, value: number): number {
  if (!Number.isFinite(value))
    throw new Error(`${name} must be a finite epoch-ms time, got ${value}`)
  return Math.floor(value)
}

/**
 * Per-customer summaries (x, t_x, T, recency, mean repeat spend, revenue, margin inputs, holdout
 * count) computed in SQL, the same statement on SQLite and PostgreSQL. Only customers with a
 * purchase on or before the calibration end are returned, ordered by id.
 */
export async function loadValueSummaries(
  db: Db,
  query: ValueSummaryQuery,
): Promise<CustomerValueRow[]> {
  const calEnd = checkTime('calibrationEnd', query.calibrationEnd)
  const holdoutEnd =
    query.holdoutEnd === undefined ? null : checkTime('holdoutEnd', query.holdoutEnd)
  const calDay = sql.lit(Math.floor(calEnd / DAY_MS))
  const unitDays = sql.lit(timeUnitMs(query.timeUnit) / DAY_MS)
  const calEndDays = sql.lit(calEnd / DAY_MS)
  const day = sql`CAST(o.placed_at / 86400000 AS BIGINT)`
  const holdoutFilter = holdoutEnd === null ? sql`` : sql`AND o.placed_at <= ${sql.lit(holdoutEnd)}`
  const result = await sql<SummarySqlRow>`
    WITH day_totals AS (
      SELECT o.customer_id, ${day} AS day, SUM(o.total - o.refunded) AS amount,
        SUM(o.discount) AS discount, SUM(o.refunded) AS refunded, COUNT(*) AS orders,
        MAX(o.country) AS country, SUM(${isPurchase}) AS purchases
      FROM orders o
      WHERE o.status <> 'cancelled' ${holdoutFilter}
      GROUP BY o.customer_id, ${day}
    ),
    purchase_days AS (
      SELECT customer_id, day, amount FROM day_totals WHERE purchases > 0
    ),
    firsts AS (
      SELECT customer_id, MIN(day) AS first_day FROM purchase_days WHERE day <= ${calDay}
      GROUP BY customer_id
    ),
    cal AS (
      SELECT p.customer_id, f.first_day,
        SUM(CASE WHEN p.day <= ${calDay} AND p.day > f.first_day THEN 1 ELSE 0 END) AS x,
        MAX(CASE WHEN p.day <= ${calDay} THEN p.day END) AS last_day,
        SUM(CASE WHEN p.day <= ${calDay} AND p.day > f.first_day THEN p.amount ELSE 0 END)
          AS repeat_spend,
        SUM(CASE WHEN p.day > ${calDay} THEN 1 ELSE 0 END) AS holdout_x
      FROM purchase_days p JOIN firsts f ON f.customer_id = p.customer_id
      GROUP BY p.customer_id, f.first_day
    ),
    money AS (
      SELECT customer_id, SUM(amount) AS revenue, SUM(discount) AS discount,
        SUM(refunded) AS refunded, SUM(orders) AS orders, MAX(country) AS country
      FROM day_totals WHERE day <= ${calDay}
      GROUP BY customer_id
    ),
    items AS (
      SELECT i.customer_id,
        SUM((i.price - p.cost) * (i.quantity - i.returned_quantity)) AS known_margin,
        SUM(i.price * (i.quantity - i.returned_quantity)) AS known_revenue
      FROM order_items i
      JOIN orders o ON o.customer_id = i.customer_id AND o.order_id = i.order_id
      JOIN products p ON p.id = i.product_id
      WHERE p.cost IS NOT NULL AND o.status <> 'cancelled' AND ${day} <= ${calDay}
      GROUP BY i.customer_id
    )
    SELECT c.customer_id, c.first_day, c.last_day, c.x,
      (c.last_day - c.first_day) * 1.0 / ${unitDays} AS tx,
      (${calEndDays} - c.first_day) * 1.0 / ${unitDays} AS age,
      (${calEndDays} - c.last_day) * 1.0 / ${unitDays} AS recency,
      c.repeat_spend, c.holdout_x, m.revenue, m.discount, m.refunded, m.orders, m.country,
      COALESCE(it.known_margin, 0) AS known_margin, COALESCE(it.known_revenue, 0) AS known_revenue
    FROM cal c
    JOIN money m ON m.customer_id = c.customer_id
    LEFT JOIN items it ON it.customer_id = c.customer_id
    ORDER BY c.customer_id
  `.execute(db)
  return result.rows.map((row) => {
    const x = Number(row.x)
    return {
      customerId: row.customer_id,
      x,
      tx: Number(row.tx),
      T: Number(row.age),
      recency: Math.max(0, Number(row.recency)),
      meanRepeatSpend: x > 0 ? Number(row.repeat_spend) / x : 0,
      revenue: Number(row.revenue),
      discount: Number(row.discount),
      refunded: Number(row.refunded),
      orders: Number(row.orders),
      knownItemMargin: Number(row.known_margin),
      knownItemRevenue: Number(row.known_revenue),
      firstPurchaseAt: Number(row.first_day) * DAY_MS,
      lastPurchaseAt: Number(row.last_day) * DAY_MS,
      holdoutX: Number(row.holdout_x),
      country: row.country,
    }
  })
}

export interface PeriodCount {
  /** Period index: whole time units since `originDay`. */
  readonly period: number
  readonly purchases: number
}

/**
 * Repeat purchase days (every purchase day but each customer's first) of the customers who first
 * bought by the calibration end, per time-unit period since `originDay` (a UTC day number), up to
 * the holdout end: the actual side of a tracking curve.
 */
export async function loadRepeatPurchasesByPeriod(
  db: Db,
  query: ValueSummaryQuery,
  originDay: number,
): Promise<PeriodCount[]> {
  const holdoutEnd =
    query.holdoutEnd === undefined ? null : checkTime('holdoutEnd', query.holdoutEnd)
  const holdoutFilter = holdoutEnd === null ? sql`` : sql`AND o.placed_at <= ${sql.lit(holdoutEnd)}`
  const day = sql`CAST(o.placed_at / 86400000 AS BIGINT)`
  const unitDays = sql.lit(timeUnitMs(query.timeUnit) / DAY_MS)
  const result = await sql<{ period: SqlNumber; purchases: SqlNumber }>`
    WITH purchase_days AS (
      SELECT o.customer_id, ${day} AS day
      FROM orders o
      WHERE o.status <> 'cancelled' ${holdoutFilter}
      GROUP BY o.customer_id, ${day}
      HAVING SUM(${isPurchase}) > 0
    ),
    firsts AS (
      SELECT customer_id, MIN(day) AS first_day FROM purchase_days GROUP BY customer_id
      HAVING MIN(day) <= ${sql.lit(Math.floor(checkTime('calibrationEnd', query.calibrationEnd) / DAY_MS))}
    )
    SELECT CAST((p.day - ${sql.lit(Math.floor(originDay))}) / ${unitDays} AS BIGINT) AS period,
      COUNT(*) AS purchases
    FROM purchase_days p JOIN firsts f ON f.customer_id = p.customer_id
    WHERE p.day > f.first_day
    GROUP BY CAST((p.day - ${sql.lit(Math.floor(originDay))}) / ${unitDays} AS BIGINT)
    ORDER BY period
  `.execute(db)
  return result.rows.map((row) => ({
    period: Number(row.period),
    purchases: Number(row.purchases),
  }))
}

export interface CategorySpendRow {
  readonly customerId: string
  readonly category: string
  readonly amount: number
}

/** Spend per customer and category in calibration (item price × kept quantity). */
export async function loadCategorySpend(
  db: Db,
  query: ValueSummaryQuery,
): Promise<CategorySpendRow[]> {
  const calDay = sql.lit(Math.floor(checkTime('calibrationEnd', query.calibrationEnd) / DAY_MS))
  const category = sql`COALESCE(i.category, p.category, '')`
  const result = await sql<{ customer_id: string; category: string; amount: SqlNumber }>`
    SELECT i.customer_id, ${category} AS category,
      SUM(i.price * (i.quantity - i.returned_quantity)) AS amount
    FROM order_items i
    JOIN orders o ON o.customer_id = i.customer_id AND o.order_id = i.order_id
    LEFT JOIN products p ON p.id = i.product_id
    WHERE o.status <> 'cancelled' AND CAST(o.placed_at / 86400000 AS BIGINT) <= ${calDay}
    GROUP BY i.customer_id, ${category}
  `.execute(db)
  return result.rows.map((row) => ({
    customerId: row.customer_id,
    category: row.category,
    amount: Number(row.amount),
  }))
}

export type ModelRunRow = ModelRunsTable
export type ScoreRow = ScoresTable

export async function insertModelRun(db: Db, run: ModelRunRow): Promise<void> {
  await db.insertInto('model_runs').values(run).execute()
}

/**
 * Replaces every stored score with `rows` in one transaction, in batches that stay under the
 * engine's parameter limit.
 */
export async function replaceScores(
  db: Db,
  capabilities: EngineCapabilities,
  rows: readonly ScoreRow[],
): Promise<void> {
  const columns = 24
  const batch = Math.max(1, Math.floor(capabilities.maxParameters / columns))
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('scores').execute()
    for (let start = 0; start < rows.length; start += batch) {
      await trx
        .insertInto('scores')
        .values(rows.slice(start, start + batch))
        .execute()
    }
  })
}

export async function findScore(db: Db, customerId: string): Promise<ScoreRow | undefined> {
  return db
    .selectFrom('scores')
    .selectAll()
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
}

export async function findModelRun(db: Db, id: string): Promise<ModelRunRow | undefined> {
  return db.selectFrom('model_runs').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function latestModelRun(db: Db): Promise<ModelRunRow | undefined> {
  return db
    .selectFrom('model_runs')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export interface TierCount {
  readonly tier: string
  readonly customers: number
  readonly actualValue: number
  readonly clv: number
}

/** Customers, total actual value and total CLV per tier. */
export async function countTiers(db: Db): Promise<TierCount[]> {
  const rows = await db
    .selectFrom('scores')
    .select((eb) => [
      'tier',
      eb.fn.countAll<number>().as('customers'),
      eb.fn.coalesce(eb.fn.sum<number>('actual_value'), eb.lit(0)).as('actual_value'),
      eb.fn.coalesce(eb.fn.sum<number>('clv'), eb.lit(0)).as('clv'),
    ])
    .groupBy('tier')
    .orderBy('tier')
    .execute()
  return rows.map((row) => ({
    tier: row.tier,
    customers: row.customers,
    actualValue: row.actual_value,
    clv: row.clv,
  }))
}

/** All stored scores, for reports. */
export async function listScores(db: Db): Promise<ScoreRow[]> {
  return db.selectFrom('scores').selectAll().orderBy('customer_id').execute()
}
