/**
 * Segment rules in SQL: one boolean expression over `customers AS c`, the same on SQLite and
 * PostgreSQL (engine differences come from the store's capabilities), with every time window
 * measured back from an injected `now`.
 */
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import type { Database } from '../../store/database.js'
import { capabilitiesOf, type EngineCapabilities } from '../../store/engine.js'
import {
  CUSTOMER_DATE_FIELDS,
  dateValueMs,
  durationMs,
  type CustomerField,
  type DateComparison,
  type Duration,
  type JsonComparison,
  type NameComparison,
  type NumberComparison,
  type OrderCondition,
  type PerformedCondition,
  type ScoreField,
  type SegmentRule,
  type TasteCondition,
  type TextComparison,
} from './segment-rule.js'

/** The alias rules compile against: `FROM customers AS c`. */
export const CUSTOMER_ALIAS = 'c'

const CUSTOMER_COLUMNS = {
  email: 'email',
  managerId: 'manager_id',
  firstSeenAt: 'first_seen_at',
  lastSeenAt: 'last_seen_at',
  createdAt: 'created_at',
  country: null,
} as const satisfies Record<CustomerField, string | null>

const SCORE_COLUMNS = {
  clv: 'clv',
  pAlive: 'p_alive',
  expectedTransactions: 'expected_transactions',
  expectedSpend: 'expected_spend',
  historicalRevenue: 'historical_revenue',
  historicalMargin: 'historical_margin',
  costToServe: 'cost_to_serve',
  actualValue: 'actual_value',
  frequency: 'frequency',
  recency: 'recency',
  age: 'age',
  wallet: 'wallet',
  shareOfWallet: 'share_of_wallet',
  growthPotential: 'growth_potential',
  rfmR: 'rfm_r',
  rfmF: 'rfm_f',
  rfmM: 'rfm_m',
  tier: 'tier',
  rfmSegment: 'rfm_segment',
} as const satisfies Record<ScoreField, string>

/** Orders that count as purchases: not cancelled, not refunded in full. */
const COUNTED_ORDER = sql`o.status NOT IN ('cancelled', 'refunded')`

const TRUE = sql<SqlBool>`(1 = 1)`
const FALSE = sql<SqlBool>`(1 = 0)`

interface CompileContext {
  readonly caps: EngineCapabilities
  readonly now: number
}

/**
 * The rule as a boolean SQL expression over `customers AS c`. Every condition is two-valued: a
 * condition on a value the customer lacks (no email, no score, a trait of another type) is
 * false, and `not` makes it true.
 */
export function compileSegmentRule(
  rule: SegmentRule,
  now: number,
  caps: EngineCapabilities,
): RawBuilder<SqlBool> {
  return compile(rule, { caps, now })
}

function compile(rule: SegmentRule, ctx: CompileContext): RawBuilder<SqlBool> {
  if ('all' in rule) {
    return rule.all.length === 0
      ? TRUE
      : sql<SqlBool>`(${sql.join(
          rule.all.map((r) => compile(r, ctx)),
          sql` AND `,
        )})`
  }
  if ('any' in rule) {
    return rule.any.length === 0
      ? FALSE
      : sql<SqlBool>`(${sql.join(
          rule.any.map((r) => compile(r, ctx)),
          sql` OR `,
        )})`
  }
  if ('not' in rule) return sql<SqlBool>`(NOT ${compile(rule.not, ctx)})`
  if ('field' in rule) return compileField(rule, ctx)
  if ('trait' in rule)
    return compileJson(sql.ref(`${CUSTOMER_ALIAS}.traits`), rule.trait, rule, ctx)
  if ('score' in rule) return compileScore(rule, ctx)
  if ('performed' in rule) return compilePerformed(rule, ctx)
  if ('orders' in rule) return compileOrders(rule, ctx)
  return compileTaste(rule, ctx)
}

function cutoff(duration: Duration, ctx: CompileContext): number {
  return Math.round(ctx.now - durationMs(duration))
}

/**
 * `(test) IS TRUE`: false, never null, when the tested value is missing, so `not` is exact; and
 * the value (often a subquery) is evaluated once.
 */
function present(test: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return sql<SqlBool>`((${test}) IS TRUE)`
}

function compare(
  x: Expression<unknown>,
  op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte',
  value: string | number,
): RawBuilder<SqlBool> {
  const symbol = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]
  return present(sql<SqlBool>`${x} ${sql.raw(symbol)} ${value}`)
}

function inList(x: Expression<unknown>, values: readonly (string | number)[]): RawBuilder<SqlBool> {
  return present(sql<SqlBool>`${x} IN (${sql.join(values.map((v) => sql`${v}`))})`)
}

function between(
  x: Expression<unknown>,
  lo: string | number,
  hi: string | number,
): RawBuilder<SqlBool> {
  return present(sql<SqlBool>`${x} BETWEEN ${lo} AND ${hi}`)
}

function containsText(
  x: Expression<unknown>,
  value: string,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  const find = sql.raw(ctx.caps.findText)
  return present(sql<SqlBool>`${find}(lower(${x}), ${value.toLowerCase()}) > 0`)
}

function compileText(
  x: Expression<unknown>,
  c: TextComparison | NameComparison,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  switch (c.op) {
    case 'eq':
    case 'neq':
      return compare(x, c.op, c.value)
    case 'in':
      return inList(x, c.value)
    case 'contains':
      return containsText(x, c.value, ctx)
    case 'exists':
      return sql<SqlBool>`(${x} IS NOT NULL)`
  }
}

function compileNumber(x: Expression<unknown>, c: NumberComparison): RawBuilder<SqlBool> {
  switch (c.op) {
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(x, c.op, c.value)
    case 'in':
      return inList(x, c.value)
    case 'between':
      return between(x, c.value[0], c.value[1])
    case 'exists':
      return sql<SqlBool>`(${x} IS NOT NULL)`
  }
}

function compileDate(
  x: Expression<unknown>,
  c: DateComparison,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  switch (c.op) {
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(x, c.op, dateValueMs(c.value))
    case 'between':
      return between(x, dateValueMs(c.value[0]), dateValueMs(c.value[1]))
    case 'before':
      return compare(x, 'lt', cutoff(c.ago, ctx))
    case 'after':
      return compare(x, 'gte', cutoff(c.ago, ctx))
  }
}

/** The customer's country: the `country` trait, else the country of their latest order. */
function countryOf(ctx: CompileContext): RawBuilder<string | null> {
  const trait = ctx.caps.jsonScalar(sql.ref(`${CUSTOMER_ALIAS}.traits`), ['country'], 'text')
  return sql<string | null>`coalesce(${trait}, (SELECT o.country FROM orders AS o
    WHERE o.customer_id = ${sql.ref(`${CUSTOMER_ALIAS}.id`)} AND o.country IS NOT NULL
    ORDER BY o.placed_at DESC LIMIT 1))`
}

function compileField(
  rule: Extract<SegmentRule, { readonly field: string }>,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  const column = CUSTOMER_COLUMNS[rule.field]
  const x = column === null ? countryOf(ctx) : sql.ref(`${CUSTOMER_ALIAS}.${column}`)
  return (CUSTOMER_DATE_FIELDS as readonly string[]).includes(rule.field)
    ? compileDate(x, rule as DateComparison, ctx)
    : compileText(x, rule as TextComparison, ctx)
}

/**
 * A trait or event property: compared as the JSON type of the value given. A path through an
 * array (`products[].category`) holds when some element's value passes.
 */
function compileJson(
  json: Expression<string | null>,
  path: string,
  c: JsonComparison,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  const arrayAt = path.indexOf('[]')
  if (arrayAt >= 0) {
    const rest = path.slice(arrayAt + 2)
    return ctx.caps.jsonAnyElement(json, path.slice(0, arrayAt).split('.'), (element) =>
      compileJson(element, rest === '' ? 'v' : `v${rest}`, c, ctx),
    )
  }
  const keys = path.split('.')
  const as = (value: string | number | boolean): RawBuilder<string | number | null> =>
    ctx.caps.jsonScalar(
      json,
      keys,
      typeof value === 'string' ? 'text' : typeof value === 'number' ? 'number' : 'boolean',
    )
  const scalar = (value: string | number | boolean): string | number =>
    typeof value === 'boolean' ? Number(value) : value
  switch (c.op) {
    case 'exists':
      return ctx.caps.jsonHas(json, keys)
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(as(c.value), c.op, scalar(c.value))
    case 'in': {
      const [first] = c.value
      if (first === undefined) return FALSE
      return inList(as(first), c.value)
    }
    case 'contains':
      return containsText(as(c.value), c.value, ctx)
    case 'between':
      return between(as(c.value[0]), c.value[0], c.value[1])
  }
}

function compileScore(
  rule: Extract<SegmentRule, { readonly score: string }>,
  ctx: CompileContext,
): RawBuilder<SqlBool> {
  const x = sql.ref(`s.${SCORE_COLUMNS[rule.score]}`)
  const test =
    rule.score === 'tier' || rule.score === 'rfmSegment'
      ? compileText(x, rule, ctx)
      : compileNumber(x, rule as NumberComparison)
  return sql<SqlBool>`EXISTS (SELECT 1 FROM scores AS s
    WHERE s.customer_id = ${sql.ref(`${CUSTOMER_ALIAS}.id`)} AND ${test})`
}

function compilePerformed(rule: PerformedCondition, ctx: CompileContext): RawBuilder<SqlBool> {
  const filters: RawBuilder<SqlBool>[] = [
    sql<SqlBool>`e.customer_id = ${sql.ref(`${CUSTOMER_ALIAS}.id`)}`,
    sql<SqlBool>`e.name = ${rule.performed}`,
  ]
  if (rule.within !== undefined) {
    filters.push(sql<SqlBool>`e.occurred_at >= ${cutoff(rule.within, ctx)}`)
  }
  for (const where of rule.where ?? []) {
    filters.push(compileJson(sql.ref('e.properties'), where.property, where, ctx))
  }
  const condition = sql.join(filters, sql` AND `)
  const gte = rule.count?.gte
  const lte = rule.count?.lte
  if (lte === undefined && (gte === undefined || gte === 1)) {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM events AS e WHERE ${condition})`
  }
  if (lte === undefined && gte === 0) return TRUE
  const count = sql`(SELECT COUNT(*) FROM events AS e WHERE ${condition})`
  const bounds: RawBuilder<SqlBool>[] = []
  if (gte !== undefined) bounds.push(sql<SqlBool>`${count} >= ${gte}`)
  if (lte !== undefined) bounds.push(sql<SqlBool>`${count} <= ${lte}`)
  return sql<SqlBool>`(${sql.join(bounds, sql` AND `)})`
}

function compileOrders(rule: OrderCondition, ctx: CompileContext): RawBuilder<SqlBool> {
  const owner = sql`o.customer_id = ${sql.ref(`${CUSTOMER_ALIAS}.id`)} AND ${COUNTED_ORDER}`
  switch (rule.orders) {
    case 'count':
    case 'revenue': {
      const c = rule
      const window =
        c.within === undefined ? sql`` : sql` AND o.placed_at >= ${cutoff(c.within, ctx)}`
      const figure =
        rule.orders === 'count'
          ? sql`(SELECT COUNT(*) FROM orders AS o WHERE ${owner}${window})`
          : sql`(SELECT coalesce(SUM(o.total - o.refunded), 0) FROM orders AS o WHERE ${owner}${window})`
      return compileNumber(figure, c)
    }
    case 'firstOrderAt':
    case 'lastOrderAt': {
      const fn = sql.raw(rule.orders === 'firstOrderAt' ? 'MIN' : 'MAX')
      const at = sql`(SELECT ${fn}(o.placed_at) FROM orders AS o WHERE ${owner})`
      return compileDate(at, rule, ctx)
    }
  }
}

/**
 * Share of the customer's purchases (units, or money) in a category path prefix, from their
 * order lines; the catalog's category wins over the one the order line carried.
 */
function compileTaste(rule: TasteCondition, ctx: CompileContext): RawBuilder<SqlBool> {
  const { category, minShare, by, within } = rule.taste
  const units = sql`(oi.quantity - oi.returned_quantity)`
  const weight = by === 'revenue' ? sql`(${units} * oi.price)` : units
  const path = sql`coalesce(p.category, oi.category)`
  const prefix = `${category} > `
  const inCategory = sql`(${path} = ${category} OR substr(${path}, 1, ${prefix.length}) = ${prefix})`
  const window = within === undefined ? sql`` : sql` AND o.placed_at >= ${cutoff(within, ctx)}`
  const share = sql`(SELECT CASE WHEN SUM(${weight}) > 0
      THEN SUM(CASE WHEN ${inCategory} THEN ${weight} ELSE 0 END) * 1.0 / SUM(${weight}) END
    FROM order_items AS oi
    JOIN orders AS o ON o.customer_id = oi.customer_id AND o.order_id = oi.order_id
    LEFT JOIN products AS p ON p.id = oi.product_id
    WHERE oi.customer_id = ${sql.ref(`${CUSTOMER_ALIAS}.id`)} AND ${COUNTED_ORDER}${window})`
  return compare(share, 'gte', minShare)
}

/** Ids of the customers matching the rule, as a query (`customerId`) to run or nest. */
export function selectSegmentMembers(db: Kysely<Database>, rule: SegmentRule, now: number) {
  return db
    .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
    .select(`${CUSTOMER_ALIAS}.id as customerId`)
    .where(compileSegmentRule(rule, now, capabilitiesOf(db)))
}

/** How many customers match the rule now. */
export async function countMatching(
  db: Kysely<Database>,
  rule: SegmentRule,
  now: number,
): Promise<number> {
  const row = await db
    .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(compileSegmentRule(rule, now, capabilitiesOf(db)))
    .executeTakeFirstOrThrow()
  return row.n
}

export interface SegmentSampleRow {
  readonly customerId: string
  readonly email: string | null
}

/** Whether one customer matches the rule now (offer eligibility, live membership). */
export async function customerMatchesRule(
  db: Kysely<Database>,
  rule: SegmentRule,
  customerId: string,
  now: number,
): Promise<boolean> {
  const row = await db
    .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
    .select(`${CUSTOMER_ALIAS}.id`)
    .where(`${CUSTOMER_ALIAS}.id`, '=', customerId)
    .where(compileSegmentRule(rule, now, capabilitiesOf(db)))
    .executeTakeFirst()
  return row !== undefined
}

/** Which of `customerIds` match the rule now (one query, for live membership updates). */
export async function customersMatchingRule(
  db: Kysely<Database>,
  rule: SegmentRule,
  customerIds: readonly string[],
  now: number,
): Promise<ReadonlySet<string>> {
  const matched = new Set<string>()
  for (let start = 0; start < customerIds.length; start += 1000) {
    const rows = await db
      .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
      .select(`${CUSTOMER_ALIAS}.id as customerId`)
      .where(`${CUSTOMER_ALIAS}.id`, 'in', customerIds.slice(start, start + 1000))
      .where(compileSegmentRule(rule, now, capabilitiesOf(db)))
      .execute()
    for (const row of rows) matched.add(row.customerId)
  }
  return matched
}
