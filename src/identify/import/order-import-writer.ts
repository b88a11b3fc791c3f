import type BetterSqlite3 from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import { newId } from '../../core/ids.js'
import { BulkStatements, type SqlValue } from '../../store/bulk-statements.js'
import type { Database } from '../../store/database.js'
import type { EngineCapabilities } from '../../store/engine.js'
import { identityKey, type Identity } from '../identity-key.js'
import { allocateReturns, type ReturnCandidate, type ReturnRequest } from './allocate-returns.js'
import type { ImportTally } from './import-report.js'
import type { OrderLine } from './order-row.js'
import {
  CUSTOMER_COLUMNS,
  ORDER_COLUMNS,
  ORDER_ITEM_COLUMNS,
  PRODUCT_COLUMNS,
} from '../../store/tables/identify.table.js'

export interface OrderImportSettings {
  readonly currency: string
  readonly nowMs: number
}

/** Tables an order import writes, in the order the report lists them. */
export const ORDER_IMPORT_TABLES = [
  'customers',
  'orders',
  'order_items',
  'order_returns',
  'products',
] as const

/** Bounds on what the writer remembers between batches, so memory stays flat in file size. */
const MAX_CACHED_CUSTOMERS = 200_000
const MAX_CACHED_PRODUCTS = 100_000
/** Rows per lookup query (well under every engine's parameter limit). */
const LOOKUP_CHUNK = 1000

const RETURN_COLUMNS = [
  'customer_id',
  'return_id',
  'return_line',
  'order_id',
  'order_line',
  'product_id',
  'quantity',
  'amount',
  'returned_at',
  'created_at',
] as const

interface PendingOrder {
  readonly customerId: string
  readonly orderId: string
  placedAt: number
  total: number
  readonly country: string | null
}

/**
 * Writes parsed order lines batch by batch with multi-row statements. Everything it writes is
 * keyed so that writing the same lines again inserts nothing: customers by their `user_id`
 * identity, orders by (customer, order id), items by their position in the order, returns by
 * their position in the return document (the `order_returns` ledger).
 *
 * Purchases create customers; returns only apply to purchases already stored (this or an earlier
 * batch or import). Each batch's purchases are written before its returns are placed.
 */
export class OrderImportWriter {
  private readonly bulk: BulkStatements
  private readonly customers = new Map<string, string>()
  private readonly knownProducts = new Set<string>()
  /** Next line number per order (and per return document) of this import. */
  private readonly nextLine = new Map<string, number>()
  /** OPEN_LINES_SQL prepared on the SQLite handle, on first use. */
  private openLines: BetterSqlite3.Statement | null = null

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: EngineCapabilities,
    private readonly sqlite: BetterSqlite3.Database | null,
    private readonly settings: OrderImportSettings,
    private readonly tally: ImportTally,
  ) {
    this.bulk = new BulkStatements(db, capabilities, sqlite)
  }

  async write(lines: readonly OrderLine[]): Promise<void> {
    const purchases: OrderLine[] = []
    const returns: OrderLine[] = []
    for (const line of lines) (line.kind === 'purchase' ? purchases : returns).push(line)
    await this.resolveCustomers(identitiesOf(purchases), true)
    await this.resolveCustomers(identitiesOf(returns), false)
    if (purchases.length > 0) await this.writePurchases(purchases)
    if (returns.length > 0) await this.writeReturns(returns)
  }

  private customerOf(line: OrderLine): string | undefined {
    return this.customers.get(identityKey(identityOfLine(line)))
  }

  private lineNumber(key: string): number {
    const line = this.nextLine.get(key) ?? 0
    this.nextLine.set(key, line + 1)
    return line
  }

  /** Finds the customers of these identities; with `create`, makes the unknown ones. */
  private async resolveCustomers(identities: readonly Identity[], create: boolean): Promise<void> {
    if (this.customers.size > MAX_CACHED_CUSTOMERS) this.customers.clear()
    const unknown = new Map<string, Identity>()
    for (const identity of identities) {
      const key = identityKey(identity)
      if (!this.customers.has(key)) unknown.set(key, identity)
    }
    if (unknown.size === 0) return
    await this.lookupIdentities([...unknown.values()])
    if (!create) return
    const missing = [...unknown.entries()].filter(([key]) => !this.customers.has(key))
    if (missing.length === 0) return
    const proposed = new Map<string, string>()
    const rows: SqlValue[][] = missing.map(([key, identity]) => {
      const customerId = newId('cus', this.settings.nowMs)
      proposed.set(key, customerId)
      return [identity.kind, identity.value, customerId, this.settings.nowMs]
    })
    // Another writer may claim an identity first: ours is then not inserted, and theirs is used.
    const { returned } = await this.bulk.insert(
      'identities',
      ['kind', 'value', 'customer_id', 'first_seen_at'],
      rows,
      'ON CONFLICT (kind, value) DO NOTHING',
      ['kind', 'value', 'customer_id'],
    )
    for (const row of returned) {
      this.customers.set(
        `${String(row['kind'])}:${String(row['value'])}`,
        String(row['customer_id']),
      )
    }
    this.tally.customersCreated += returned.length
    this.tally.addInserted('customers', returned.length)
    const lost = missing.filter(([key]) => !this.customers.has(key)).map(([, identity]) => identity)
    if (lost.length > 0) await this.lookupIdentities(lost)
  }

  private async lookupIdentities(identities: readonly Identity[]): Promise<void> {
    for (const kind of new Set(identities.map((i) => i.kind))) {
      const values = identities.filter((i) => i.kind === kind).map((i) => i.value)
      for (let start = 0; start < values.length; start += LOOKUP_CHUNK) {
        const rows = await this.db
          .selectFrom('identities')
          .select(['value', 'customer_id'])
          .where('kind', '=', kind)
          .where('value', 'in', values.slice(start, start + LOOKUP_CHUNK))
          .execute()
        for (const row of rows) this.customers.set(`${kind}:${row.value}`, row.customer_id)
      }
    }
  }

  private async writePurchases(purchases: readonly OrderLine[]): Promise<void> {
    const { nowMs, currency } = this.settings
    const orders = new Map<string, PendingOrder>()
    const seen = new Map<string, { first: number; last: number }>()
    const products = new Map<string, SqlValue[]>()
    const items: SqlValue[][] = []
    // Lines of one order come one after another: customer, order and line counter are looked up
    // once per run of lines, not per line.
    let run: {
      readonly customer: string | null
      readonly orderId: string
      readonly key: string
      readonly order: PendingOrder
      readonly span: { first: number; last: number }
      next: number
    } | null = null
    for (const line of purchases) {
      const amount = line.price * line.quantity
      if (run !== null && run.customer === line.customer && run.orderId === line.orderId) {
        run.order.total += amount
        if (line.placedAt < run.order.placedAt) run.order.placedAt = line.placedAt
        if (line.placedAt < run.span.first) run.span.first = line.placedAt
        if (line.placedAt > run.span.last) run.span.last = line.placedAt
      } else {
        if (run !== null) this.nextLine.set(run.key, run.next)
        const customerId = this.customerOf(line)
        if (customerId === undefined) throw new Error(`No customer resolved for line ${line.line}`)
        const key = `${customerId}\u0000${line.orderId}`
        let order = orders.get(key)
        if (order === undefined) {
          order = {
            customerId,
            orderId: line.orderId,
            placedAt: line.placedAt,
            total: amount,
            country: line.country,
          }
          orders.set(key, order)
        } else {
          order.total += amount
          order.placedAt = Math.min(order.placedAt, line.placedAt)
        }
        let span = seen.get(customerId)
        if (span === undefined) {
          span = { first: line.placedAt, last: line.placedAt }
          seen.set(customerId, span)
        } else {
          span.first = Math.min(span.first, line.placedAt)
          span.last = Math.max(span.last, line.placedAt)
        }
        run = {
          customer: line.customer,
          orderId: line.orderId,
          key,
          order,
          span,
          next: this.nextLine.get(key) ?? 0,
        }
      }
      items.push([
        run.order.customerId,
        line.orderId,
        run.next,
        line.productId,
        null,
        line.name,
        line.category,
        line.price,
        line.quantity,
        0,
      ])
      run.next += 1
      if (!this.knownProducts.has(line.productId) && !products.has(line.productId)) {
        products.set(line.productId, [
          line.productId,
          null,
          line.name,
          line.category,
          line.price > 0 ? line.price : null,
          null,
          1,
          0,
          '{}',
          nowMs,
          nowMs,
        ])
      }
    }
    if (run !== null) this.nextLine.set(run.key, run.next)
    const greatest = this.capabilities.greatest
    const least = this.capabilities.least
    await this.bulk.insert(
      'customers',
      CUSTOMER_COLUMNS,
      [...seen].map(([id, span]) => [id, '{}', null, span.first, span.last, null, nowMs]),
      `ON CONFLICT (id) DO UPDATE SET
        first_seen_at = ${least}(customers.first_seen_at, excluded.first_seen_at),
        last_seen_at = ${greatest}(customers.last_seen_at, excluded.last_seen_at)`,
    )
    if (products.size > 0) {
      const { written } = await this.bulk.insert(
        'products',
        PRODUCT_COLUMNS,
        [...products.values()],
        'ON CONFLICT (id) DO NOTHING',
      )
      this.tally.addInserted('products', written)
      if (this.knownProducts.size > MAX_CACHED_PRODUCTS) this.knownProducts.clear()
      for (const id of products.keys()) this.knownProducts.add(id)
    }
    const itemResult = await this.bulk.insert(
      'order_items',
      ORDER_ITEM_COLUMNS,
      items,
      'ON CONFLICT (customer_id, order_id, line) DO NOTHING',
    )
    this.tally.addInserted('order_items', itemResult.written)
    const orderRows = [...orders.values()].map((o) => [
      o.customerId,
      o.orderId,
      o.placedAt,
      o.total,
      0,
      0,
      currency,
      'completed',
      o.country,
      'import',
      null,
      nowMs,
    ])
    const { returned } = await this.bulk.insert(
      'orders',
      ORDER_COLUMNS,
      orderRows,
      'ON CONFLICT (customer_id, order_id) DO NOTHING',
      ['customer_id', 'order_id'],
    )
    this.tally.addInserted('orders', returned.length)
    // Orders stored before (an earlier batch of this import, or an earlier import): their total
    // is the sum of all their items, now including any this batch added.
    const created = new Set(
      returned.map((r) => `${String(r['customer_id'])}\u0000${String(r['order_id'])}`),
    )
    const earlier = [...orders].filter(([key]) => !created.has(key)).map(([, o]) => o)
    await this.bulk.updateFromValues(
      'order-total',
      ['bigint', 'text', 'text'],
      (v) => sql`UPDATE orders SET
          total = (SELECT COALESCE(SUM(i.price * i.quantity), 0) FROM order_items i
                   WHERE i.customer_id = orders.customer_id AND i.order_id = orders.order_id),
          placed_at = ${sql.raw(least)}(orders.placed_at, ${v.column(1)})
        ${v.from}
        WHERE orders.customer_id = ${v.column(2)} AND orders.order_id = ${v.column(3)}
          AND orders.source = 'import'`,
      earlier.map((o) => [o.placedAt, o.customerId, o.orderId]),
    )
    this.tally.rowsImported += purchases.length
  }

  /**
   * Order lines with units left to return, of the chunk's customers and products. On SQLite each
   * customer's lines are read once, by a prepared statement that keeps only the products that
   * customer returns: one query for the whole chunk (its customers × all its products) read
   * ~110k rows for the Online Retail file's ~9k returns. PostgreSQL, where each query is a round
   * trip, asks once per chunk; rows of other products are ignored by allocateReturns.
   */
  private async returnCandidates(chunk: readonly ReturnRequest[]): Promise<ReturnCandidate[]> {
    const productsByCustomer = new Map<string, Set<string>>()
    for (const request of chunk) {
      let products = productsByCustomer.get(request.customerId)
      if (products === undefined) {
        products = new Set()
        productsByCustomer.set(request.customerId, products)
      }
      products.add(request.productId)
    }
    const candidates: ReturnCandidate[] = []
    if (this.sqlite !== null) {
      this.openLines ??= this.sqlite.prepare(OPEN_LINES_SQL)
      for (const [customerId, products] of productsByCustomer) {
        const rows = this.openLines.all(customerId, JSON.stringify([...products])) as OpenLineRow[]
        for (const row of rows) candidates.push(candidateOf(row))
      }
      return candidates
    }
    const rows = await this.db
      .selectFrom('order_items as i')
      .innerJoin('orders as o', (join) =>
        join.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
      )
      .select([
        'i.customer_id',
        'i.order_id',
        'i.line',
        'i.product_id',
        'i.quantity',
        'i.returned_quantity',
        'o.placed_at',
      ])
      .where('i.customer_id', 'in', [...productsByCustomer.keys()])
      .where(sql<string>`${sql.ref('i.product_id')} || ''`, 'in', [
        ...new Set(chunk.map((r) => r.productId)),
      ])
      .whereRef('i.returned_quantity', '<', 'i.quantity')
      .execute()
    for (const row of rows) candidates.push(candidateOf(row))
    return candidates
  }

  private async writeReturns(lines: readonly OrderLine[]): Promise<void> {
    const requests: ReturnRequest[] = []
    for (const line of lines) {
      const customerId = this.customerOf(line)
      if (customerId === undefined) {
        this.tally.skip('return_without_order', line.line, false)
        continue
      }
      requests.push({
        customerId,
        returnId: line.orderId,
        returnLine: this.lineNumber(`R\u0000${customerId}\u0000${line.orderId}`),
        productId: line.productId,
        quantity: line.quantity,
        price: line.price,
        returnedAt: line.placedAt,
        sourceLine: line.line,
      })
    }
    const fresh: ReturnRequest[] = []
    const candidates: ReturnCandidate[] = []
    for (let start = 0; start < requests.length; start += LOOKUP_CHUNK) {
      const chunk = requests.slice(start, start + LOOKUP_CHUNK)
      const customerIds = [...new Set(chunk.map((r) => r.customerId))]
      const applied = await this.db
        .selectFrom('order_returns')
        .select(['customer_id', 'return_id', 'return_line'])
        .where('customer_id', 'in', customerIds)
        .where('return_id', 'in', [...new Set(chunk.map((r) => r.returnId))])
        .execute()
      const done = new Set(
        applied.map((a) => `${a.customer_id}\u0000${a.return_id}\u0000${a.return_line}`),
      )
      for (const request of chunk) {
        if (done.has(`${request.customerId}\u0000${request.returnId}\u0000${request.returnLine}`)) {
          this.tally.rowsImported += 1
        } else fresh.push(request)
      }
      for (const candidate of await this.returnCandidates(chunk)) candidates.push(candidate)
    }
    // A candidate found by two chunks counts once.
    const unique = new Map(
      candidates.map((c) => [`${c.customerId}\u0000${c.orderId}\u0000${c.line}`, c]),
    )
    const { allocations, unmatched } = allocateReturns(fresh, [...unique.values()])
    for (const request of unmatched)
      this.tally.skip('return_without_order', request.sourceLine, false)
    this.tally.rowsImported += fresh.length - unmatched.length
    if (allocations.length === 0) return
    const { nowMs } = this.settings
    const ledger = await this.bulk.insert(
      'order_returns',
      RETURN_COLUMNS,
      allocations.map((a) => [
        a.customerId,
        a.returnId,
        a.returnLine,
        a.orderId,
        a.orderLine,
        a.productId,
        a.quantity,
        a.amount,
        a.returnedAt,
        nowMs,
      ]),
      'ON CONFLICT (customer_id, return_id, return_line, order_id, order_line) DO NOTHING',
    )
    this.tally.addInserted('order_returns', ledger.written)
    const perLine = new Map<string, [number, string, string, number]>()
    for (const a of allocations) {
      const key = `${a.customerId}\u0000${a.orderId}\u0000${a.orderLine}`
      const entry = perLine.get(key)
      if (entry === undefined) perLine.set(key, [a.quantity, a.customerId, a.orderId, a.orderLine])
      else entry[0] += a.quantity
    }
    await this.bulk.updateFromValues(
      'item-returned',
      ['double precision', 'text', 'text', 'integer'],
      (v) => sql`UPDATE order_items
        SET returned_quantity = order_items.returned_quantity + ${v.column(1)}
        ${v.from}
        WHERE order_items.customer_id = ${v.column(2)} AND order_items.order_id = ${v.column(3)}
          AND order_items.line = ${v.column(4)}`,
      [...perLine.values()],
    )
    const refunds = new Map<string, { customerId: string; orderId: string; amount: number }>()
    for (const a of allocations) {
      const key = `${a.customerId}\u0000${a.orderId}`
      const refund = refunds.get(key)
      if (refund === undefined)
        refunds.set(key, { customerId: a.customerId, orderId: a.orderId, amount: a.amount })
      else refund.amount += a.amount
    }
    // Fully refunded when every unit came back (amounts may differ from the sale price).
    await this.bulk.updateFromValues(
      'order-refunded',
      ['double precision', 'text', 'text'],
      (v) => sql`UPDATE orders SET refunded = orders.refunded + ${v.column(1)},
          status = CASE WHEN NOT EXISTS (SELECT 1 FROM order_items i
                     WHERE i.customer_id = orders.customer_id AND i.order_id = orders.order_id
                       AND i.returned_quantity < i.quantity)
                   THEN 'refunded' ELSE 'partially_refunded' END
        ${v.from}
        WHERE orders.customer_id = ${v.column(2)} AND orders.order_id = ${v.column(3)}`,
      [...refunds.values()].map((r) => [r.amount, r.customerId, r.orderId]),
    )
  }
}

/**
 * The identities of these lines, one per run of lines of the same customer (or guest order): an
 * order's lines come together, so this is one per order, not one per line.
 */
function identitiesOf(lines: readonly OrderLine[]): Identity[] {
  const identities: Identity[] = []
  let previous: OrderLine | null = null
  for (const line of lines) {
    const same =
      previous !== null &&
      previous.customer === line.customer &&
      (line.customer !== null || previous.orderId === line.orderId)
    if (!same) identities.push(identityOfLine(line))
    previous = line
  }
  return identities
}

/** Who a line belongs to: its customer id, or (kept anonymous rows) a guest per order. */
export function identityOfLine(line: OrderLine): Identity {
  return line.customer === null
    ? { kind: 'anonymous_id', value: `import:${line.orderId}` }
    : { kind: 'user_id', value: line.customer }
}

/**
 * One customer's order lines with units left to return, of the products in a JSON array. `|| ''`
 * keeps the planner on the (customer_id, …) key: a customer has few lines, a popular product
 * thousands.
 */
const OPEN_LINES_SQL = `SELECT i.customer_id, i.order_id, i.line, i.product_id, i.quantity,
    i.returned_quantity, o.placed_at
  FROM order_items i JOIN orders o ON o.customer_id = i.customer_id AND o.order_id = i.order_id
  WHERE i.customer_id = ? AND i.product_id || '' IN (SELECT value FROM json_each(?))
    AND i.returned_quantity < i.quantity`

interface OpenLineRow {
  readonly customer_id: string
  readonly order_id: string
  readonly line: number
  readonly product_id: string
  readonly quantity: number
  readonly returned_quantity: number
  readonly placed_at: number
}

function candidateOf(row: OpenLineRow): ReturnCandidate {
  return {
    customerId: row.customer_id,
    orderId: row.order_id,
    line: row.line,
    productId: row.product_id,
    placedAt: row.placed_at,
    open: row.quantity - row.returned_quantity,
  }
}
