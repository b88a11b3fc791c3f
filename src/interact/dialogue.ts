import type { Kysely } from 'kysely'
import type { Clock } from '../core/clock.js'
import { newId } from '../core/ids.js'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import { err, ok, type Result } from '../core/result.js'
import { findCustomerId } from '../identify/customer-profile.js'
import type { StoredEvent } from '../identify/ingest-events.js'
import type { EventRejection, NormalizedEvent } from '../identify/segment-event.js'
import type { Database } from '../store/database.js'
import type { ChannelName } from './channel.js'
import {
  findMessageByKey,
  getMessage,
  NEEDS_ANSWER,
  type InboundKind,
  type Message,
  type ThreadStatus,
} from './messages.repository.js'
import type { InteractDeps } from './interact-deps.js'
import { sendMessage } from './send-message.js'
import type { SendError, SendOutcome } from './send-request.js'

/**
 * Segment track events that are the customer talking to us. Sent from an SDK
 * (`analytics.track('Customer Question Asked', { text: '…' })`) or posted to
 * `/v1/customers/:identity/messages`, they land on the timeline and in the customer's thread.
 * Properties read: `text` (or `body`), `subject`, `rating` (1–5), `product_id`, `in_reply_to`,
 * `channel`.
 */
export const DIALOGUE_EVENTS = {
  'Customer Question Asked': 'question',
  'Customer Replied': 'reply',
  'Customer Complaint': 'complaint',
  'Customer Praised': 'praise',
  'Customer Rated': 'rating',
  'Customer Liked': 'like',
  'Customer Skipped': 'skip',
} as const satisfies Record<string, InboundKind>

export const DIALOGUE_EVENT_OF = Object.fromEntries(
  Object.entries(DIALOGUE_EVENTS).map(([name, kind]) => [kind, name]),
) as Record<InboundKind, keyof typeof DIALOGUE_EVENTS>

function dialogueKindOf(name: string | null): InboundKind | null {
  if (name === null) return null
  return (DIALOGUE_EVENTS as Readonly<Record<string, InboundKind>>)[name] ?? null
}

/**
 * Refuses a dialogue event whose rating is not one (ingestion rejects it with its index and this
 * reason): `Customer Rated` needs `properties.rating` from 1 to 5, as the API does, and a rating
 * sent with any other dialogue event must be one too. Other events pass.
 */
export function checkDialogueEvent(event: NormalizedEvent): EventRejection | null {
  if (event.type !== 'track') return null
  const kind = dialogueKindOf(event.name)
  if (kind === null) return null
  const rating = event.properties['rating']
  if (rating === undefined && kind !== 'rating') return null
  if (typeof rating === 'number' && rating >= 1 && rating <= 5) return null
  return {
    code: 'invalid_event',
    message: 'properties.rating: must be a number from 1 to 5',
    path: 'properties.rating',
  }
}

/**
 * Turns stored dialogue events into thread messages (ingestion calls this inside its
 * transaction; idempotent by event id). Questions and complaints open with an owner: the
 * customer's manager, else the active manager with the fewest open threads. A reply reopens
 * the customer's latest answered question or complaint. Likes, skips and ratings of a product
 * also become product interactions for the recommenders.
 */
export async function projectDialogueEvents(
  db: Kysely<Database>,
  events: readonly StoredEvent[],
  nowMs: number,
): Promise<void> {
  const dialogue = events
    .filter((e) => e.type === 'track' && dialogueKindOf(e.name) !== null)
    .sort((a, b) => a.occurredAt - b.occurredAt)
  for (const event of dialogue) {
    const kind = dialogueKindOf(event.name)
    if (kind !== null) await projectOne(db, event, kind, nowMs)
  }
}

async function projectOne(
  db: Kysely<Database>,
  event: StoredEvent,
  kind: InboundKind,
  nowMs: number,
): Promise<void> {
  const props = event.properties
  const text = stringProp(props, 'text') ?? stringProp(props, 'body') ?? ''
  const rating = typeof props['rating'] === 'number' ? props['rating'] : null
  const productId = stringProp(props, 'product_id')
  const needsAnswer = NEEDS_ANSWER.includes(kind)
  const owner = needsAnswer ? await ownerFor(db, event.customerId) : null
  const data: JsonObject = {
    event: event.messageId,
    ...(rating === null ? {} : { rating }),
    ...(productId === null ? {} : { product_id: productId }),
  }
  const result = await db
    .insertInto('messages')
    .values({
      id: newId('msg', event.occurredAt),
      customer_id: event.customerId,
      direction: 'inbound',
      channel: stringProp(props, 'channel') ?? 'event',
      kind,
      status: needsAnswer ? 'open' : null,
      owner_manager_id: owner,
      topic: null,
      subject: stringProp(props, 'subject'),
      body: text,
      data: JSON.stringify(data),
      in_reply_to: stringProp(props, 'in_reply_to'),
      idempotency_key: `event:${event.messageId}`,
      read_at: null,
      created_at: event.occurredAt,
      updated_at: nowMs,
    })
    .onConflict((oc) => oc.columns(['customer_id', 'idempotency_key']).doNothing())
    .executeTakeFirst()
  if ((result.numInsertedOrUpdatedRows ?? 0n) === 0n) return
  if (kind === 'reply') await reopenLatestAnswered(db, event.customerId, nowMs)
  const interaction =
    kind === 'like' || kind === 'skip'
      ? kind
      : kind === 'rating' && rating !== null
        ? 'rating'
        : null
  if (interaction !== null && productId !== null) {
    await db
      .insertInto('interactions')
      .values({
        customer_id: event.customerId,
        message_id: event.messageId,
        product_id: productId,
        kind: interaction,
        value: interaction === 'rating' ? (rating ?? 0) : 1,
        occurred_at: event.occurredAt,
      })
      .onConflict((oc) => oc.columns(['customer_id', 'message_id', 'product_id']).doNothing())
      .execute()
  }
}

function stringProp(props: JsonObject, key: string): string | null {
  const value = props[key]
  return typeof value === 'string' && value !== '' ? value : null
}

async function ownerFor(db: Kysely<Database>, customerId: string): Promise<string | null> {
  const customer = await db
    .selectFrom('customers')
    .select('manager_id')
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (customer?.manager_id != null) return customer.manager_id
  const managers = await db
    .selectFrom('managers')
    .leftJoin('messages', (join) =>
      join
        .onRef('messages.owner_manager_id', '=', 'managers.id')
        .on('messages.status', '=', 'open'),
    )
    .select((eb) => ['managers.id', eb.fn.count<number>('messages.id').as('open')])
    .where('managers.active', '=', 1)
    .groupBy('managers.id')
    .orderBy('open')
    .orderBy('managers.id')
    .limit(1)
    .execute()
  return managers[0]?.id ?? null
}

async function reopenLatestAnswered(
  db: Kysely<Database>,
  customerId: string,
  nowMs: number,
): Promise<void> {
  const latest = await db
    .selectFrom('messages')
    .select('id')
    .where('customer_id', '=', customerId)
    .where('status', '=', 'answered')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (latest === undefined) return
  await setThreadStatusRow(db, customerId, latest.id, 'open', nowMs)
}

export interface InboundRequest {
  readonly identity: string
  readonly kind: InboundKind
  readonly text: string
  readonly subject?: string | null | undefined
  readonly rating?: number | null | undefined
  readonly productId?: string | null | undefined
  readonly inReplyTo?: string | null | undefined
  /** A retry with the same key is stored once. */
  readonly idempotencyKey?: string | undefined
}

export type InboundError =
  | { readonly type: 'unknown_customer'; readonly identity: string }
  | { readonly type: 'invalid_rating'; readonly message: string }

/**
 * Records something a customer said through the API: as a dialogue event on their timeline
 * (the same event an SDK would send) and as a message in their thread, in one transaction.
 */
export async function recordInboundMessage(
  deps: { readonly db: Kysely<Database>; readonly clock: Clock },
  request: InboundRequest,
): Promise<Result<Message, InboundError>> {
  const rating = request.rating ?? null
  if (request.kind === 'rating' && (rating === null || rating < 1 || rating > 5)) {
    return err({ type: 'invalid_rating', message: 'a rating needs a value from 1 to 5' })
  }
  const customerId = await findCustomerId(deps.db, request.identity)
  if (customerId === null) return err({ type: 'unknown_customer', identity: request.identity })
  const now = deps.clock.now()
  const eventId =
    request.idempotencyKey === undefined
      ? newId('dlg', now)
      : `dlg:${customerId}:${request.idempotencyKey}`
  const properties: JsonObject = {
    text: request.text,
    channel: 'api',
    ...(request.subject == null ? {} : { subject: request.subject }),
    ...(rating === null ? {} : { rating }),
    ...(request.productId == null ? {} : { product_id: request.productId }),
    ...(request.inReplyTo == null ? {} : { in_reply_to: request.inReplyTo }),
  }
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('events')
      .values({
        message_id: eventId,
        customer_id: customerId,
        type: 'track',
        name: DIALOGUE_EVENT_OF[request.kind],
        user_id: null,
        anonymous_id: null,
        occurred_at: now,
        received_at: now,
        properties: JSON.stringify(properties),
        context: JSON.stringify({ source: 'api' }),
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute()
    await trx
      .updateTable('customers')
      .set({ last_seen_at: now })
      .where('id', '=', customerId)
      .where('last_seen_at', '<', now)
      .execute()
    const stored = await trx
      .selectFrom('events')
      .select(['customer_id', 'name', 'occurred_at', 'properties', 'context'])
      .where('message_id', '=', eventId)
      .executeTakeFirstOrThrow()
    await projectDialogueEvents(
      trx,
      [
        {
          messageId: eventId,
          customerId: stored.customer_id,
          type: 'track',
          name: stored.name,
          occurredAt: stored.occurred_at,
          properties: parseJsonObject(stored.properties),
          context: parseJsonObject(stored.context),
        },
      ],
      now,
    )
  })
  const message = await findMessageByKey(deps.db, customerId, `event:${eventId}`)
  if (message === null) throw new Error(`Inbound message for event ${eventId} was not stored`)
  return ok(message)
}

export type AnswerError =
  | SendError
  | { readonly type: 'unknown_message'; readonly messageId: string }
  | { readonly type: 'not_answerable'; readonly kind: string }

/**
 * Answers a question or complaint through a channel: the answer is sent (transactional, so no
 * marketing consent is needed), recorded in the thread with `in_reply_to`, and the question is
 * marked answered once the channel took it. A failed delivery leaves the question open.
 */
export async function answerMessage(
  deps: InteractDeps,
  request: {
    readonly identity: string
    readonly messageId: string
    readonly channel: ChannelName
    readonly text: string
    readonly subject?: string | null | undefined
    readonly idempotencyKey?: string | undefined
  },
): Promise<Result<SendOutcome, AnswerError>> {
  const customerId = await findCustomerId(deps.db, request.identity)
  if (customerId === null) return err({ type: 'unknown_customer', identity: request.identity })
  const question = await getMessage(deps.db, customerId, request.messageId)
  if (question === null) return err({ type: 'unknown_message', messageId: request.messageId })
  if (question.direction !== 'inbound' || !NEEDS_ANSWER.includes(question.kind as InboundKind)) {
    return err({ type: 'not_answerable', kind: question.kind })
  }
  const sent = await sendMessage(deps, {
    identity: customerId,
    channel: request.channel,
    kind: 'answer',
    topic: null,
    subject: request.subject ?? `Re: ${question.subject ?? 'your message'}`,
    body: request.text,
    inReplyTo: question.id,
    ...(request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey }),
  })
  if (!sent.ok) return sent
  const status = sent.value.delivery.status
  if (status === 'sent' || status === 'delivered') {
    await setThreadStatusRow(deps.db, customerId, question.id, 'answered', deps.clock.now())
  }
  return sent
}

/** Sets the status of a question or complaint (closing it, reopening it). */
export async function setThreadStatus(
  db: Kysely<Database>,
  customerId: string,
  messageId: string,
  status: ThreadStatus,
  nowMs: number,
): Promise<Result<Message, { readonly type: 'unknown_message' | 'not_answerable' }>> {
  const message = await getMessage(db, customerId, messageId)
  if (message === null) return err({ type: 'unknown_message' })
  if (message.status === null) return err({ type: 'not_answerable' })
  await setThreadStatusRow(db, customerId, messageId, status, nowMs)
  const updated = await getMessage(db, customerId, messageId)
  if (updated === null) throw new Error(`Message ${messageId} vanished`)
  return ok(updated)
}

async function setThreadStatusRow(
  db: Kysely<Database>,
  customerId: string,
  messageId: string,
  status: ThreadStatus,
  nowMs: number,
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status, updated_at: nowMs })
    .where('customer_id', '=', customerId)
    .where('id', '=', messageId)
    .execute()
}
