import { sql, type Kysely } from 'kysely'
import { BulkStatements } from '../../store/bulk-statements.js'
import type { Database } from '../../store/database.js'
import { capabilitiesOf, type SqlitePrepare } from '../../store/engine.js'
import type { OfferOutcomesTable, OffersTable } from '../../store/tables/offers.table.js'

/** Customers without value scores are modelled as one more tier. */
export const UNSCORED_TIER = 'unscored'

/** How many ids one `IN (…)` list carries. */
const IN_CHUNK = 1000

export interface OfferOutcome {
  readonly id: string
  readonly customerId: string
  readonly offerId: string
  readonly tier: string
  readonly source: string
  readonly idempotencyKey: string
  readonly presentedAt: number
  readonly acceptedAt: number | null
  readonly revenue: number | null
  readonly orderId: string | null
}

export function outcomeFromRow(row: OfferOutcomesTable): OfferOutcome {
  return {
    id: row.id,
    customerId: row.customer_id,
    offerId: row.offer_id,
    tier: row.tier,
    source: row.source,
    idempotencyKey: row.idempotency_key,
    presentedAt: row.presented_at,
    acceptedAt: row.accepted_at,
    revenue: row.revenue,
    orderId: row.order_id,
  }
}

export async function insertOffer(db: Kysely<Database>, row: OffersTable): Promise<void> {
  await db.insertInto('offers').values(row).execute()
}

export async function replaceOffer(db: Kysely<Database>, row: OffersTable): Promise<void> {
  const { id, ...rest } = row
  // The creation time stays as first stored.
  await db
    .updateTable('offers')
    .set({ ...rest, created_at: undefined })
    .where('id', '=', id)
    .execute()
}

export async function findOfferRow(
  db: Kysely<Database>,
  id: string,
): Promise<OffersTable | undefined> {
  return db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findOfferRowByName(
  db: Kysely<Database>,
  name: string,
): Promise<OffersTable | undefined> {
  return db.selectFrom('offers').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function listOfferRows(db: Kysely<Database>): Promise<readonly OffersTable[]> {
  return db.selectFrom('offers').selectAll().orderBy('name').execute()
}

/** Which of `ids` are in the catalog, with their stock and whether they are bought repeatedly. */
export async function readProducts(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<ReadonlyMap<string, { readonly inStock: boolean; readonly repeatable: boolean }>> {
  const found = new Map<string, { readonly inStock: boolean; readonly repeatable: boolean }>()
  for (let start = 0; start < ids.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('products')
      .select(['id', 'in_stock', 'repeatable'])
      .where('id', 'in', ids.slice(start, start + IN_CHUNK))
      .execute()
    for (const r of rows) found.set(r.id, { inStock: r.in_stock > 0, repeatable: r.repeatable > 0 })
  }
  return found
}

/** Each customer's value tier (`unscored` when none). */
export async function readTiers(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  const tiers = new Map<string, string>()
  for (let start = 0; start < customerIds.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('scores')
      .select(['customer_id', 'tier'])
      .where('customer_id', 'in', customerIds.slice(start, start + IN_CHUNK))
      .execute()
    for (const r of rows) tiers.set(r.customer_id, r.tier)
  }
  for (const id of customerIds) if (!tiers.has(id)) tiers.set(id, UNSCORED_TIER)
  return tiers
}

/** Which of `productIds` each customer has bought in an order that was not cancelled. */
export async function readBoughtProducts(
  db: Kysely<Database>,
  customerIds: readonly string[],
  productIds: readonly string[],
): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
  const bought = new Map<string, Set<string>>()
  if (productIds.length === 0) return bought
  for (let start = 0; start < customerIds.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('order_items as oi')
      .innerJoin('orders as o', (j) =>
        j.onRef('o.customer_id', '=', 'oi.customer_id').onRef('o.order_id', '=', 'oi.order_id'),
      )
      .select(['oi.customer_id as customerId', 'oi.product_id as productId'])
      .distinct()
      .where('oi.customer_id', 'in', customerIds.slice(start, start + IN_CHUNK))
      .where('oi.product_id', 'in', [...productIds])
      .where('o.status', '!=', 'cancelled')
      .whereRef('oi.returned_quantity', '<', 'oi.quantity')
      .execute()
    for (const r of rows) {
      let set = bought.get(r.customerId)
      if (set === undefined) bought.set(r.customerId, (set = new Set()))
      set.add(r.productId)
    }
  }
  return bought
}

/** One presentation of an offer to a customer, as the caps need it. */
export interface OutcomeStamp {
  readonly customerId: string
  readonly offerId: string
  readonly presentedAt: number
  readonly accepted: boolean
}

/**
 * The presentations the per-customer caps look at: those since `since`, and every accepted one.
 */
export async function readCapOutcomes(
  db: Kysely<Database>,
  customerIds: readonly string[],
  since: number,
): Promise<readonly OutcomeStamp[]> {
  const out: OutcomeStamp[] = []
  for (let start = 0; start < customerIds.length; start += IN_CHUNK) {
    const rows = await db
      .selectFrom('offer_outcomes')
      .select(['customer_id', 'offer_id', 'presented_at', 'accepted_at'])
      .where('customer_id', 'in', customerIds.slice(start, start + IN_CHUNK))
      .where((eb) => eb.or([eb('presented_at', '>=', since), eb('accepted_at', 'is not', null)]))
      .execute()
    for (const r of rows) {
      out.push({
        customerId: r.customer_id,
        offerId: r.offer_id,
        presentedAt: r.presented_at,
        accepted: r.accepted_at !== null,
      })
    }
  }
  return out
}

/**
 * Acceptances so far of each of `offerIds`, over all customers (for budgets); an index range
 * scan over each offer's accepted rows.
 */
export async function readAcceptanceTotals(
  db: Kysely<Database>,
  offerIds: readonly string[],
): Promise<ReadonlyMap<string, number>> {
  if (offerIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('offer_outcomes')
    .select(['offer_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('offer_id', 'in', [...offerIds])
    .where('accepted_at', 'is not', null)
    .groupBy('offer_id')
    .execute()
  return new Map(rows.map((r) => [r.offer_id, r.n]))
}

/** Resolved presentations and acceptances per (offer, tier); the model's data. */
export interface CellCount {
  readonly offerId: string
  readonly tier: string
  readonly presentations: number
  readonly acceptances: number
}

/**
 * Presentations whose outcome is known by `now`: accepted, or presented at least
 * `windowMs` ago (a recent presentation without acceptance may still be accepted, and counting it
 * as a refusal would bias the rate down).
 */
export async function readResolvedCounts(
  db: Kysely<Database>,
  now: number,
  windowMs: number,
): Promise<readonly CellCount[]> {
  const rows = await db
    .selectFrom('offer_outcomes')
    .select([
      'offer_id',
      'tier',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number>`SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END)`.as('k'),
    ])
    .where((eb) =>
      eb.or([eb('accepted_at', 'is not', null), eb('presented_at', '<=', now - windowMs)]),
    )
    .groupBy(['offer_id', 'tier'])
    .execute()
  return rows.map((r) => ({
    offerId: r.offer_id,
    tier: r.tier,
    presentations: r.n,
    acceptances: r.k,
  }))
}

/** Resolved outcomes per (customer, offer, tier), for calibration folds by customer. */
export async function readResolvedCountsByCustomer(
  db: Kysely<Database>,
  now: number,
  windowMs: number,
): Promise<readonly (CellCount & { readonly customerId: string })[]> {
  const rows = await db
    .selectFrom('offer_outcomes')
    .select([
      'customer_id',
      'offer_id',
      'tier',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number>`SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END)`.as('k'),
    ])
    .where((eb) =>
      eb.or([eb('accepted_at', 'is not', null), eb('presented_at', '<=', now - windowMs)]),
    )
    .groupBy(['customer_id', 'offer_id', 'tier'])
    .execute()
  return rows.map((r) => ({
    customerId: r.customer_id,
    offerId: r.offer_id,
    tier: r.tier,
    presentations: r.n,
    acceptances: r.k,
  }))
}

export async function findOutcomeByKey(
  db: Kysely<Database>,
  customerId: string,
  idempotencyKey: string,
): Promise<OfferOutcome | null> {
  const row = await db
    .selectFrom('offer_outcomes')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
  return row === undefined ? null : outcomeFromRow(row)
}

/** Stored outcomes for (customer, key) pairs, keyed `customerId\u0000key`; few queries. */
export async function findOutcomesByKeys(
  db: Kysely<Database>,
  pairs: readonly { readonly customerId: string; readonly idempotencyKey: string }[],
): Promise<ReadonlyMap<string, OfferOutcome>> {
  const found = new Map<string, OfferOutcome>()
  const wanted = new Set(pairs.map((p) => `${p.customerId}\u0000${p.idempotencyKey}`))
  for (let start = 0; start < pairs.length; start += IN_CHUNK) {
    const chunk = pairs.slice(start, start + IN_CHUNK)
    // A row-value IN over VALUES: one index probe per pair (two separate IN lists would
    // probe every customer with every key).
    const values = sql.join(chunk.map((p) => sql`(${p.customerId}, ${p.idempotencyKey})`))
    const rows = await db
      .selectFrom('offer_outcomes')
      .selectAll()
      .where(sql<boolean>`(customer_id, idempotency_key) IN (VALUES ${values})`)
      .execute()
    for (const row of rows) {
      const key = `${row.customer_id}\u0000${row.idempotency_key}`
      if (wanted.has(key)) found.set(key, outcomeFromRow(row))
    }
  }
  return found
}

/** Which of `ids` are offers. */
export async function existingOfferIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<ReadonlySet<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db
    .selectFrom('offers')
    .select('id')
    .where('id', 'in', [...ids])
    .execute()
  return new Set(rows.map((r) => r.id))
}

/** Inserts outcomes whose key the customer has not used yet; returns how many were new. */
/** The columns of offer_outcomes, in the order insertOutcomes binds them. */
const OUTCOME_COLUMNS = [
  'id',
  'customer_id',
  'offer_id',
  'tier',
  'source',
  'idempotency_key',
  'presented_at',
  'accepted_at',
  'revenue',
  'order_id',
] as const satisfies readonly (keyof OfferOutcomesTable)[]

/**
 * Inserts outcomes, leaving out any whose (customer, key) is taken; returns the ids of those
 * that went in. With SQLite's statement handle on `db`'s connection (`sqlite`), through prepared
 * statements.
 */
export async function insertOutcomes(
  db: Kysely<Database>,
  rows: readonly OfferOutcomesTable[],
  sqlite: SqlitePrepare | null = null,
): Promise<ReadonlySet<string>> {
  if (rows.length === 0) return new Set()
  const bulk = new BulkStatements(db, capabilitiesOf(db), sqlite)
  const { returned } = await bulk.insert(
    'offer_outcomes',
    OUTCOME_COLUMNS,
    rows.map((row) => OUTCOME_COLUMNS.map((c) => row[c])),
    'ON CONFLICT (customer_id, idempotency_key) DO NOTHING',
    ['id'],
  )
  return new Set(returned.map((r) => String(r['id'])))
}

/** Marks an outcome accepted unless it already was; true when this call accepted it. */
export async function markAccepted(
  db: Kysely<Database>,
  customerId: string,
  outcomeId: string,
  acceptance: {
    readonly acceptedAt: number
    readonly revenue: number | null
    readonly orderId: string | null
  },
): Promise<boolean> {
  const result = await db
    .updateTable('offer_outcomes')
    .set({
      accepted_at: acceptance.acceptedAt,
      revenue: acceptance.revenue,
      order_id: acceptance.orderId,
    })
    .where('customer_id', '=', customerId)
    .where('id', '=', outcomeId)
    .where('accepted_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function listCustomerOutcomes(
  db: Kysely<Database>,
  customerId: string,
  limit: number,
): Promise<readonly OfferOutcome[]> {
  const rows = await db
    .selectFrom('offer_outcomes')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('presented_at', 'desc')
    .limit(limit)
    .execute()
  return rows.map(outcomeFromRow)
}

/** Presentations, acceptances and revenue per offer (for listings). */
export async function readOfferTotals(
  db: Kysely<Database>,
): Promise<
  ReadonlyMap<
    string,
    { readonly presentations: number; readonly acceptances: number; readonly revenue: number }
  >
> {
  const rows = await db
    .selectFrom('offer_outcomes')
    .select([
      'offer_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      sql<number>`SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END)`.as('k'),
      sql<number | null>`SUM(revenue)`.as('revenue'),
    ])
    .groupBy('offer_id')
    .execute()
  return new Map(
    rows.map((r) => [
      r.offer_id,
      {
        presentations: r.n,
        acceptances: r.k,
        revenue: r.revenue ?? 0,
      },
    ]),
  )
}
