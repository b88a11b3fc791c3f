import type { Kysely } from 'kysely'

// Segments and their members (issue 7). Migrations take Kysely<unknown>: they describe the
// schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // JSON: the segment rule (customize/segments/segment-rule.ts).
    .addColumn('rule', 'text', (c) => c.notNull())
    // live | scheduled, derived from the rule when it is saved.
    .addColumn('refresh_mode', 'text', (c) => c.notNull())
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refreshed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('segment_members')
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['segment_id', 'customer_id'])
    .execute()
  await db.schema
    .createIndex('segment_members_customer')
    .on('segment_members')
    .column('customer_id')
    .execute()

  // Rule validation asks "did anyone ever perform this event?"; without an index that is a scan
  // of every event for a name nobody used.
  await db.schema.createIndex('events_name').on('events').column('name').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_name').ifExists().execute()
  await db.schema.dropTable('segment_members').ifExists().execute()
  await db.schema.dropTable('segments').ifExists().execute()
}
