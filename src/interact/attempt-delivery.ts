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

/** Hands a recorded message to its channel and records what came of it. */
export async function attemptDelivery(
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

export async function loadRecipient(db: Kysely<Database>, customerId: string): Promise<Recipient> {
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

export async function recentContacts(
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
