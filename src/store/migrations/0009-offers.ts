import type { Kysely } from 'kysely'

// Migrations take Kysely<unknown>: they describe the schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  // A reference table (not customer-keyed): every node of a distributed database has all offers.
  await db.schema
    .createTable('offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('product_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('discount_percent', 'double precision')
    .addColumn('margin', 'double precision', (c) => c.notNull())
    .addColumn('cost', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('eligibility', 'text')
    .addColumn('cap_presentations', 'integer')
    .addColumn('cap_window_days', 'integer')
    .addColumn('max_acceptances_per_customer', 'integer')
    .addColumn('acceptance_budget', 'integer')
    .addColumn('active_from', 'bigint')
    .addColumn('active_to', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('offer_outcomes')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('presented_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('revenue', 'double precision')
    .addColumn('order_id', 'text')
    .addPrimaryKeyConstraint('offer_outcomes_pk', ['customer_id', 'id'])
    .addUniqueConstraint('offer_outcomes_idempotency', ['customer_id', 'idempotency_key'])
    .execute()
  await db.schema
    .createIndex('offer_outcomes_customer_offer')
    .on('offer_outcomes')
    .columns(['customer_id', 'offer_id', 'presented_at'])
    .execute()
  // Budgets count an offer's acceptances.
  await db.schema
    .createIndex('offer_outcomes_offer_accepted')
    .on('offer_outcomes')
    .columns(['offer_id', 'accepted_at'])
    .execute()
  // The attribution pass reads an offer's outcomes by time.
  await db.schema
    .createIndex('offer_outcomes_offer_time')
    .on('offer_outcomes')
    .columns(['offer_id', 'presented_at'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('offer_outcomes').ifExists().execute()
  await db.schema.dropTable('offers').ifExists().execute()
}
