import type { Kysely } from 'kysely'

// Value scores and the model runs that produced them (issue 4).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('model_runs_created').on('model_runs').column('created_at').execute()

  await db.schema
    .createTable('scores')
    .addColumn('customer_id', 'text', (c) => c.primaryKey())
    .addColumn('model_run_id', 'text', (c) => c.notNull())
    .addColumn('frequency', 'double precision', (c) => c.notNull())
    .addColumn('recency', 'double precision', (c) => c.notNull())
    .addColumn('age', 'double precision', (c) => c.notNull())
    .addColumn('historical_revenue', 'double precision', (c) => c.notNull())
    .addColumn('historical_margin', 'double precision', (c) => c.notNull())
    .addColumn('cost_to_serve', 'double precision', (c) => c.notNull())
    .addColumn('expected_transactions', 'double precision')
    .addColumn('p_alive', 'double precision')
    .addColumn('expected_spend', 'double precision')
    .addColumn('clv', 'double precision')
    .addColumn('actual_value', 'double precision')
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('tier_reason', 'text', (c) => c.notNull())
    .addColumn('rfm_r', 'integer', (c) => c.notNull())
    .addColumn('rfm_f', 'integer', (c) => c.notNull())
    .addColumn('rfm_m', 'integer', (c) => c.notNull())
    .addColumn('rfm_segment', 'text', (c) => c.notNull())
    .addColumn('wallet', 'double precision')
    .addColumn('share_of_wallet', 'double precision')
    .addColumn('growth_potential', 'double precision')
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('scores_tier').on('scores').column('tier').execute()
  await db.schema.createIndex('scores_model_run').on('scores').column('model_run_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scores').ifExists().execute()
  await db.schema.dropTable('model_runs').ifExists().execute()
}
