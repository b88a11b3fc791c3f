import { sql, type Kysely } from 'kysely'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import { CHANNELS } from './channel.js'
import { ALL_TOPICS, effectiveConsent, listConsents, type Consent } from './consents.repository.js'

export interface ConsentRow {
  readonly channel: string
  readonly topic: string
  readonly granted: boolean
  /** Where the answer came from and when; null when never asked. */
  readonly source: string | null
  readonly updatedAt: number | null
}

export interface MessageReason {
  readonly at: number
  readonly channel: string
  readonly subject: string | null
  readonly kind: string
  readonly why: string
}

/** What a customer sees about themselves on their preference page. */
export interface PreferenceView {
  readonly customerId: string
  readonly email: string | null
  readonly traits: JsonObject
  readonly identities: readonly { readonly kind: string; readonly value: string }[]
  readonly firstSeenAt: number
  readonly eventCount: number
  readonly purchases: {
    readonly orders: number
    readonly revenue: number
    readonly currencies: readonly string[]
    readonly lastOrderAt: number | null
    readonly topCategories: readonly string[]
  }
  readonly consents: readonly ConsentRow[]
  readonly recentMessages: readonly MessageReason[]
  readonly hasManager: boolean
}

/** Gathers the preference page's content; null when the customer no longer exists. */
export async function getPreferenceView(
  db: Kysely<Database>,
  customerId: string,
): Promise<PreferenceView | null> {
  const customer = await db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (customer === undefined) return null
  const [identities, events, orders, currencies, categories, consents, messages] =
    await Promise.all([
      db
        .selectFrom('identities')
        .select(['kind', 'value'])
        .where('customer_id', '=', customerId)
        .orderBy('first_seen_at')
        .execute(),
      db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('customer_id', '=', customerId)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('orders')
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          sql<number>`coalesce(sum(total - refunded), 0)`.as('revenue'),
          eb.fn.max('placed_at').as('last'),
        ])
        .where('customer_id', '=', customerId)
        .where('status', '!=', 'cancelled')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('orders')
        .select('currency')
        .distinct()
        .where('customer_id', '=', customerId)
        .execute(),
      db
        .selectFrom('order_items')
        .select((eb) => ['category', eb.fn.sum<number>('quantity').as('qty')])
        .where('customer_id', '=', customerId)
        .where('category', 'is not', null)
        .groupBy('category')
        .orderBy('qty', 'desc')
        .limit(5)
        .execute(),
      listConsents(db, customerId),
      db
        .selectFrom('messages')
        .select(['created_at', 'channel', 'subject', 'kind', 'topic'])
        .where('customer_id', '=', customerId)
        .where('direction', '=', 'outbound')
        .orderBy('created_at', 'desc')
        .limit(10)
        .execute(),
    ])
  return {
    customerId,
    email: customer.email,
    traits: parseJsonObject(customer.traits),
    identities,
    firstSeenAt: customer.first_seen_at,
    eventCount: events.n,
    purchases: {
      orders: orders.n,
      revenue: orders.revenue,
      currencies: currencies.map((c) => c.currency),
      lastOrderAt: orders.last,
      topCategories: categories.flatMap((c) => (c.category === null ? [] : [c.category])),
    },
    consents: consentRows(
      consents,
      messages.flatMap((m) => (m.topic === null ? [] : [m.topic])),
    ),
    recentMessages: messages.map((m) => ({
      at: m.created_at,
      channel: m.channel,
      subject: m.subject,
      kind: m.kind,
      why: whyReceived(m.kind, m.channel, m.topic, consents),
    })),
    hasManager: customer.manager_id !== null,
  }
}

/** One row per channel for "everything", plus every topic the customer answered or got. */
function consentRows(consents: readonly Consent[], sentTopics: readonly string[]): ConsentRow[] {
  const rows: ConsentRow[] = []
  for (const channel of CHANNELS) {
    const topics = new Set<string>([ALL_TOPICS])
    for (const c of consents) if (c.channel === channel) topics.add(c.topic)
    for (const topic of sentTopics) topics.add(topic)
    for (const topic of [...topics].sort()) {
      const own = consents.find((c) => c.channel === channel && c.topic === topic) ?? null
      const governing = effectiveConsent(consents, channel, topic)
      rows.push({
        channel,
        topic,
        granted: governing?.granted ?? false,
        source: own?.source ?? governing?.source ?? null,
        updatedAt: own?.updatedAt ?? governing?.updatedAt ?? null,
      })
    }
  }
  return rows
}

function whyReceived(
  kind: string,
  channel: string,
  topic: string | null,
  consents: readonly Consent[],
): string {
  if (kind === 'answer') return 'An answer to something you asked us.'
  if (kind !== 'marketing') return 'A service message about something you did; not marketing.'
  const consent = topic === null ? null : effectiveConsent(consents, channel, topic)
  if (consent === null) return `Marketing about "${topic ?? '?'}".`
  const when = new Date(consent.updatedAt).toISOString().slice(0, 10)
  return consent.granted
    ? `You agreed to "${topic ?? ''}" on ${channel} (${consent.source}, ${when}).`
    : `Sent while you had agreed to "${topic ?? ''}"; you withdrew on ${when}.`
}
