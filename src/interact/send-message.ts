import type { Kysely } from 'kysely'
import { newId } from '../core/ids.js'
import { err, ok, type Result } from '../core/result.js'
import { findCustomerId } from '../identify/customer-profile.js'
import type { Database } from '../store/database.js'
import { attemptDelivery, loadRecipient, recentContacts } from './attempt-delivery.js'
import type { ChannelName } from './channel.js'
import { decideContact, type PressureDecision } from './contact-pressure.js'
import { effectiveConsent, listConsents } from './consents.repository.js'
import {
  getDelivery,
  toDelivery,
  type Delivery,
  type DeliveryTransition,
} from './deliveries.repository.js'
import type { InteractDeps } from './interact-deps.js'
import { insertMessage, toMessage, type Message, type OutboundKind } from './messages.repository.js'

export interface SendRequest {
  /** Customer id, userId, email or anonymousId. */
  readonly identity: string
  readonly channel: ChannelName
  readonly kind: OutboundKind
  /** Consent topic; required for marketing. */
  readonly topic?: string | null | undefined
  readonly subject: string
  readonly body: string
  readonly html?: string | null | undefined
  /** Repeating a send with the same key returns the first one instead of sending twice. */
  readonly idempotencyKey?: string | undefined
  readonly inReplyTo?: string | null | undefined
}

/** Why nothing was sent (and nothing recorded): the caller is told at once. */
export type SendError =
  | { readonly type: 'unknown_customer'; readonly identity: string }
  | { readonly type: 'missing_topic' }
  | { readonly type: 'no_consent'; readonly channel: string; readonly topic: string }
  | { readonly type: 'no_address'; readonly channel: string }
  | { readonly type: 'invalid_address'; readonly address: string }
  | { readonly type: 'channel_unavailable'; readonly channel: string }

export interface SendOutcome {
  readonly message: Message
  readonly delivery: Delivery
  /** True when the idempotency key named an earlier send; nothing new was sent. */
  readonly duplicate: boolean
}

const EMAIL_PATTERN = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/

export function isValidEmail(address: string): boolean {
  return address.length <= 254 && EMAIL_PATTERN.test(address)
}

/**
 * Sends one message to one customer through one channel, and records it: the message in the
 * customer's thread and a delivery whose history shows every status it went through.
 *
 * Marketing goes out only with consent for the channel and topic; transactional messages and
 * answers are marked as such and skip consent, caps and quiet hours. A marketing message over a
 * frequency cap or inside the customer's quiet hours is held until the window reopens, or
 * dropped, by policy; the delivery says which and why. Channel failures (SMTP refusal, webhook
 * 500, timeout) are recorded as failed or dead deliveries, never thrown.
 */
export async function sendMessage(
  deps: InteractDeps,
  request: SendRequest,
): Promise<Result<SendOutcome, SendError>> {
  const { db } = deps
  const customerId = await findCustomerId(db, request.identity)
  if (customerId === null) return err({ type: 'unknown_customer', identity: request.identity })
  if (request.idempotencyKey !== undefined) {
    const earlier = await findEarlier(db, customerId, request.idempotencyKey)
    if (earlier !== null) return ok({ ...earlier, duplicate: true })
  }
  const marketing = request.kind === 'marketing'
  const topic = request.topic ?? null
  if (marketing && (topic === null || topic === '')) return err({ type: 'missing_topic' })
  if (deps.channels[request.channel] === undefined) {
    return err({ type: 'channel_unavailable', channel: request.channel })
  }
  if (marketing && topic !== null) {
    const consent = effectiveConsent(await listConsents(db, customerId), request.channel, topic)
    if (consent?.granted !== true)
      return err({ type: 'no_consent', channel: request.channel, topic })
  }
  const recipient = await loadRecipient(db, customerId)
  let address: string | null = null
  if (request.channel === 'email') {
    if (recipient.email === null) return err({ type: 'no_address', channel: 'email' })
    if (!isValidEmail(recipient.email)) {
      return err({ type: 'invalid_address', address: recipient.email })
    }
    address = recipient.email
  }
  const now = deps.clock.now()
  const decision: PressureDecision = marketing
    ? decideContact(
        {
          nowMs: now,
          channel: request.channel,
          contactTimes: await recentContacts(db, customerId, request.channel, deps.policy, now),
          timeZone: recipient.timeZone,
        },
        deps.policy,
      )
    : { action: 'send' }

  const messageId = newId('msg', now)
  const deliveryId = newId('dlv', now)
  const idempotencyKey = request.idempotencyKey ?? messageId
  const initial: DeliveryTransition[] = [{ status: 'queued', at: now }]
  if (decision.action === 'wait') initial.push({ status: 'held', at: now, reason: decision.reason })
  if (decision.action === 'drop') {
    initial.push({ status: 'dropped', at: now, reason: decision.reason })
  }
  const stored = await db.transaction().execute(async (trx) => {
    const inserted = await insertMessage(trx, {
      id: messageId,
      customer_id: customerId,
      direction: 'outbound',
      channel: request.channel,
      kind: request.kind,
      status: null,
      owner_manager_id: null,
      topic,
      subject: request.subject,
      body: request.body,
      data: JSON.stringify(request.html == null ? {} : { html: request.html }),
      in_reply_to: request.inReplyTo ?? null,
      idempotency_key: idempotencyKey,
      read_at: null,
      created_at: now,
      updated_at: now,
    })
    if (!inserted.created) return null
    const last = initial[initial.length - 1]!
    await trx
      .insertInto('deliveries')
      .values({
        id: deliveryId,
        customer_id: customerId,
        message_id: messageId,
        channel: request.channel,
        status: last.status,
        address,
        attempts: 0,
        hold_reason: decision.action === 'send' ? null : decision.reason,
        next_attempt_at: decision.action === 'wait' ? decision.until : null,
        last_error: null,
        history: JSON.stringify(initial),
        queued_at: now,
        sent_at: null,
        delivered_at: null,
        failed_at: null,
        opened_at: null,
        clicked_at: null,
        updated_at: now,
      })
      .execute()
    return inserted.message
  })
  if (stored === null) {
    // A concurrent send with the same key won the race.
    const earlier = await findEarlier(db, customerId, idempotencyKey)
    if (earlier === null) throw new Error(`Send ${idempotencyKey} lost its record`)
    return ok({ ...earlier, duplicate: true })
  }
  const delivery = await getDelivery(db, customerId, deliveryId)
  if (delivery === null) throw new Error(`Delivery ${deliveryId} missing after insert`)
  if (decision.action !== 'send') return ok({ message: stored, delivery, duplicate: false })
  const attempted = await attemptDelivery(deps, stored, delivery, recipient)
  return ok({ message: stored, delivery: attempted, duplicate: false })
}

async function findEarlier(
  db: Kysely<Database>,
  customerId: string,
  idempotencyKey: string,
): Promise<{ message: Message; delivery: Delivery } | null> {
  const message = await db
    .selectFrom('messages')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst()
  if (message === undefined) return null
  const delivery = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('message_id', '=', message.id)
    .orderBy('queued_at', 'desc')
    .executeTakeFirst()
  if (delivery === undefined) return null
  return { message: toMessage(message), delivery: toDelivery(delivery) }
}
