import { sql, type Kysely } from 'kysely'
import { CUSTOMER_KEYED_TABLES, type Database } from './database.js'

export type CustomerKeyedTable = (typeof CUSTOMER_KEYED_TABLES)[number]

/**
 * What happens to a customer-keyed table's rows when two customers merge:
 * - `owner`: the customer row itself, merged by the identity code;
 * - `move`: rows are re-keyed to the surviving customer;
 * - `move-orders`: like move, but rows of an order the survivor already has are dropped (the same
 *   order reached us under two identities);
 * - `drop`: derived rows (scores) are dropped and recomputed for the survivor;
 * - `move-newest`: rows are re-keyed, but where both customers have a row with the same natural
 *   key (UNIQUE_KEYS) the more recent one wins (a consent given or withdrawn last stands);
 * - `move-renamed`: rows are re-keyed, and a caller key the survivor already uses gets the merged
 *   customer's id appended, so no message is lost to a uniqueness clash.
 */
export type MergePolicy = 'owner' | 'move' | 'move-orders' | 'drop' | 'move-newest' | 'move-renamed'

/** Natural keys (besides customer_id) of the tables merged by `move-newest` / `move-renamed`. */
export const UNIQUE_KEYS = {
  consents: { columns: ['channel', 'topic'], newest: 'updated_at' },
  tasks: { columns: ['rule', 'dedupe_key'], newest: 'updated_at' },
  messages: { columns: ['idempotency_key'], newest: 'updated_at' },
  // Memberships of both customers: their union, one row per segment.
  segment_members: { columns: ['segment_id'], newest: 'added_at' },
  // `newest` is the key itself, never greater on the other side: the survivor's assignment to a
  // campaign always stands, and the merged customer's moves only where the survivor has none.
  campaign_assignments: { columns: ['campaign_id'], newest: 'campaign_id' },
  offer_outcomes: { columns: ['idempotency_key'], newest: 'presented_at' },
} as const satisfies Partial<
  Record<CustomerKeyedTable, { columns: readonly string[]; newest: string }>
>

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
  consents: 'move-newest',
  messages: 'move-renamed',
  deliveries: 'move',
  contact_log: 'move',
  tasks: 'move-newest',
  scores: 'drop',
  segment_members: 'move-newest',
  campaign_assignments: 'move-newest',
  offer_outcomes: 'move-renamed',
} as const satisfies Record<CustomerKeyedTable, MergePolicy>

/**
 * Counts that other tables keep of a customer-keyed table's rows, per key: `segments.member_count`
 * counts `segment_members` by `segment_id`. A merge (two memberships become one) and an erasure
 * change the rows without going through the owner's code, so both recount the keys they touched.
 */
const ROW_COUNTS = [
  {
    rows: 'segment_members',
    key: 'segment_id',
    counter: { table: 'segments', key: 'id', column: 'member_count' },
  },
] as const satisfies readonly {
  readonly rows: CustomerKeyedTable
  readonly key: string
  readonly counter: {
    readonly table: keyof Database
    readonly key: string
    readonly column: string
  }
}[]

/** The keys of each ROW_COUNTS entry that these customers' rows hold, before they change. */
async function countedKeysOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<(readonly string[])[]> {
  const keys: (readonly string[])[] = []
  for (const count of ROW_COUNTS) {
    const { rows } = await sql<{ key: string }>`SELECT DISTINCT ${sql.ref(count.key)} AS key
      FROM ${sql.table(count.rows)}
      WHERE customer_id IN (${sql.join(customerIds)})`.execute(db)
    keys.push(rows.map((r) => r.key))
  }
  return keys
}

/** Sets each ROW_COUNTS counter of these keys to the number of rows it counts. */
async function recount(db: Kysely<Database>, keys: readonly (readonly string[])[]): Promise<void> {
  for (const [i, count] of ROW_COUNTS.entries()) {
    const touched = keys[i] ?? []
    if (touched.length === 0) continue
    const { counter } = count
    await sql`UPDATE ${sql.table(counter.table)} SET ${sql.ref(counter.column)} =
        (SELECT COUNT(*) FROM ${sql.table(count.rows)} AS counted
         WHERE counted.${sql.ref(count.key)} = ${sql.table(counter.table)}.${sql.ref(counter.key)})
      WHERE ${sql.ref(counter.key)} IN (${sql.join(touched)})`.execute(db)
  }
}

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
  const counted = await countedKeysOf(db, [fromId, intoId])
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
      case 'move-newest': {
        const keys = uniqueKeysOf(table)
        const same = sql.join(
          keys.columns.map((c) => sql`other.${sql.ref(c)} = ${target}.${sql.ref(c)}`),
          sql` AND `,
        )
        const newest = sql.ref(keys.newest)
        await sql`DELETE FROM ${target} WHERE customer_id = ${intoId} AND EXISTS
          (SELECT 1 FROM ${target} AS other WHERE other.customer_id = ${fromId} AND ${same}
           AND other.${newest} > ${target}.${newest})`.execute(db)
        await sql`DELETE FROM ${target} WHERE customer_id = ${fromId} AND EXISTS
          (SELECT 1 FROM ${target} AS other WHERE other.customer_id = ${intoId} AND ${same})`.execute(
          db,
        )
        await sql`UPDATE ${target} SET customer_id = ${intoId} WHERE customer_id = ${fromId}`.execute(
          db,
        )
        break
      }
      case 'move-renamed': {
        const [key] = uniqueKeysOf(table).columns
        if (key === undefined) throw new Error(`No unique key declared for ${table}`)
        const column = sql.ref(key)
        await sql`UPDATE ${target} SET ${column} = ${column} || ${`:${fromId}`}
          WHERE customer_id = ${fromId} AND ${column} IN
          (SELECT ${column} FROM ${target} WHERE customer_id = ${intoId})`.execute(db)
        await sql`UPDATE ${target} SET customer_id = ${intoId} WHERE customer_id = ${fromId}`.execute(
          db,
        )
        break
      }
      case 'move':
        await sql`UPDATE ${target} SET customer_id = ${intoId} WHERE customer_id = ${fromId}`.execute(
          db,
        )
        break
    }
  }
  await recount(db, counted)
}

/** Deletes every row a customer owns in every customer-keyed table; returns counts per table. */
export async function deleteCustomerRows(
  db: Kysely<Database>,
  customerId: string,
): Promise<Record<CustomerKeyedTable, number>> {
  const deleted = {} as Record<CustomerKeyedTable, number>
  // The customer row last, so a failure halfway leaves the customer findable.
  const tables = [...CUSTOMER_KEYED_TABLES.filter((t) => t !== 'customers'), 'customers'] as const
  const counted = await countedKeysOf(db, [customerId])
  for (const table of tables) {
    const column = table === 'customers' ? 'id' : 'customer_id'
    const result =
      await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${customerId}`.execute(
        db,
      )
    deleted[table] = Number(result.numAffectedRows ?? 0n)
  }
  await recount(db, counted)
  return deleted
}

function uniqueKeysOf(table: CustomerKeyedTable): {
  readonly columns: readonly string[]
  readonly newest: string
} {
  const keys = (
    UNIQUE_KEYS as Partial<
      Record<CustomerKeyedTable, (typeof UNIQUE_KEYS)[keyof typeof UNIQUE_KEYS]>
    >
  )[table]
  if (keys === undefined) throw new Error(`No unique key declared for ${table}`)
  return keys
}

export function mergePolicyOf(table: CustomerKeyedTable): MergePolicy {
  return MERGE_POLICIES[table]
}
