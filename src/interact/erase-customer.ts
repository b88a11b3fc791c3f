import { sql, type Kysely } from 'kysely'
import type { JsonObject, JsonValue } from '../core/json.js'
import { deleteCustomerRows } from '../store/customer-tables.js'
import { CUSTOMER_KEYED_TABLES, type Database } from '../store/database.js'
import { addSuppressions, type SuppressedIdentity } from '../store/suppressions.repository.js'

export interface ErasureReport {
  readonly customerId: string
  /** Rows deleted per customer-keyed table. */
  readonly deleted: Readonly<Record<string, number>>
  /** Hashed identities kept so late SDK retries of this customer are dropped. */
  readonly suppressed: number
}

/**
 * Erases a customer (right to erasure): every row in every customer-keyed table goes, in one
 * transaction, and only keyed hashes of their identities (userIds, anonymousIds, email) stay in
 * `suppressions`, so ingestion drops events that still name them instead of re-creating them.
 */
export async function eraseCustomer(
  db: Kysely<Database>,
  customerId: string,
  nowMs: number,
): Promise<ErasureReport> {
  return db.transaction().execute(async (trx) => {
    const identities: SuppressedIdentity[] = await trx
      .selectFrom('identities')
      .select(['kind', 'value'])
      .where('customer_id', '=', customerId)
      .execute()
    const customer = await trx
      .selectFrom('customers')
      .select('email')
      .where('id', '=', customerId)
      .executeTakeFirst()
    if (customer?.email != null) identities.push({ kind: 'email', value: customer.email })
    const suppressed = await addSuppressions(trx, identities, nowMs)
    const deleted = await deleteCustomerRows(trx, customerId)
    // Other customers' conflict records name this one; the id alone, but it goes too.
    await trx.deleteFrom('identity_conflicts').where('other_customer_id', '=', customerId).execute()
    return { customerId, deleted, suppressed }
  })
}

/**
 * Everything idic keeps about a customer, table by table (right of access / portability).
 * Text columns holding JSON are returned parsed.
 */
export async function exportCustomerData(
  db: Kysely<Database>,
  customerId: string,
): Promise<JsonObject> {
  const data: JsonObject = {}
  for (const table of CUSTOMER_KEYED_TABLES) {
    const column = table === 'customers' ? 'id' : 'customer_id'
    const result = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}
      WHERE ${sql.ref(column)} = ${customerId}`.execute(db)
    data[table] = result.rows.map(toJsonRow)
  }
  return data
}

const JSON_COLUMNS = new Set(['traits', 'properties', 'context', 'history', 'data', 'identities'])

function toJsonRow(row: Record<string, unknown>): JsonObject {
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'string' && JSON_COLUMNS.has(key)) {
      try {
        out[key] = JSON.parse(value) as JsonValue
        continue
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    out[key] =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
        ? value
        : typeof value === 'bigint'
          ? Number(value)
          : JSON.stringify(value)
  }
  return out
}
