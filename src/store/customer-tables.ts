import { sql, type Kysely } from 'kysely'
import { CUSTOMER_KEYED_TABLES, type Database } from './database.js'

export type CustomerKeyedTable = (typeof CUSTOMER_KEYED_TABLES)[number]

/**
 * What happens to a customer-keyed table's rows when two customers merge:
 * - `owner`: the customer row itself, merged by the identity code;
 * - `move`: rows are re-keyed to the surviving customer;
 * - `move-orders`: like move, but rows of an order the survivor already has are dropped (the same
 *   order reached us under two identities);
 * - `drop`: derived rows (scores) are dropped and recomputed for the survivor.
 */
export type MergePolicy = 'owner' | 'move' | 'move-orders' | 'drop'

export const MERGE_POLICIES = {
  customers: 'owner',
  identities: 'move',
  merges: 'move',
  identity_conflicts: 'move',
  events: 'move',
  orders: 'move-orders',
  order_items: 'move-orders',
  order_returns: 'move-orders',
  interactions: 'move',
  scores: 'drop',
} as const satisfies Record<CustomerKeyedTable, MergePolicy>

/** Re-keys every row of `fromId` to `intoId`, table by table, following MERGE_POLICIES. */
export async function moveCustomerRows(
  db: Kysely<Database>,
  fromId: string,
  intoId: string,
): Promise<void> {
  // Items and returns before orders: their duplicate test looks at the survivor's orders.
  const rank = (table: CustomerKeyedTable): number =>
    table === 'order_items' || table === 'order_returns' ? 0 : 1
  const tables = [...CUSTOMER_KEYED_TABLES].sort((a, b) => rank(a) - rank(b))
  for (const table of tables) {
    const policy = mergePolicyOf(table)
    const target = sql.table(table)
    switch (policy) {
      case 'owner':
        break
      case 'drop':
        await sql`DELETE FROM ${target} WHERE customer_id = ${fromId}`.execute(db)
        break
      case 'move-orders':
        await sql`DELETE FROM ${target} WHERE customer_id = ${fromId} AND order_id IN
          (SELECT order_id FROM orders WHERE customer_id = ${intoId})`.execute(db)
        await sql`UPDATE ${target} SET customer_id = ${intoId} WHERE customer_id = ${fromId}`.execute(
          db,
        )
        break
      case 'move':
        await sql`UPDATE ${target} SET customer_id = ${intoId} WHERE customer_id = ${fromId}`.execute(
          db,
        )
        break
    }
  }
}

/** Deletes every row a customer owns in every customer-keyed table. */
export async function deleteCustomerRows(db: Kysely<Database>, customerId: string): Promise<void> {
  for (const table of CUSTOMER_KEYED_TABLES) {
    const column = table === 'customers' ? 'id' : 'customer_id'
    await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${customerId}`.execute(db)
  }
}

export function mergePolicyOf(table: CustomerKeyedTable): MergePolicy {
  return MERGE_POLICIES[table]
}
