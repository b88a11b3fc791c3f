import type { Kysely } from 'kysely'

/** Evaluations of the recommenders on the shop's own interactions, for the dashboard. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recommender_evaluations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('split', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('recommender_evaluations_created')
    .on('recommender_evaluations')
    .column('created_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recommender_evaluations').ifExists().execute()
}
