import type { Kysely } from 'kysely'
import { newId } from '../core/ids.js'
import type { JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import { getDelivery, recordTransitions, type Delivery } from './deliveries.repository.js'
import { toMessage, type Message } from './messages.repository.js'

/** Names of the events engagement comes back as, on the customer's timeline. */
export const ENGAGEMENT_EVENTS = {
  opened: 'Message Opened',
  clicked: 'Message Link Clicked',
} as const

/**
 * Records that a customer opened a message (pixel loaded, inbox item read) or followed a link
 * in it: the delivery moves to opened/clicked (first time kept) and an event lands on the
 * timeline, so engagement feeds back like any other behaviour. Unknown deliveries are ignored
 * (a pixel of an erased customer must not fail or re-create anything).
 */
export async function recordEngagement(
  db: Kysely<Database>,
  input: {
    readonly customerId: string
    readonly deliveryId: string
    readonly kind: keyof typeof ENGAGEMENT_EVENTS
    readonly url?: string
  },
  nowMs: number,
): Promise<Delivery | null> {
  const delivery = await getDelivery(db, input.customerId, input.deliveryId)
  if (delivery === null) return null
  return db.transaction().execute(async (trx) => {
    const transitions =
      input.kind === 'clicked' && delivery.openedAt === null
        ? // A click implies the message was opened, even when the pixel was blocked.
          [
            { status: 'opened' as const, at: nowMs },
            { status: 'clicked' as const, at: nowMs },
          ]
        : [{ status: input.kind, at: nowMs }]
    const updated = await recordTransitions(trx, delivery, transitions)
    const properties: JsonObject = {
      delivery_id: delivery.id,
      message_id: delivery.messageId,
      channel: delivery.channel,
      ...(input.url === undefined ? {} : { url: input.url }),
    }
    await trx
      .insertInto('events')
      .values({
        message_id: newId('eng', nowMs),
        customer_id: input.customerId,
        type: 'track',
        name: ENGAGEMENT_EVENTS[input.kind],
        user_id: null,
        anonymous_id: null,
        occurred_at: nowMs,
        received_at: nowMs,
        properties: JSON.stringify(properties),
        context: JSON.stringify({ source: 'idic' }),
      })
      .execute()
    return updated
  })
}

export interface InboxItem {
  readonly message: Message
  readonly deliveryId: string | null
}

/** The customer's in-app inbox: in-app messages delivered to them, newest first. */
export async function listInbox(
  db: Kysely<Database>,
  customerId: string,
  options: { readonly unreadOnly?: boolean; readonly limit?: number } = {},
): Promise<readonly InboxItem[]> {
  let query = db
    .selectFrom('messages')
    .innerJoin('deliveries', (join) =>
      join
        .onRef('deliveries.message_id', '=', 'messages.id')
        .onRef('deliveries.customer_id', '=', 'messages.customer_id'),
    )
    .selectAll('messages')
    .select('deliveries.id as delivery_id')
    .where('messages.customer_id', '=', customerId)
    .where('messages.channel', '=', 'in_app')
    .where('messages.direction', '=', 'outbound')
    .where('deliveries.status', 'in', ['delivered', 'opened', 'clicked', 'converted'])
  if (options.unreadOnly === true) query = query.where('messages.read_at', 'is', null)
  const rows = await query
    .orderBy('messages.created_at', 'desc')
    .limit(options.limit ?? 100)
    .execute()
  return rows.map((row) => ({ message: toMessage(row), deliveryId: row.delivery_id }))
}

/** Marks an inbox message read (first read time kept); false when there is no such message. */
export async function markInboxRead(
  db: Kysely<Database>,
  customerId: string,
  messageId: string,
  nowMs: number,
): Promise<boolean> {
  const items = await db
    .selectFrom('messages')
    .innerJoin('deliveries', (join) =>
      join
        .onRef('deliveries.message_id', '=', 'messages.id')
        .onRef('deliveries.customer_id', '=', 'messages.customer_id'),
    )
    .select(['messages.read_at', 'deliveries.id as delivery_id'])
    .where('messages.customer_id', '=', customerId)
    .where('messages.id', '=', messageId)
    .where('messages.channel', '=', 'in_app')
    .execute()
  const item = items[0]
  if (item === undefined) return false
  if (item.read_at !== null) return true
  await db
    .updateTable('messages')
    .set({ read_at: nowMs, updated_at: nowMs })
    .where('customer_id', '=', customerId)
    .where('id', '=', messageId)
    .execute()
  await recordEngagement(db, { customerId, deliveryId: item.delivery_id, kind: 'opened' }, nowMs)
  return true
}
