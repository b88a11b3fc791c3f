import type { Kysely } from 'kysely'
import { newId } from '../core/ids.js'
import { parseJsonObject } from '../core/json.js'
import { moveCustomerRows } from '../store/customer-tables.js'
import type { Database } from '../store/database.js'

export interface MergeRequest {
  readonly fromId: string
  readonly intoId: string
  readonly reason: string
  readonly messageId: string | null
  readonly atMs: number
}

/**
 * Makes two customers one: every row of `fromId` moves to `intoId`, traits are combined (the
 * survivor's win where both have one), first/last seen widen, and the merge is recorded with
 * the identities the merged customer brought.
 */
export async function mergeCustomers(db: Kysely<Database>, request: MergeRequest): Promise<void> {
  const { fromId, intoId } = request
  if (fromId === intoId) throw new Error(`Cannot merge customer ${fromId} into itself`)
  const rows = await db
    .selectFrom('customers')
    .selectAll()
    .where('id', 'in', [fromId, intoId])
    .execute()
  const from = rows.find((r) => r.id === fromId)
  const into = rows.find((r) => r.id === intoId)
  if (from === undefined || into === undefined) {
    throw new Error(`Cannot merge ${fromId} into ${intoId}: customer row missing`)
  }
  const brought = await db
    .selectFrom('identities')
    .select(['kind', 'value'])
    .where('customer_id', '=', fromId)
    .execute()
  await moveCustomerRows(db, fromId, intoId)
  await db
    .updateTable('customers')
    .set({
      traits: JSON.stringify({ ...parseJsonObject(from.traits), ...parseJsonObject(into.traits) }),
      email: into.email ?? from.email,
      first_seen_at: Math.min(from.first_seen_at, into.first_seen_at),
      last_seen_at: Math.max(from.last_seen_at, into.last_seen_at),
      manager_id: into.manager_id ?? from.manager_id,
    })
    .where('id', '=', intoId)
    .execute()
  await db.deleteFrom('customers').where('id', '=', fromId).execute()
  await db
    .insertInto('merges')
    .values({
      id: newId('mrg', request.atMs),
      customer_id: intoId,
      merged_customer_id: fromId,
      identities: JSON.stringify(brought),
      reason: request.reason,
      message_id: request.messageId,
      merged_at: request.atMs,
    })
    .execute()
}
