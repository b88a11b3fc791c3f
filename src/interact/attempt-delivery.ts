import type { Kysely } from 'kysely'
import { parseJsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import type { Channel, ChannelName, ChannelOutcome, OutboundEnvelope } from './channel.js'
import type { ContactPolicy } from './contact-pressure.js'
import { ALL_TOPICS } from './consents.repository.js'
import {
  recordTransitions,
  type Delivery,
  type DeliveryTransition,
  type TransitionPatch,
} from './deliveries.repository.js'
import type { InteractDeps } from './interact-deps.js'
import type { MessageLinks } from './message-links.js'
import type { Message } from './messages.repository.js'
import { renderEmailHtml, renderEmailText } from './render-email.js'

export interface Recipient {
  readonly email: string | null
  readonly timeZone: string | null
}

/** Rounds a delivery has had: the first, plus one per retry hold. */
function roundsOf(delivery: Delivery): number {
  return 1 + delivery.history.filter((h) => h.status === 'held' && h.reason === 'retry').length
}

/** What came of handing a message to its channel, to be recorded on its delivery. */
export interface HandOver {
  readonly transitions: readonly DeliveryTransition[]
  readonly patch: TransitionPatch
  /** When the customer was reached (sent or delivered): a contact-log entry; else null. */
  readonly contactedAt: number | null
}

/** Hands a recorded message to its channel and records what came of it. */
export async function attemptDelivery(
  deps: InteractDeps,
  message: Message,
  delivery: Delivery,
  recipient: Recipient,
): Promise<Delivery> {
  const outcome = await handOver(deps, message, delivery, recipient)
  if (outcome.contactedAt !== null) {
    await deps.db
      .insertInto('contact_log')
      .values({
        customer_id: message.customerId,
        channel: message.channel,
        message_id: message.id,
        contacted_at: outcome.contactedAt,
      })
      .onConflict((oc) => oc.columns(['customer_id', 'channel', 'message_id']).doNothing())
      .execute()
  }
  return recordTransitions(deps.db, delivery, outcome.transitions, outcome.patch)
}

/**
 * Hands a recorded message to its channel and says what to record: the transitions (failed
 * attempts, then sent, delivered, failed, dead, or held for a later retry round), the columns
 * they set, and the contact time when the customer was reached. Records nothing itself, so a
 * batch can record many hand-overs in a few statements.
 */
export async function handOver(
  deps: InteractDeps,
  message: Message,
  delivery: Delivery,
  recipient: Recipient,
): Promise<HandOver> {
  const channelName = message.channel as ChannelName
  const channel = deps.channels[channelName]
  const now = deps.clock.now()
  if (channel === undefined) {
    const error = `channel ${channelName} is not configured`
    return {
      transitions: [{ status: 'failed', at: now, error }],
      patch: { lastError: error, nextAttemptAt: null },
      contactedAt: null,
    }
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
    return {
      transitions,
      patch: {
        attempts: delivery.attempts + outcome.attempts.length,
        lastError: outcome.error,
        nextAttemptAt: finishedAt + retry.baseDelayMs * 2 ** (round - 1),
        holdReason: 'retry',
      },
      contactedAt: null,
    }
  }
  transitions.push({
    status: outcome.status,
    at: finishedAt,
    ...(outcome.error === null ? {} : { error: outcome.error }),
  })
  const succeeded = outcome.status === 'sent' || outcome.status === 'delivered'
  return {
    transitions,
    patch: {
      attempts: delivery.attempts + outcome.attempts.length,
      lastError: outcome.error,
      nextAttemptAt: null,
      holdReason: null,
    },
    contactedAt: succeeded ? finishedAt : null,
  }
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

export async function loadRecipient(db: Kysely<Database>, customerId: string): Promise<Recipient> {
  const row = await db
    .selectFrom('customers')
    .select(['traits', 'email'])
    .where('id', '=', customerId)
    .executeTakeFirst()
  return recipientOf(row)
}

/** loadRecipient for many customers: one query per chunk. */
export async function loadRecipients(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Map<string, Recipient>> {
  const unique = [...new Set(customerIds)]
  const rows = new Map<string, { traits: string; email: string | null }>()
  for (let start = 0; start < unique.length; start += 5000) {
    const chunk = await db
      .selectFrom('customers')
      .select(['id', 'traits', 'email'])
      .where('id', 'in', unique.slice(start, start + 5000))
      .execute()
    for (const r of chunk) rows.set(r.id, r)
  }
  return new Map(unique.map((id) => [id, recipientOf(rows.get(id))]))
}

function recipientOf(row: { traits: string; email: string | null } | undefined): Recipient {
  const traits = parseJsonObject(row?.traits)
  const traitEmail = traits['email']
  const zone = traits['timezone']
  return {
    email: typeof traitEmail === 'string' ? traitEmail.trim() : (row?.email ?? null),
    timeZone: typeof zone === 'string' ? zone : null,
  }
}

export async function recentContacts(
  db: Kysely<Database>,
  customerId: string,
  channel: ChannelName,
  policy: ContactPolicy,
  nowMs: number,
): Promise<number[]> {
  return (await recentContactsOf(db, [customerId], channel, policy, nowMs)).get(customerId) ?? []
}

/**
 * Times of each customer's contacts on a channel within its frequency cap's period (none when
 * the channel has no cap): one query per chunk of customers.
 */
export async function recentContactsOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
  channel: ChannelName,
  policy: ContactPolicy,
  nowMs: number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  const cap = policy.caps[channel]
  if (cap === undefined) return out
  const unique = [...new Set(customerIds)]
  for (let start = 0; start < unique.length; start += 5000) {
    const rows = await db
      .selectFrom('contact_log')
      .select(['customer_id', 'contacted_at'])
      .where('customer_id', 'in', unique.slice(start, start + 5000))
      .where('channel', '=', channel)
      .where('contacted_at', '>', nowMs - cap.periodMs)
      .execute()
    for (const r of rows) {
      let times = out.get(r.customer_id)
      if (times === undefined) {
        times = []
        out.set(r.customer_id, times)
      }
      times.push(r.contacted_at)
    }
  }
  return out
}
