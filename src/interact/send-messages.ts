import type { Kysely } from 'kysely'
import { newId } from '../core/ids.js'
import { err, ok, type Result } from '../core/result.js'
import { findCustomerIds } from '../identify/customer-profile.js'
import { BulkStatements, type SqlValue } from '../store/bulk-statements.js'
import type { Database } from '../store/database.js'
import { capabilitiesOf } from '../store/engine.js'
import type { DeliveriesTable, MessagesTable } from '../store/tables/interact.table.js'
import {
  attemptDelivery,
  handOver,
  loadRecipients,
  recentContactsOf,
  type Recipient,
} from './attempt-delivery.js'
import type { ChannelName } from './channel.js'
import { decideContact, type PressureDecision } from './contact-pressure.js'
import { effectiveConsent, listConsentsOf, type Consent } from './consents.repository.js'
import {
  getDelivery,
  toDelivery,
  transitionUpdate,
  type Delivery,
  type DeliveryTransition,
} from './deliveries.repository.js'
import type { InteractDeps } from './interact-deps.js'
import { toMessage, type Message } from './messages.repository.js'
import type { SendError, SendOutcome, SendRequest } from './send-request.js'

export type SendResult = Result<SendOutcome, SendError>

const EMAIL_PATTERN = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/

export function isValidEmail(address: string): boolean {
  return address.length <= 254 && EMAIL_PATTERN.test(address)
}

/** A request whose customer is known, with its place in the caller's list. */
interface Pending {
  readonly index: number
  readonly request: SendRequest
  readonly customerId: string
}

/** A message about to be recorded, and what then happens to it. */
interface Planned {
  readonly item: Pending
  readonly message: MessagesTable
  readonly delivery: DeliveriesTable
  readonly decision: PressureDecision
  readonly recipient: Recipient
}

const MESSAGE_COLUMNS = [
  'id',
  'customer_id',
  'direction',
  'channel',
  'kind',
  'status',
  'owner_manager_id',
  'topic',
  'subject',
  'body',
  'data',
  'in_reply_to',
  'idempotency_key',
  'read_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof MessagesTable)[]

const DELIVERY_COLUMNS = [
  'id',
  'customer_id',
  'message_id',
  'channel',
  'status',
  'address',
  'attempts',
  'hold_reason',
  'next_attempt_at',
  'last_error',
  'history',
  'queued_at',
  'sent_at',
  'delivered_at',
  'failed_at',
  'opened_at',
  'clicked_at',
  'updated_at',
] as const satisfies readonly (keyof DeliveriesTable)[]

/**
 * Sends many messages as `sendMessage` sends one, with the same rules and the same outcome per
 * message (sent, held, dropped, refused with its reason, or the earlier send of a repeated
 * idempotency key), in input order; never stops halfway for one message's refusal.
 *
 * What sendMessage reads per message is read once per batch: customers, earlier sends under
 * the requests' idempotency keys, consents, recipients, and contact history for the caps. The
 * messages and their deliveries are stored in one transaction with multi-row inserts, before
 * any channel is called (a crash afterwards leaves queued deliveries, which
 * processDueDeliveries sends, and keys a retry answers as duplicates); then each message is
 * handed to its channel, and the outcomes (delivery transitions, contact log) are written in a
 * second transaction.
 *
 * A customer named twice is served in order: the second request is decided after the first is
 * recorded (its cap counts the first; a repeated key is a duplicate), as two calls would be.
 * An infrastructure failure (the database) throws, as sendMessage's does.
 */
export async function sendMessages(
  deps: InteractDeps,
  requests: readonly SendRequest[],
): Promise<SendResult[]> {
  const results: (SendResult | undefined)[] = new Array<SendResult | undefined>(requests.length)
  const customers = await findCustomerIds(
    deps.db,
    requests.map((r) => r.identity),
  )
  // Rounds in which each customer appears at most once, so that what one message changes (the
  // contact log, the idempotency keys) is read fresh by that customer's next one.
  const rounds: Pending[][] = []
  const seen = new Map<string, number>()
  for (const [index, request] of requests.entries()) {
    const customerId = customers.get(request.identity) ?? null
    if (customerId === null) {
      results[index] = err({ type: 'unknown_customer', identity: request.identity })
      continue
    }
    const round = seen.get(customerId) ?? 0
    seen.set(customerId, round + 1)
    let list = rounds[round]
    if (list === undefined) {
      list = []
      rounds[round] = list
    }
    list.push({ index, request, customerId })
  }
  for (const round of rounds) {
    const done = await sendRound(deps, round)
    for (const [i, item] of round.entries()) results[item.index] = done[i]
  }
  return results.map((r, i) => {
    if (r === undefined) throw new Error(`sendMessages lost request ${i}`)
    return r
  })
}

async function sendRound(deps: InteractDeps, items: readonly Pending[]): Promise<SendResult[]> {
  const { db } = deps
  const now = deps.clock.now()
  const ids = items.map((i) => i.customerId)
  const marketing = items.filter((i) => i.request.kind === 'marketing')
  const channels = [...new Set(marketing.map((i) => i.request.channel))]
  const [earlier, consents, recipients, contacts] = await Promise.all([
    findEarlierMany(
      db,
      items.flatMap((i) =>
        i.request.idempotencyKey === undefined
          ? []
          : [{ customerId: i.customerId, key: i.request.idempotencyKey }],
      ),
    ),
    marketing.length === 0
      ? Promise.resolve(new Map<string, Consent[]>())
      : listConsentsOf(
          db,
          marketing.map((i) => i.customerId),
        ),
    loadRecipients(db, ids),
    Promise.all(
      channels.map(
        async (channel) =>
          [
            channel,
            await recentContactsOf(
              db,
              marketing.filter((i) => i.request.channel === channel).map((i) => i.customerId),
              channel,
              deps.policy,
              now,
            ),
          ] as const,
      ),
    ).then((entries) => new Map<ChannelName, Map<string, number[]>>(entries)),
  ])

  const results: (SendResult | undefined)[] = new Array<SendResult | undefined>(items.length)
  const planned: { readonly at: number; readonly plan: Planned }[] = []
  for (const [at, item] of items.entries()) {
    const { request, customerId } = item
    if (request.idempotencyKey !== undefined) {
      const found = earlier.get(pairKey(customerId, request.idempotencyKey))
      if (found !== undefined) {
        results[at] = ok({ ...found, duplicate: true })
        continue
      }
    }
    const decided = decide(deps, item, {
      now,
      consents: consents.get(customerId) ?? [],
      recipient: recipients.get(customerId) ?? { email: null, timeZone: null },
      contactTimes: contacts.get(request.channel)?.get(customerId) ?? [],
    })
    if (!decided.ok) results[at] = decided
    else planned.push({ at, plan: decided.value })
  }
  if (planned.length === 0) return complete(results)

  // Channels that do no I/O of their own (the in-app inbox: the message row is the delivery)
  // are handed their messages first, so that each message is stored once, in its final state,
  // in the same transaction as the contact log: nothing reaches the customer unless it commits.
  const early = new Map<string, Handed>()
  for (const { plan } of planned) {
    if (
      plan.decision.action === 'send' &&
      deps.channels[plan.message.channel as ChannelName]?.immediate === true
    ) {
      early.set(plan.message.id, await handOverPlanned(deps, plan))
    }
  }
  const created = await db.transaction().execute(async (trx) => {
    // The SQLite handle is the connection `trx` holds: its statements join the transaction.
    const bulk = new BulkStatements(trx, capabilitiesOf(trx), deps.sqlite ?? null)
    const inserted = await bulk.insert(
      'messages',
      MESSAGE_COLUMNS,
      planned.map(({ plan }) => MESSAGE_COLUMNS.map((c) => plan.message[c])),
      'ON CONFLICT (customer_id, idempotency_key) DO NOTHING',
      ['id'],
    )
    const made = new Set(inserted.returned.map((r) => String(r['id'])))
    const stored = planned.filter(({ plan }) => made.has(plan.message.id))
    await bulk.insert(
      'deliveries',
      DELIVERY_COLUMNS,
      stored.map(({ plan }) => {
        const row = early.get(plan.message.id)?.row ?? plan.delivery
        return DELIVERY_COLUMNS.map((c) => row[c])
      }),
      '',
    )
    await insertContacts(
      bulk,
      stored.flatMap(({ plan }) => contactOf(early.get(plan.message.id))),
    )
    return made
  })

  for (const { at, plan } of planned) {
    const { message, delivery, decision } = plan
    if (!created.has(message.id)) {
      // A concurrent send with the same key won the race.
      const first = await findEarlierMany(db, [
        { customerId: message.customer_id, key: message.idempotency_key },
      ])
      const found = first.get(pairKey(message.customer_id, message.idempotency_key))
      if (found === undefined) throw new Error(`Send ${message.idempotency_key} lost its record`)
      results[at] = ok({ ...found, duplicate: true })
      continue
    }
    const stored = toMessage(message)
    const handed = early.get(message.id)
    if (handed !== undefined || decision.action !== 'send') {
      results[at] = ok({
        message: stored,
        delivery: toDelivery(handed?.row ?? delivery),
        duplicate: false,
      })
      continue
    }
    // A channel with I/O of its own (SMTP, a webhook) may take seconds per message: each one is
    // claimed before it is handed over, as processDueDeliveries claims, so that a delivery left
    // queued long enough to look orphaned is never sent by both, and recorded as soon as it is
    // handed over, so a crash repeats at most the message in hand.
    const claimed = await db
      .updateTable('deliveries')
      .set({ updated_at: deps.clock.now() })
      .where('customer_id', '=', delivery.customer_id)
      .where('id', '=', delivery.id)
      .where('status', '=', 'queued')
      .where('updated_at', '=', delivery.updated_at)
      .executeTakeFirst()
    if (claimed.numUpdatedRows === 0n) {
      const current = await getDelivery(db, delivery.customer_id, delivery.id)
      if (current === null) throw new Error(`Delivery ${delivery.id} vanished`)
      results[at] = ok({ message: stored, delivery: current, duplicate: false })
      continue
    }
    const done = await attemptDelivery(deps, stored, toDelivery(delivery), plan.recipient)
    results[at] = ok({ message: stored, delivery: done, duplicate: false })
  }
  return complete(results)
}

/** A message handed to its channel: its delivery row after that, and its contact-log entry. */
interface Handed {
  readonly row: DeliveriesTable
  readonly contact: readonly SqlValue[] | null
}

async function handOverPlanned(deps: InteractDeps, plan: Planned): Promise<Handed> {
  const { message, delivery } = plan
  const queued = toDelivery(delivery)
  const outcome = await handOver(deps, toMessage(message), queued, plan.recipient)
  const update = transitionUpdate(queued, outcome.transitions, outcome.patch)
  return {
    row: update === null ? delivery : { ...delivery, ...update },
    contact:
      outcome.contactedAt === null
        ? null
        : [message.customer_id, message.channel, message.id, outcome.contactedAt],
  }
}

function contactOf(handed: Handed | undefined): (readonly SqlValue[])[] {
  return handed?.contact == null ? [] : [handed.contact]
}

async function insertContacts(
  bulk: BulkStatements,
  rows: readonly (readonly SqlValue[])[],
): Promise<void> {
  await bulk.insert(
    'contact_log',
    ['customer_id', 'channel', 'message_id', 'contacted_at'],
    rows,
    'ON CONFLICT (customer_id, channel, message_id) DO NOTHING',
  )
}

function complete(results: readonly (SendResult | undefined)[]): SendResult[] {
  return results.map((r, i) => {
    if (r === undefined) throw new Error(`send round lost item ${i}`)
    return r
  })
}

/** sendMessage's checks for one message, in its order, and the rows to store when it passes. */
function decide(
  deps: InteractDeps,
  item: Pending,
  read: {
    readonly now: number
    readonly consents: readonly Consent[]
    readonly recipient: Recipient
    readonly contactTimes: readonly number[]
  },
): Result<Planned, SendError> {
  const { request, customerId } = item
  const { now, recipient } = read
  const marketing = request.kind === 'marketing'
  const topic = request.topic ?? null
  if (marketing && (topic === null || topic === '')) return err({ type: 'missing_topic' })
  if (deps.channels[request.channel] === undefined) {
    return err({ type: 'channel_unavailable', channel: request.channel })
  }
  if (marketing && topic !== null) {
    const consent = effectiveConsent(read.consents, request.channel, topic)
    if (consent?.granted !== true) {
      return err({ type: 'no_consent', channel: request.channel, topic })
    }
  }
  let address: string | null = null
  if (request.channel === 'email') {
    if (recipient.email === null) return err({ type: 'no_address', channel: 'email' })
    if (!isValidEmail(recipient.email)) {
      return err({ type: 'invalid_address', address: recipient.email })
    }
    address = recipient.email
  }
  const decision: PressureDecision = marketing
    ? decideContact(
        {
          nowMs: now,
          channel: request.channel,
          contactTimes: read.contactTimes,
          timeZone: recipient.timeZone,
        },
        deps.policy,
      )
    : { action: 'send' }
  const messageId = newId('msg', now)
  const initial: DeliveryTransition[] = [{ status: 'queued', at: now }]
  if (decision.action === 'wait') initial.push({ status: 'held', at: now, reason: decision.reason })
  if (decision.action === 'drop') {
    initial.push({ status: 'dropped', at: now, reason: decision.reason })
  }
  const last = initial[initial.length - 1]!
  return ok({
    item,
    decision,
    recipient,
    message: {
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
      idempotency_key: request.idempotencyKey ?? messageId,
      read_at: null,
      created_at: now,
      updated_at: now,
    },
    delivery: {
      id: newId('dlv', now),
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
      converted_at: null,
      conversion_order_id: null,
      conversion_revenue: null,
      conversion_currency: null,
    },
  })
}

function pairKey(customerId: string, key: string): string {
  return `${customerId}\u0000${key}`
}

/**
 * The messages stored under (customer, idempotency key) pairs, with each one's latest delivery:
 * one query per table and chunk.
 */
async function findEarlierMany(
  db: Kysely<Database>,
  pairs: readonly { readonly customerId: string; readonly key: string }[],
): Promise<Map<string, { message: Message; delivery: Delivery }>> {
  const out = new Map<string, { message: Message; delivery: Delivery }>()
  const wanted = new Set(pairs.map((p) => pairKey(p.customerId, p.key)))
  for (let start = 0; start < pairs.length; start += 5000) {
    const chunk = pairs.slice(start, start + 5000)
    const messages = (
      await db
        .selectFrom('messages')
        .selectAll()
        .where('customer_id', 'in', [...new Set(chunk.map((p) => p.customerId))])
        .where('idempotency_key', 'in', [...new Set(chunk.map((p) => p.key))])
        .execute()
    ).filter((m) => wanted.has(pairKey(m.customer_id, m.idempotency_key)))
    if (messages.length === 0) continue
    const deliveries = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('customer_id', 'in', [...new Set(messages.map((m) => m.customer_id))])
      .where(
        'message_id',
        'in',
        messages.map((m) => m.id),
      )
      .orderBy('queued_at', 'desc')
      .execute()
    const latest = new Map<string, DeliveriesTable>()
    for (const d of deliveries) {
      const key = `${d.customer_id}\u0000${d.message_id}`
      if (!latest.has(key)) latest.set(key, d)
    }
    for (const m of messages) {
      const delivery = latest.get(`${m.customer_id}\u0000${m.id}`)
      if (delivery === undefined) continue
      out.set(pairKey(m.customer_id, m.idempotency_key), {
        message: toMessage(m),
        delivery: toDelivery(delivery),
      })
    }
  }
  return out
}
