import { sql, type Kysely } from 'kysely'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import { BulkStatements, type SqlValue } from '../store/bulk-statements.js'
import type { EngineCapabilities, SqlitePrepare } from '../store/engine.js'
import type { Database } from '../store/database.js'
import {
  CUSTOMER_COLUMNS,
  ORDER_COLUMNS,
  ORDER_ITEM_COLUMNS,
  PRODUCT_COLUMNS,
  type EventsTable,
  type IdentitiesTable,
  type ProductsTable,
} from '../store/tables/identify.table.js'
import type { Projection } from './ecommerce-projection.js'

interface TouchedCustomer {
  firstSeen: number
  lastSeen: number
  traits: JsonObject | null
  isNew: boolean
}

type Row = readonly SqlValue[]

const IDENTITY_COLUMNS = ['kind', 'value', 'customer_id', 'first_seen_at'] as const
const EVENT_COLUMNS = [
  'message_id',
  'customer_id',
  'type',
  'name',
  'user_id',
  'anonymous_id',
  'occurred_at',
  'received_at',
  'properties',
  'context',
] as const satisfies readonly (keyof EventsTable)[]
const INTERACTION_COLUMNS = [
  'customer_id',
  'message_id',
  'product_id',
  'kind',
  'value',
  'occurred_at',
] as const

/**
 * Collects the rows an ingestion batch produces and writes them through `BulkStatements`: on
 * SQLite one cached prepared statement per table, run once per row on the store's own handle
 * (no query is built or compiled per batch); on PostgreSQL multi-row statements. `flush` must run
 * before anything that reads these tables (a merge).
 */
export class BatchWriter {
  private readonly touched = new Map<string, TouchedCustomer>()
  private readonly bulk: BulkStatements
  private identities: Row[] = []
  private events: Row[] = []
  private projections: {
    customerId: string
    messageId: string
    at: number
    projection: Projection
  }[] = []

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: EngineCapabilities,
    sqlite: SqlitePrepare | null,
  ) {
    this.bulk = new BulkStatements(db, capabilities, sqlite)
  }

  touchCustomer(customerId: string, atMs: number, traits: JsonObject | null, isNew: boolean): void {
    const seen = this.touched.get(customerId)
    if (seen === undefined) {
      this.touched.set(customerId, { firstSeen: atMs, lastSeen: atMs, traits, isNew })
      return
    }
    seen.firstSeen = Math.min(seen.firstSeen, atMs)
    seen.lastSeen = Math.max(seen.lastSeen, atMs)
    if (traits !== null) seen.traits = { ...(seen.traits ?? {}), ...traits }
  }

  addIdentity(row: IdentitiesTable): void {
    this.identities.push([row.kind, row.value, row.customer_id, row.first_seen_at])
  }

  addEvent(row: EventsTable): void {
    this.events.push([
      row.message_id,
      row.customer_id,
      row.type,
      row.name,
      row.user_id,
      row.anonymous_id,
      row.occurred_at,
      row.received_at,
      row.properties,
      row.context,
    ])
  }

  addProjection(customerId: string, messageId: string, at: number, projection: Projection): void {
    if (projection.kind !== 'none') this.projections.push({ customerId, messageId, at, projection })
  }

  async flush(nowMs: number): Promise<void> {
    await this.writeCustomers(nowMs)
    await this.insertAll('identities', IDENTITY_COLUMNS, this.identities, ['kind', 'value'])
    await this.insertAll('events', EVENT_COLUMNS, this.events, ['message_id'])
    await this.writeProjections(nowMs)
    this.touched.clear()
    this.identities = []
    this.events = []
    this.projections = []
  }

  private async writeCustomers(nowMs: number): Promise<void> {
    if (this.touched.size === 0) return
    const needTraits = [...this.touched]
      .filter(([, c]) => !c.isNew && c.traits !== null)
      .map(([id]) => id)
    const stored = new Map<string, JsonObject>()
    if (needTraits.length > 0) {
      const rows = await this.db
        .selectFrom('customers')
        .select(['id', 'traits'])
        .where('id', 'in', needTraits)
        .execute()
      for (const row of rows) stored.set(row.id, parseJsonObject(row.traits))
    }
    const rows = [...this.touched].map(([id, c]): Row => {
      const traits = c.traits === null ? null : { ...(stored.get(id) ?? {}), ...c.traits }
      const email = traits === null ? null : emailOf(traits)
      // '' means "keep what is stored": see the conflict clause below.
      const text = traits === null ? (c.isNew ? '{}' : '') : JSON.stringify(traits)
      return [id, text, email, c.firstSeen, c.lastSeen, null, nowMs]
    })
    const { greatest, least } = this.capabilities
    await this.bulk.insert(
      'customers',
      CUSTOMER_COLUMNS,
      rows,
      `ON CONFLICT (id) DO UPDATE SET
        last_seen_at = ${greatest}(customers.last_seen_at, excluded.last_seen_at),
        first_seen_at = ${least}(customers.first_seen_at, excluded.first_seen_at),
        traits = CASE WHEN excluded.traits = '' THEN customers.traits ELSE excluded.traits END,
        email = COALESCE(excluded.email, customers.email)`,
    )
  }

  private async insertAll(
    table: 'identities' | 'events' | 'orders' | 'order_items' | 'interactions' | 'products',
    columns: readonly string[],
    rows: readonly Row[],
    conflictColumns: readonly string[],
  ): Promise<void> {
    if (rows.length === 0) return
    await this.bulk.insert(
      table,
      columns,
      rows,
      `ON CONFLICT (${conflictColumns.join(', ')}) DO NOTHING`,
    )
  }

  private async writeProjections(nowMs: number): Promise<void> {
    if (this.projections.length === 0) return
    const orders: Row[] = []
    const items: Row[] = []
    const products = new Map<string, Row>()
    const interactions: Row[] = []
    const later: (() => Promise<void>)[] = []
    for (const { customerId, messageId, at, projection } of this.projections) {
      switch (projection.kind) {
        case 'order': {
          const { order } = projection
          orders.push([
            customerId,
            order.orderId,
            at,
            order.total,
            order.discount,
            0,
            order.currency,
            'completed',
            null,
            'event',
            messageId,
            nowMs,
          ])
          order.items.forEach((item, line) => {
            items.push([
              customerId,
              order.orderId,
              line,
              item.productId,
              item.sku,
              item.name,
              item.category,
              item.price,
              item.quantity,
              0,
            ])
            noteProduct(products, item, nowMs)
          })
          break
        }
        case 'interaction':
          interactions.push([
            customerId,
            messageId,
            projection.product.productId,
            projection.interaction,
            projection.value,
            at,
          ])
          noteProduct(products, projection.product, nowMs)
          break
        case 'refund':
          later.push(() =>
            this.applyRefund(
              projection.refund.orderId,
              projection.refund.amount,
              projection.refund.items,
            ),
          )
          break
        case 'cancel':
          later.push(() => this.applyCancel(projection.orderId))
          break
        case 'none':
          break
      }
    }
    await this.insertAll('products', PRODUCT_COLUMNS, [...products.values()], ['id'])
    await this.insertAll('orders', ORDER_COLUMNS, orders, ['customer_id', 'order_id'])
    await this.insertAll('order_items', ORDER_ITEM_COLUMNS, items, [
      'customer_id',
      'order_id',
      'line',
    ])
    await this.insertAll('interactions', INTERACTION_COLUMNS, interactions, [
      'customer_id',
      'message_id',
      'product_id',
    ])
    for (const apply of later) await apply()
  }

  private async applyRefund(
    orderId: string,
    amount: number | null,
    items: readonly { readonly productId: string; readonly quantity: number }[],
  ): Promise<void> {
    const least = sql.raw(this.capabilities.least)
    if (amount === null) {
      await this.db
        .updateTable('orders')
        .set({ refunded: sql`total`, status: 'refunded' })
        .where('order_id', '=', orderId)
        .execute()
      await this.db
        .updateTable('order_items')
        .set({ returned_quantity: sql`quantity` })
        .where('order_id', '=', orderId)
        .execute()
      return
    }
    await this.db
      .updateTable('orders')
      .set({
        refunded: sql`${least}(total, refunded + ${amount})`,
        status: sql`CASE WHEN refunded + ${amount} >= total THEN 'refunded' ELSE 'partially_refunded' END`,
      })
      .where('order_id', '=', orderId)
      .execute()
    for (const item of items) {
      await this.db
        .updateTable('order_items')
        .set({ returned_quantity: sql`${least}(quantity, returned_quantity + ${item.quantity})` })
        .where('order_id', '=', orderId)
        .where('product_id', '=', item.productId)
        .execute()
    }
  }

  private async applyCancel(orderId: string): Promise<void> {
    await this.db
      .updateTable('orders')
      .set({ status: 'cancelled' })
      .where('order_id', '=', orderId)
      .execute()
  }
}

function noteProduct(
  products: Map<string, Row>,
  item: {
    productId: string
    sku: string | null
    name: string | null
    category: string | null
    price: number
  },
  nowMs: number,
): void {
  if (products.has(item.productId)) return
  const row: Record<(typeof PRODUCT_COLUMNS)[number], SqlValue> = {
    id: item.productId,
    sku: item.sku,
    name: item.name,
    category: item.category,
    price: item.price > 0 ? item.price : null,
    cost: null,
    in_stock: 1,
    repeatable: 0,
    attributes: '{}',
    created_at: nowMs,
    updated_at: nowMs,
  } satisfies ProductsTable
  products.set(
    item.productId,
    PRODUCT_COLUMNS.map((c) => row[c]),
  )
}

function emailOf(traits: JsonObject): string | null {
  const email = traits['email']
  return typeof email === 'string' && email.includes('@') ? email.trim().toLowerCase() : null
}
