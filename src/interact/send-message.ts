import type { Kysely } from 'kysely'
import type { Clock } from '../core/clock.js'
import { newId } from '../core/ids.js'
import { parseJsonObject } from '../core/json.js'
import { err, ok, type Result } from '../core/result.js'
import { findCustomerId } from '../identify/customer-profile.js'
import type { Database } from '../store/database.js'
import type {
  Channel,
  ChannelName,
  ChannelOutcome,
  ChannelSet,
  OutboundEnvelope,
} from './channel.js'
import { decideContact, type ContactPolicy, type PressureDecision } from './contact-pressure.js'
import { ALL_TOPICS, effectiveConsent, listConsents } from './consents.repository.js'
import {
  getDelivery,
  recordTransitions,
  toDelivery,
  type Delivery,
  type DeliveryTransition,
} from './deliveries.repository.js'
import type { MessageLinks } from './message-links.js'
import {
  getMessage,
  insertMessage,
  toMessage,
  type Message,
  type OutboundKind,
} from './messages.repository.js'
import { renderEmailHtml, renderEmailText } from './render-email.js'

/** What sending needs: the database, time, the channels, link signing and the contact rules. */
export interface InteractDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly channels: ChannelSet
  readonly links: MessageLinks
  readonly policy: ContactPolicy
  /**
   * Later rounds for a delivery whose channel gave up after its own quick retries (a webhook
   * still answering 500): it is held and tried again after `baseDelayMs`, doubling each round,
   * and dead-lettered after `rounds` rounds. Default: one round (dead at once).
   */
  readonly retry?: RetryPolicy
}

export interface RetryPolicy {
  readonly rounds: number
  readonly baseDelayMs: number
}

/** Rounds a delivery has had: the first, plus one per retry hold. */
function roundsOf(delivery: Delivery): number {
  return 1 + delivery.history.filter((h) => h.status === 'held' && h.reason === 'retry').length
}

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

interface Recipient {
  readonly email: string | null
  readonly timeZone: string | null
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

/** Per-item report of a run over held deliveries. */
export interface DueDeliveryReport {
  readonly deliveryId: string
  readonly customerId: string
  readonly status: string
  readonly reason: string | null
}

/** A queued delivery untouched this long was orphaned (the process died mid-send). */
export const STALE_QUEUED_MS = 10 * 60_000

/**
 * Sends held deliveries whose time has come, re-checking consent (it may have been withdrawn
 * while the message waited) and contact pressure, and picks up deliveries left `queued` by a
 * process that died before handing them to the channel. Never throws halfway: each delivery's
 * outcome is reported, a failure included (status `error`, left for the next run).
 */
export async function processDueDeliveries(
  deps: InteractDeps,
  options: { readonly limit?: number } = {},
): Promise<readonly DueDeliveryReport[]> {
  const now = deps.clock.now()
  const rows = await deps.db
    .selectFrom('deliveries')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'held'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'queued'), eb('updated_at', '<=', now - STALE_QUEUED_MS)]),
      ]),
    )
    .orderBy('queued_at')
    .limit(options.limit ?? 500)
    .execute()
  const reports: DueDeliveryReport[] = []
  for (const row of rows) {
    const delivery = toDelivery(row)
    try {
      const { status, reason } = await processOne(deps, delivery, now)
      reports.push({ deliveryId: delivery.id, customerId: delivery.customerId, status, reason })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      reports.push({
        deliveryId: delivery.id,
        customerId: delivery.customerId,
        status: 'error',
        reason,
      })
    }
  }
  return reports
}

async function processOne(
  deps: InteractDeps,
  delivery: Delivery,
  now: number,
): Promise<{ readonly status: string; readonly reason: string | null }> {
  const message = await getMessage(deps.db, delivery.customerId, delivery.messageId)
  if (message === null) {
    await recordTransitions(deps.db, delivery, [
      { status: 'dropped', at: now, reason: 'message_missing' },
    ])
    return { status: 'dropped', reason: 'message_missing' }
  }
  const channel = message.channel as ChannelName
  if (message.kind === 'marketing' && message.topic !== null) {
    const consent = effectiveConsent(
      await listConsents(deps.db, delivery.customerId),
      channel,
      message.topic,
    )
    if (consent?.granted !== true) {
      await recordTransitions(
        deps.db,
        delivery,
        [{ status: 'dropped', at: now, reason: 'consent_withdrawn' }],
        { nextAttemptAt: null },
      )
      return { status: 'dropped', reason: 'consent_withdrawn' }
    }
  }
  const recipient = await loadRecipient(deps.db, delivery.customerId)
  const decision: PressureDecision =
    message.kind === 'marketing'
      ? decideContact(
          {
            nowMs: now,
            channel,
            contactTimes: await recentContacts(
              deps.db,
              delivery.customerId,
              channel,
              deps.policy,
              now,
            ),
            timeZone: recipient.timeZone,
          },
          deps.policy,
        )
      : { action: 'send' }
  if (decision.action === 'wait') {
    await recordTransitions(
      deps.db,
      delivery,
      [{ status: 'held', at: now, reason: decision.reason }],
      { holdReason: decision.reason, nextAttemptAt: decision.until },
    )
    return { status: 'held', reason: decision.reason }
  }
  if (decision.action === 'drop') {
    await recordTransitions(deps.db, delivery, [
      { status: 'dropped', at: now, reason: decision.reason },
    ])
    return { status: 'dropped', reason: decision.reason }
  }
  const done = await attemptDelivery(deps, message, delivery, recipient)
  return { status: done.status, reason: done.lastError }
}

/** Hands a recorded message to its channel and records what came of it. */
async function attemptDelivery(
  deps: InteractDeps,
  message: Message,
  delivery: Delivery,
  recipient: Recipient,
): Promise<Delivery> {
  const channelName = message.channel as ChannelName
  const channel = deps.channels[channelName]
  const now = deps.clock.now()
  if (channel === undefined) {
    const error = `channel ${channelName} is not configured`
    return recordTransitions(deps.db, delivery, [{ status: 'failed', at: now, error }], {
      lastError: error,
      nextAttemptAt: null,
    })
  }
  const envelope = buildEnvelope(deps.links, message, delivery, recipient)
  const outcome = await sendSafely(channel, envelope, now)
  const transitions: DeliveryTransition[] = outcome.attempts
    .slice(0, -1)
    .filter((a) => !a.ok)
    .map((a) => ({
      status: 'attempt_failed',
      at: a.at,
      ...(a.error === null ? {} : { error: a.error }),
    }))
  const finishedAt = deps.clock.now()
  const retry = deps.retry ?? { rounds: 1, baseDelayMs: 0 }
  const round = roundsOf(delivery)
  if (outcome.status === 'dead' && round < retry.rounds) {
    // The channel's quick retries are spent; try again later rather than give up now.
    const lastAttempt = outcome.attempts[outcome.attempts.length - 1]
    transitions.push({
      status: 'attempt_failed',
      at: lastAttempt?.at ?? finishedAt,
      ...(lastAttempt?.error == null ? {} : { error: lastAttempt.error }),
    })
    transitions.push({ status: 'held', at: finishedAt, reason: 'retry' })
    return recordTransitions(deps.db, delivery, transitions, {
      attempts: delivery.attempts + outcome.attempts.length,
      lastError: outcome.error,
      nextAttemptAt: finishedAt + retry.baseDelayMs * 2 ** (round - 1),
      holdReason: 'retry',
    })
  }
  transitions.push({
    status: outcome.status,
    at: finishedAt,
    ...(outcome.error === null ? {} : { error: outcome.error }),
  })
  const succeeded = outcome.status === 'sent' || outcome.status === 'delivered'
  if (succeeded) {
    await deps.db
      .insertInto('contact_log')
      .values({
        customer_id: message.customerId,
        channel: channelName,
        message_id: message.id,
        contacted_at: finishedAt,
      })
      .onConflict((oc) => oc.columns(['customer_id', 'channel', 'message_id']).doNothing())
      .execute()
  }
  return recordTransitions(deps.db, delivery, transitions, {
    attempts: delivery.attempts + outcome.attempts.length,
    lastError: outcome.error,
    nextAttemptAt: null,
    holdReason: null,
  })
}

/** A channel that throws (a bug, not a refusal) still yields a recorded failure. */
async function sendSafely(
  channel: Channel,
  envelope: OutboundEnvelope,
  at: number,
): Promise<ChannelOutcome> {
  try {
    return await channel.send(envelope)
  } catch (error) {
    const message = `channel error: ${error instanceof Error ? error.message : String(error)}`
    return {
      status: 'failed',
      attempts: [{ at, ok: false, error: message }],
      error: message,
      detail: null,
    }
  }
}

function buildEnvelope(
  links: MessageLinks,
  message: Message,
  delivery: Delivery,
  recipient: Recipient,
): OutboundEnvelope {
  const transactional = message.kind !== 'marketing'
  // Transactional mail carries the header too; it then withdraws all marketing on the channel.
  const unsubscribe = links.unsubscribe(
    message.customerId,
    message.channel,
    transactional ? ALL_TOPICS : (message.topic ?? ALL_TOPICS),
  )
  const preferences = links.preferences(message.customerId)
  const footer = { unsubscribe, preferences, transactional, topic: message.topic }
  const html = message.data['html']
  return {
    deliveryId: delivery.id,
    messageId: message.id,
    customerId: message.customerId,
    to: recipient.email,
    kind: message.kind,
    topic: message.topic,
    transactional,
    subject: message.subject ?? '',
    text: renderEmailText(message.body, footer),
    html:
      message.channel === 'email'
        ? renderEmailHtml(typeof html === 'string' ? html : null, message.body, footer, {
            pixel: links.openPixel(message.customerId, delivery.id),
            click: (url) => links.click(message.customerId, delivery.id, url),
          })
        : null,
    headers:
      message.channel === 'email'
        ? {
            'List-Unsubscribe': `<${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'X-Idic-Kind': transactional ? 'transactional' : 'marketing',
            ...(transactional ? { 'Auto-Submitted': 'auto-generated' } : {}),
          }
        : {},
  }
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

async function loadRecipient(db: Kysely<Database>, customerId: string): Promise<Recipient> {
  const row = await db
    .selectFrom('customers')
    .select(['traits', 'email'])
    .where('id', '=', customerId)
    .executeTakeFirst()
  const traits = parseJsonObject(row?.traits)
  const traitEmail = traits['email']
  const zone = traits['timezone']
  return {
    email: typeof traitEmail === 'string' ? traitEmail.trim() : (row?.email ?? null),
    timeZone: typeof zone === 'string' ? zone : null,
  }
}

async function recentContacts(
  db: Kysely<Database>,
  customerId: string,
  channel: ChannelName,
  policy: ContactPolicy,
  nowMs: number,
): Promise<number[]> {
  const cap = policy.caps[channel]
  if (cap === undefined) return []
  const rows = await db
    .selectFrom('contact_log')
    .select('contacted_at')
    .where('customer_id', '=', customerId)
    .where('channel', '=', channel)
    .where('contacted_at', '>', nowMs - cap.periodMs)
    .execute()
  return rows.map((r) => r.contacted_at)
}
