import { sql, type Kysely } from 'kysely'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import type { EngineCapabilities } from '../store/engine.js'
import type { Database } from '../store/database.js'
import { chunkRows } from '../store/insert-chunked.js'
import type {
  EventsTable,
  IdentitiesTable,
  OrderItemsTable,
  OrdersTable,
} from '../store/tables/identify.table.js'
import type { Projection } from './ecommerce-projection.js'

interface TouchedCustomer {
  firstSeen: number
  lastSeen: number
  traits: JsonObject | null
  isNew: boolean
}

/**
 * Collects the rows an ingestion batch produces and writes them in a handful of multi-row
 * statements. `flush` must run before anything that reads these tables (a merge).
 */
export class BatchWriter {
  private readonly touched = new Map<string, TouchedCustomer>()
  private identities: IdentitiesTable[] = []
  private events: EventsTable[] = []
  private projections: {
    customerId: string
    messageId: string
    at: number
    projection: Projection
  }[] = []

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: EngineCapabilities,
  ) {}

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
    this.identities.push(row)
  }

  addEvent(row: EventsTable): void {
    this.events.push(row)
  }

  addProjection(customerId: string, messageId: string, at: number, projection: Projection): void {
    if (projection.kind !== 'none') this.projections.push({ customerId, messageId, at, projection })
  }

  async flush(nowMs: number): Promise<void> {
    await this.writeCustomers(nowMs)
    await this.insertAll('identities', this.identities, ['kind', 'value'])
    await this.insertAll('events', this.events, ['message_id'])
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
    const rows = [...this.touched].map(([id, c]) => {
      const traits = c.traits === null ? null : { ...(stored.get(id) ?? {}), ...c.traits }
      const email = traits === null ? null : emailOf(traits)
      return {
        id,
        // '' means "keep what is stored": see the conflict clause below.
        traits: traits === null ? (c.isNew ? '{}' : '') : JSON.stringify(traits),
        email,
        first_seen_at: c.firstSeen,
        last_seen_at: c.lastSeen,
        manager_id: null,
        created_at: nowMs,
      }
    })
    const greatest = sql.raw(this.capabilities.greatest)
    const least = sql.raw(this.capabilities.least)
    for (const chunk of chunkRows(rows, this.capabilities.maxParameters)) {
      await this.db
        .insertInto('customers')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            last_seen_at: sql`${greatest}(customers.last_seen_at, excluded.last_seen_at)`,
            first_seen_at: sql`${least}(customers.first_seen_at, excluded.first_seen_at)`,
            traits: sql`CASE WHEN excluded.traits = '' THEN customers.traits ELSE excluded.traits END`,
            email: sql`COALESCE(excluded.email, customers.email)`,
          }),
        )
        .execute()
    }
  }

  private async insertAll<
    T extends 'identities' | 'events' | 'orders' | 'order_items' | 'interactions' | 'products',
  >(
    table: T,
    rows: readonly Database[T][],
    conflictColumns: readonly (keyof Database[T] & string)[],
  ): Promise<void> {
    for (const chunk of chunkRows(rows, this.capabilities.maxParameters)) {
      await sql`INSERT INTO ${sql.table(table)} (${sql.join(Object.keys(chunk[0] as object).map((c) => sql.ref(c)))})
        VALUES ${sql.join(chunk.map((row) => sql`(${sql.join(Object.values(row as object))})`))}
        ON CONFLICT (${sql.join(conflictColumns.map((c) => sql.ref(c)))}) DO NOTHING`.execute(
        this.db,
      )
    }
  }

  private async writeProjections(nowMs: number): Promise<void> {
    if (this.projections.length === 0) return
    const orders: OrdersTable[] = []
    const items: OrderItemsTable[] = []
    const products = new Map<string, Database['products']>()
    const interactions: Database['interactions'][] = []
    const later: (() => Promise<void>)[] = []
    for (const { customerId, messageId, at, projection } of this.projections) {
      switch (projection.kind) {
        case 'order': {
          const { order } = projection
          orders.push({
            customer_id: customerId,
            order_id: order.orderId,
            placed_at: at,
            total: order.total,
            discount: order.discount,
            refunded: 0,
            currency: order.currency,
            status: 'completed',
            country: null,
            source: 'event',
            message_id: messageId,
            created_at: nowMs,
          })
          order.items.forEach((item, line) => {
            items.push({
              customer_id: customerId,
              order_id: order.orderId,
              line,
              product_id: item.productId,
              sku: item.sku,
              name: item.name,
              category: item.category,
              price: item.price,
              quantity: item.quantity,
              returned_quantity: 0,
            })
            noteProduct(products, item, nowMs)
          })
          break
        }
        case 'interaction':
          interactions.push({
            customer_id: customerId,
            message_id: messageId,
            product_id: projection.product.productId,
            kind: projection.interaction,
            value: projection.value,
            occurred_at: at,
          })
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
    await this.insertAll('products', [...products.values()], ['id'])
    await this.insertAll('orders', orders, ['customer_id', 'order_id'])
    await this.insertAll('order_items', items, ['customer_id', 'order_id', 'line'])
    await this.insertAll('interactions', interactions, ['customer_id', 'message_id', 'product_id'])
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
  products: Map<string, Database['products']>,
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
  products.set(item.productId, {
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
  })
}

function emailOf(traits: JsonObject): string | null {
  const email = traits['email']
  return typeof email === 'string' && email.includes('@') ? email.trim().toLowerCase() : null
}
