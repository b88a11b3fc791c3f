import type { Kysely } from 'kysely'
import { invalidInput } from '../core/errors.js'
import { parseJsonObject, type JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'

export interface CustomerSummary {
  readonly id: string
  readonly email: string | null
  readonly traits: JsonObject
  readonly firstSeenAt: number
  readonly lastSeenAt: number
}

export interface CustomerPage {
  readonly customers: readonly CustomerSummary[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null
}

/**
 * Customers, most recently seen first, with keyset pagination (stable and fast however deep the
 * page). `query` matches an exact identity or customer id, an email prefix, or any trait text
 * (`%` and `_` act as LIKE wildcards).
 *
 * A query that names customers exactly (customer id, any identity, or email) answers with just
 * them, found through the indexes, in one page: looking up one person among a million customers
 * must not walk the whole table for the prefix and trait matches. Otherwise (or when more than a
 * page names the query exactly) the prefix and trait search walks the recency index.
 */
export async function listCustomers(
  db: Kysely<Database>,
  options: { readonly query?: string; readonly cursor?: string; readonly limit: number },
): Promise<CustomerPage> {
  const query = options.query?.trim() ?? ''
  const firstPage = options.cursor === undefined || options.cursor === ''
  if (query !== '' && firstPage) {
    const exact = await exactMatches(db, query, options.limit + 1)
    if (exact.length > 0 && exact.length <= options.limit) {
      return { customers: exact.map(toSummary), nextCursor: null }
    }
  }
  let select = db
    .selectFrom('customers')
    .select(['id', 'email', 'traits', 'first_seen_at', 'last_seen_at'])
    .orderBy('last_seen_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
  if (query !== '') {
    const lower = query.toLowerCase()
    select = select.where((eb) =>
      eb.or([
        eb('id', '=', query),
        eb(
          'id',
          'in',
          eb.selectFrom('identities').select('customer_id').where('value', '=', query),
        ),
        eb('email', 'like', `${lower}%`),
        eb(eb.fn('lower', ['traits']), 'like', `%${lower}%`),
      ]),
    )
  }
  if (options.cursor !== undefined && options.cursor !== '') {
    const { lastSeenAt, id } = decodeCursor(options.cursor)
    select = select.where((eb) =>
      eb.or([
        eb('last_seen_at', '<', lastSeenAt),
        eb.and([eb('last_seen_at', '=', lastSeenAt), eb('id', '<', id)]),
      ]),
    )
  }
  const rows = await select.execute()
  const page = rows.slice(0, options.limit)
  const last = page[page.length - 1]
  return {
    customers: page.map(toSummary),
    nextCursor:
      rows.length > options.limit && last !== undefined
        ? encodeCursor(last.last_seen_at, last.id)
        : null,
  }
}

interface CustomerRow {
  readonly id: string
  readonly email: string | null
  readonly traits: string
  readonly first_seen_at: number
  readonly last_seen_at: number
}

function toSummary(r: CustomerRow): CustomerSummary {
  return {
    id: r.id,
    email: r.email,
    traits: parseJsonObject(r.traits),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
  }
}

/**
 * Customers the query names exactly: their id, any identity value (primary key lookup) or their
 * email (lower-cased, as stored; `customers_email` index), most recently seen first.
 */
async function exactMatches(
  db: Kysely<Database>,
  query: string,
  limit: number,
): Promise<CustomerRow[]> {
  return exactMatchQuery(db, query, limit).execute()
}

/** The query exactMatches runs (exported so a test can check its plan). */
export function exactMatchQuery(db: Kysely<Database>, query: string, limit: number) {
  return db
    .selectFrom('customers')
    .select(['id', 'email', 'traits', 'first_seen_at', 'last_seen_at'])
    .where((eb) =>
      eb.or([
        eb('id', '=', query),
        eb('email', '=', query.toLowerCase()),
        eb(
          'id',
          'in',
          eb.selectFrom('identities').select('customer_id').where('value', '=', query),
        ),
      ]),
    )
    .orderBy('last_seen_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
}

function encodeCursor(lastSeenAt: number, id: string): string {
  return Buffer.from(JSON.stringify([lastSeenAt, id])).toString('base64url')
}

function decodeCursor(cursor: string): { lastSeenAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { lastSeenAt: value[0], id: value[1] }
    }
  } catch {
    // fall through to the error below
  }
  throw invalidInput('cursor is not one this API gave out', { field: 'cursor' })
}

export interface DatabaseStats {
  readonly customers: number
  readonly events: number
  readonly orders: number
  readonly orderItems: number
  readonly products: number
}

export async function getDatabaseStats(db: Kysely<Database>): Promise<DatabaseStats> {
  const count = async (
    table: 'customers' | 'events' | 'orders' | 'order_items' | 'products',
  ): Promise<number> => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return row.n
  }
  return {
    customers: await count('customers'),
    events: await count('events'),
    orders: await count('orders'),
    orderItems: await count('order_items'),
    products: await count('products'),
  }
}
