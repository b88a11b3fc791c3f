import type { Kysely } from 'kysely'
import { DAY_MS } from '../core/clock.js'
import type { JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import { getDelivery, recordTransitions } from './deliveries.repository.js'
import { matchConversions, type CandidateOrder, type PendingDelivery } from './match-conversions.js'

/** The event a conversion lands on the customer's timeline as. */
export const CONVERSION_EVENT = 'Message Converted'

/** The track event whose order can convert a delivery. */
export const ORDER_COMPLETED = 'Order Completed'

/** Default attribution window: an order up to 7 days after a marketing message credits it. */
export const DEFAULT_ATTRIBUTION_WINDOW_MS = 7 * DAY_MS

/** Deliveries that reached the customer; only these can convert. */
const REACHED = ['sent', 'delivered', 'opened', 'clicked'] as const

/**
 * Which orders to attribute: those of just-stored `Order Completed` events (ingestion), or
 * every order written since a time (a CSV import that started then).
 */
export type OrderSelection =
  { readonly eventIds: readonly string[] } | { readonly createdSince: number }

export interface ConversionRecord {
  readonly deliveryId: string
  readonly customerId: string
  readonly messageId: string
  readonly orderId: string
  readonly revenue: number
  readonly currency: string
  readonly at: number
}

const CHUNK = 500

/**
 * Credits newly arrived orders to the marketing deliveries that preceded them: each order goes
 * to the customer's most recent delivered, unconverted marketing message sent within
 * `windowMs` before it (see matchConversions). The delivery moves to `converted` with the order
 * id and revenue in its history, and a `Message Converted` event lands on the timeline.
 * Idempotent: an order already credited, or a delivery already converted, is left alone, so
 * running it again (a re-import, a retried batch) adds nothing.
 */
export async function attributeConversions(
  db: Kysely<Database>,
  selection: OrderSelection,
  options: { readonly windowMs: number; readonly nowMs: number },
): Promise<readonly ConversionRecord[]> {
  const orders = await selectOrders(db, selection)
  if (orders.length === 0) return []
  const customers = [...new Set(orders.map((o) => o.customerId))]
  const records: ConversionRecord[] = []
  for (let start = 0; start < customers.length; start += CHUNK) {
    const chunk = customers.slice(start, start + CHUNK)
    const pending = await pendingDeliveries(db, chunk)
    if (pending.length === 0) continue
    const credited = await creditedOrders(db, chunk)
    const inChunk = new Set(chunk)
    const candidates = orders.filter(
      (o) => inChunk.has(o.customerId) && !credited.has(`${o.customerId}\u0000${o.orderId}`),
    )
    for (const match of matchConversions(pending, candidates, options.windowMs)) {
      const record = await convert(db, match.deliveryId, match.order, options.nowMs)
      if (record !== null) records.push(record)
    }
  }
  return records
}

async function selectOrders(
  db: Kysely<Database>,
  selection: OrderSelection,
): Promise<CandidateOrder[]> {
  const columns = [
    'orders.customer_id',
    'orders.order_id',
    'orders.placed_at',
    'orders.total',
    'orders.currency',
  ] as const
  const rows: {
    customer_id: string
    order_id: string
    placed_at: number
    total: number
    currency: string
  }[] = []
  if ('eventIds' in selection) {
    for (let start = 0; start < selection.eventIds.length; start += 1000) {
      rows.push(
        ...(await db
          .selectFrom('events')
          .innerJoin('orders', (join) =>
            join
              .onRef('orders.customer_id', '=', 'events.customer_id')
              .onRef('orders.message_id', '=', 'events.message_id'),
          )
          .select(columns)
          .where('events.message_id', 'in', selection.eventIds.slice(start, start + 1000))
          .where('events.name', '=', ORDER_COMPLETED)
          .where('orders.status', '!=', 'cancelled')
          .execute()),
      )
    }
  } else {
    rows.push(
      ...(await db
        .selectFrom('orders')
        .select(columns)
        .where('orders.created_at', '>=', selection.createdSince)
        .where('orders.status', '!=', 'cancelled')
        .where('orders.customer_id', 'in', (eb) =>
          eb
            .selectFrom('deliveries')
            .select('deliveries.customer_id')
            .where('deliveries.converted_at', 'is', null)
            .where('deliveries.status', 'in', REACHED),
        )
        .execute()),
    )
  }
  return rows.map((r) => ({
    customerId: r.customer_id,
    orderId: r.order_id,
    placedAt: r.placed_at,
    revenue: r.total,
    currency: r.currency,
  }))
}

async function pendingDeliveries(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<PendingDelivery[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('messages', (join) =>
      join
        .onRef('messages.customer_id', '=', 'deliveries.customer_id')
        .onRef('messages.id', '=', 'deliveries.message_id'),
    )
    .select([
      'deliveries.id',
      'deliveries.customer_id',
      'deliveries.sent_at',
      'deliveries.delivered_at',
    ])
    .where('deliveries.customer_id', 'in', customerIds)
    .where('messages.kind', '=', 'marketing')
    .where('deliveries.converted_at', 'is', null)
    .where('deliveries.status', 'in', REACHED)
    .execute()
  return rows.flatMap((r) => {
    const sentAt = r.sent_at ?? r.delivered_at
    return sentAt === null ? [] : [{ id: r.id, customerId: r.customer_id, sentAt }]
  })
}

async function creditedOrders(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['customer_id', 'conversion_order_id'])
    .where('customer_id', 'in', customerIds)
    .where('conversion_order_id', 'is not', null)
    .execute()
  return new Set(rows.map((r) => `${r.customer_id}\u0000${r.conversion_order_id ?? ''}`))
}

async function convert(
  db: Kysely<Database>,
  deliveryId: string,
  order: CandidateOrder,
  nowMs: number,
): Promise<ConversionRecord | null> {
  const delivery = await getDelivery(db, order.customerId, deliveryId)
  if (delivery === null) return null
  // Claim first: of two concurrent attributions, only one converts the delivery.
  const claimed = await db
    .updateTable('deliveries')
    .set({
      converted_at: order.placedAt,
      conversion_order_id: order.orderId,
      conversion_revenue: order.revenue,
      conversion_currency: order.currency,
    })
    .where('customer_id', '=', order.customerId)
    .where('id', '=', deliveryId)
    .where('converted_at', 'is', null)
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) return null
  await recordTransitions(db, delivery, [
    {
      status: 'converted',
      at: order.placedAt,
      orderId: order.orderId,
      revenue: order.revenue,
      currency: order.currency,
    },
  ])
  const message = await db
    .selectFrom('messages')
    .select(['topic'])
    .where('customer_id', '=', order.customerId)
    .where('id', '=', delivery.messageId)
    .executeTakeFirst()
  const properties: JsonObject = {
    delivery_id: delivery.id,
    message_id: delivery.messageId,
    channel: delivery.channel,
    topic: message?.topic ?? null,
    order_id: order.orderId,
    revenue: order.revenue,
    currency: order.currency,
  }
  await db
    .insertInto('events')
    .values({
      message_id: `cnv_${delivery.id}`,
      customer_id: order.customerId,
      type: 'track',
      name: CONVERSION_EVENT,
      user_id: null,
      anonymous_id: null,
      occurred_at: order.placedAt,
      received_at: nowMs,
      properties: JSON.stringify(properties),
      context: JSON.stringify({ source: 'idic' }),
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute()
  return {
    deliveryId: delivery.id,
    customerId: order.customerId,
    messageId: delivery.messageId,
    orderId: order.orderId,
    revenue: order.revenue,
    currency: order.currency,
    at: order.placedAt,
  }
}
