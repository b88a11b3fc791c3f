import type { Kysely } from 'kysely'

// Migrations take Kysely<unknown>: they describe the schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  // Workers look for due rows of one queue in run order.
  await db.schema
    .createIndex('jobs_due')
    .on('jobs')
    .columns(['queue', 'status', 'run_after'])
    .execute()

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('template_name', 'text')
    .addColumn('variants', 'text')
    .addColumn('segment_id', 'text')
    .addColumn('holdout_share', 'real', (c) => c.notNull())
    .addColumn('attribution_days', 'integer', (c) => c.notNull())
    .addColumn('seed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pilot', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('launched_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('campaign_assignments')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('grp', 'text', (c) => c.notNull())
    .addColumn('stratum', 'text', (c) => c.notNull())
    .addColumn('variant', 'text')
    .addColumn('pilot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('send_status', 'text', (c) => c.notNull())
    .addColumn('send_reason', 'text')
    .addColumn('message_id', 'text')
    .addColumn('sent_at', 'bigint')
    .addPrimaryKeyConstraint('campaign_assignments_pk', ['campaign_id', 'customer_id'])
    .execute()
  // Merges and erasure find a customer's rows by customer_id alone.
  await db.schema
    .createIndex('campaign_assignments_customer')
    .on('campaign_assignments')
    .column('customer_id')
    .execute()
  await db.schema
    .createIndex('campaign_assignments_group')
    .on('campaign_assignments')
    .columns(['campaign_id', 'grp', 'send_status'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['campaign_assignments', 'campaigns', 'jobs']) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
