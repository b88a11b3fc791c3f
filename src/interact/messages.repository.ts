import type { Kysely } from 'kysely'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import type { MessagesTable } from '../store/tables/interact.table.js'

export const INBOUND_KINDS = [
  'question',
  'reply',
  'complaint',
  'praise',
  'rating',
  'like',
  'skip',
] as const
export type InboundKind = (typeof INBOUND_KINDS)[number]

/** Outbound kinds: marketing needs consent; transactional and answers do not, and say so. */
export const OUTBOUND_KINDS = ['marketing', 'transactional', 'answer'] as const
export type OutboundKind = (typeof OUTBOUND_KINDS)[number]

export const THREAD_STATUSES = ['open', 'answered', 'closed'] as const
export type ThreadStatus = (typeof THREAD_STATUSES)[number]

/** Inbound kinds that wait for someone to answer them. */
export const NEEDS_ANSWER: readonly InboundKind[] = ['question', 'complaint']

export interface Message {
  readonly id: string
  readonly customerId: string
  readonly direction: 'inbound' | 'outbound'
  readonly channel: string
  readonly kind: string
  readonly status: string | null
  readonly ownerManagerId: string | null
  readonly topic: string | null
  readonly subject: string | null
  readonly body: string
  readonly data: JsonObject
  readonly inReplyTo: string | null
  readonly idempotencyKey: string
  readonly readAt: number | null
  readonly createdAt: number
  readonly updatedAt: number
}

export function toMessage(row: MessagesTable): Message {
  return {
    id: row.id,
    customerId: row.customer_id,
    direction: row.direction === 'inbound' ? 'inbound' : 'outbound',
    channel: row.channel,
    kind: row.kind,
    status: row.status,
    ownerManagerId: row.owner_manager_id,
    topic: row.topic,
    subject: row.subject,
    body: row.body,
    data: parseJsonObject(row.data),
    inReplyTo: row.in_reply_to,
    idempotencyKey: row.idempotency_key,
    readAt: row.read_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Inserts a message unless one with the same idempotency key exists; returns the stored one. */
export async function insertMessage(
  db: Kysely<Database>,
  row: MessagesTable,
): Promise<{ readonly message: Message; readonly created: boolean }> {
  const result = await db
    .insertInto('messages')
    .values(row)
    .onConflict((oc) => oc.columns(['customer_id', 'idempotency_key']).doNothing())
    .executeTakeFirst()
  const created = (result.numInsertedOrUpdatedRows ?? 0n) > 0n
  const stored = await findMessageByKey(db, row.customer_id, row.idempotency_key)
  if (stored === null) throw new Error(`Message ${row.id} vanished after insert`)
  return { message: stored, created }
}

export async function findMessageByKey(
  db: Kysely<Database>,
  customerId: string,
  idempotencyKey: string,
): Promise<Message | null> {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
  return row === undefined ? null : toMessage(row)
}

export async function getMessage(
  db: Kysely<Database>,
  customerId: string,
  messageId: string,
): Promise<Message | null> {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('id', '=', messageId)
    .executeTakeFirst()
  return row === undefined ? null : toMessage(row)
}

/** The customer's conversation: every message in and out, oldest first. */
export async function listThread(
  db: Kysely<Database>,
  customerId: string,
  options: { readonly limit?: number } = {},
): Promise<readonly Message[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 200)
    .execute()
  return rows.reverse().map(toMessage)
}
