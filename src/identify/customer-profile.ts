import { sql, type Kysely } from 'kysely'
import { notFound } from '../core/errors.js'
import { parseJsonObject, type JsonObject, type JsonValue } from '../core/json.js'
import type { Database } from '../store/database.js'
import { IDENTITY_KINDS, normalizeEmail } from './identity-key.js'

export interface TimelineEntry {
  readonly messageId: string
  readonly type: string
  readonly name: string | null
  readonly occurredAt: number
  readonly properties: JsonObject
}

/** The single view of one customer. */
export interface CustomerProfile {
  readonly id: string
  readonly traits: JsonObject
  readonly email: string | null
  readonly identities: readonly { kind: string; value: string; firstSeenAt: number }[]
  readonly merges: readonly {
    mergedCustomerId: string
    identities: JsonValue
    reason: string
    mergedAt: number
  }[]
  readonly conflicts: readonly {
    otherCustomerId: string
    kind: string
    value: string
    reason: string
    detectedAt: number
  }[]
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  readonly managerId: string | null
  readonly eventCounts: Readonly<Record<string, number>>
  readonly orders: {
    readonly count: number
    /** Sum of order totals less refunds, cancelled orders excluded. */
    readonly revenue: number
    readonly refunded: number
    readonly currencies: readonly string[]
    readonly lastOrderAt: number | null
  }
  readonly timeline: readonly TimelineEntry[]
}

/**
 * Finds the customer an identity names: a customer id, a userId, an email or an anonymousId.
 * Returns null when none is known.
 */
export async function findCustomerId(
  db: Kysely<Database>,
  identity: string,
): Promise<string | null> {
  const direct = await db
    .selectFrom('customers')
    .select('id')
    .where('id', '=', identity)
    .executeTakeFirst()
  if (direct !== undefined) return direct.id
  const email = normalizeEmail(identity)
  const rows = await db
    .selectFrom('identities')
    .select(['kind', 'customer_id'])
    .where((eb) =>
      eb.or([
        eb('value', '=', identity),
        ...(email === null ? [] : [eb.and([eb('kind', '=', 'email'), eb('value', '=', email)])]),
      ]),
    )
    .execute()
  for (const kind of IDENTITY_KINDS) {
    const match = rows.find((r) => r.kind === kind)
    if (match !== undefined) return match.customer_id
  }
  return null
}

/**
 * findCustomerId for many identities: customer ids are found in one query per chunk, any other
 * identity (userId, email, anonymousId) as findCustomerId finds it. Unknown identities map to
 * null.
 */
export async function findCustomerIds(
  db: Kysely<Database>,
  identities: readonly string[],
): Promise<Map<string, string | null>> {
  const unique = [...new Set(identities)]
  const out = new Map<string, string | null>()
  for (let start = 0; start < unique.length; start += 5000) {
    const rows = await db
      .selectFrom('customers')
      .select('id')
      .where('id', 'in', unique.slice(start, start + 5000))
      .execute()
    for (const r of rows) out.set(r.id, r.id)
  }
  for (const identity of unique) {
    if (!out.has(identity)) out.set(identity, await findCustomerId(db, identity))
  }
  return out
}

/** Like findCustomerId, but a missing customer is a 404 RequestError. */
export async function requireCustomerId(db: Kysely<Database>, identity: string): Promise<string> {
  const id = await findCustomerId(db, identity)
  if (id === null) throw notFound(`Customer "${identity}"`, { identity })
  return id
}

export async function getCustomerProfile(
  db: Kysely<Database>,
  identity: string,
  options: { readonly timelineLimit?: number } = {},
): Promise<CustomerProfile> {
  const id = await requireCustomerId(db, identity)
  const customer = await db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  const [identities, merges, conflicts, counts, orders, timeline] = await Promise.all([
    db
      .selectFrom('identities')
      .select(['kind', 'value', 'first_seen_at'])
      .where('customer_id', '=', id)
      .orderBy('first_seen_at')
      .execute(),
    db
      .selectFrom('merges')
      .selectAll()
      .where('customer_id', '=', id)
      .orderBy('merged_at')
      .execute(),
    db
      .selectFrom('identity_conflicts')
      .selectAll()
      .where('customer_id', '=', id)
      .orderBy('detected_at')
      .execute(),
    db
      .selectFrom('events')
      .select((eb) => [
        sql<string>`coalesce(${eb.ref('name')}, ${eb.ref('type')})`.as('label'),
        eb.fn.countAll<number>().as('n'),
      ])
      .where('customer_id', '=', id)
      .groupBy(sql`coalesce(name, type)`)
      .execute(),
    db
      .selectFrom('orders')
      .select((eb) => [
        eb.fn.countAll<number>().as('count'),
        sql<number>`coalesce(sum(total - refunded), 0)`.as('revenue'),
        sql<number>`coalesce(sum(refunded), 0)`.as('refunded'),
        eb.fn.max('placed_at').as('last_order_at'),
      ])
      .where('customer_id', '=', id)
      .where('status', '!=', 'cancelled')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('events')
      .select(['message_id', 'type', 'name', 'occurred_at', 'properties'])
      .where('customer_id', '=', id)
      .orderBy('occurred_at', 'desc')
      .limit(options.timelineLimit ?? 50)
      .execute(),
  ])
  const currencies = await db
    .selectFrom('orders')
    .select('currency')
    .distinct()
    .where('customer_id', '=', id)
    .execute()
  return {
    id,
    traits: parseJsonObject(customer.traits),
    email: customer.email,
    identities: identities.map((r) => ({
      kind: r.kind,
      value: r.value,
      firstSeenAt: r.first_seen_at,
    })),
    merges: merges.map((m) => ({
      mergedCustomerId: m.merged_customer_id,
      identities: JSON.parse(m.identities) as JsonValue,
      reason: m.reason,
      mergedAt: m.merged_at,
    })),
    conflicts: conflicts.map((c) => ({
      otherCustomerId: c.other_customer_id,
      kind: c.kind,
      value: c.value,
      reason: c.reason,
      detectedAt: c.detected_at,
    })),
    firstSeenAt: customer.first_seen_at,
    lastSeenAt: customer.last_seen_at,
    managerId: customer.manager_id,
    eventCounts: Object.fromEntries(counts.map((c) => [c.label, c.n])),
    orders: {
      count: orders.count,
      revenue: orders.revenue,
      refunded: orders.refunded,
      currencies: currencies.map((c) => c.currency),
      lastOrderAt: orders.last_order_at,
    },
    timeline: timeline.map((e) => ({
      messageId: e.message_id,
      type: e.type,
      name: e.name,
      occurredAt: e.occurred_at,
      properties: parseJsonObject(e.properties),
    })),
  }
}
