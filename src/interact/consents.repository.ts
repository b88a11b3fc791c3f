import type { Kysely } from 'kysely'
import type { Database } from '../store/database.js'
import type { ChannelName } from './channel.js'

/** Topic that stands for every topic of a channel. */
export const ALL_TOPICS = '*'

export interface Consent {
  readonly channel: string
  readonly topic: string
  readonly granted: boolean
  readonly source: string
  readonly updatedAt: number
}

export interface ConsentChange {
  readonly channel: ChannelName
  readonly topic: string
  readonly granted: boolean
  readonly source: string
}

/** Records a customer's answer for a channel and topic; the latest answer stands. */
export async function setConsent(
  db: Kysely<Database>,
  customerId: string,
  change: ConsentChange,
  nowMs: number,
): Promise<Consent> {
  const row = {
    customer_id: customerId,
    channel: change.channel,
    topic: change.topic,
    granted: change.granted ? 1 : 0,
    source: change.source,
    updated_at: nowMs,
  }
  await db
    .insertInto('consents')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['customer_id', 'channel', 'topic']).doUpdateSet({
        granted: row.granted,
        source: row.source,
        updated_at: row.updated_at,
      }),
    )
    .execute()
  return {
    channel: change.channel,
    topic: change.topic,
    granted: change.granted,
    source: change.source,
    updatedAt: nowMs,
  }
}

/**
 * Records an answer given at `atMs` (an event's own time) unless the stored answer for the
 * channel and topic is newer: events that arrive late or out of order never override a later
 * answer. Returns whether it was recorded.
 */
export async function recordConsentAt(
  db: Kysely<Database>,
  customerId: string,
  change: ConsentChange,
  atMs: number,
): Promise<boolean> {
  const row = {
    customer_id: customerId,
    channel: change.channel,
    topic: change.topic,
    granted: change.granted ? 1 : 0,
    source: change.source,
    updated_at: atMs,
  }
  const result = await db
    .insertInto('consents')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['customer_id', 'channel', 'topic'])
        .doUpdateSet({ granted: row.granted, source: row.source, updated_at: row.updated_at })
        .where('consents.updated_at', '<=', atMs),
    )
    .executeTakeFirst()
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n
}

export async function listConsents(
  db: Kysely<Database>,
  customerId: string,
): Promise<readonly Consent[]> {
  const rows = await db
    .selectFrom('consents')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('channel')
    .orderBy('topic')
    .execute()
  return rows.map((r) => ({
    channel: r.channel,
    topic: r.topic,
    granted: r.granted === 1,
    source: r.source,
    updatedAt: r.updated_at,
  }))
}

/** listConsents for many customers at once: one query per chunk. */
export async function listConsentsOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Map<string, Consent[]>> {
  const out = new Map<string, Consent[]>()
  const unique = [...new Set(customerIds)]
  for (let start = 0; start < unique.length; start += 5000) {
    const rows = await db
      .selectFrom('consents')
      .selectAll()
      .where('customer_id', 'in', unique.slice(start, start + 5000))
      .orderBy('customer_id')
      .orderBy('channel')
      .orderBy('topic')
      .execute()
    for (const r of rows) {
      let list = out.get(r.customer_id)
      if (list === undefined) {
        list = []
        out.set(r.customer_id, list)
      }
      list.push({
        channel: r.channel,
        topic: r.topic,
        granted: r.granted === 1,
        source: r.source,
        updatedAt: r.updated_at,
      })
    }
  }
  return out
}

/**
 * The answer that governs a topic on a channel: the more recent of the topic's own answer and
 * the channel-wide one (`*`), so "unsubscribe from everything" overrides an older topic opt-in,
 * and a later topic opt-in overrides an older blanket opt-out. Null when never asked.
 */
export function effectiveConsent(
  consents: readonly Consent[],
  channel: string,
  topic: string,
): Consent | null {
  const candidates = consents.filter(
    (c) => c.channel === channel && (c.topic === topic || c.topic === ALL_TOPICS),
  )
  let best: Consent | null = null
  for (const c of candidates) if (best === null || c.updatedAt > best.updatedAt) best = c
  return best
}
