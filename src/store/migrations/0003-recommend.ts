import type { Kysely } from 'kysely'
import { sql } from 'kysely'

// Migrations take Kysely<unknown>: they describe the schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recommender_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    // JSON array: the product id of each model column, in order.
    .addColumn('item_ids', 'text', (c) => c.notNull())
    .addColumn('trained_at', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    // `bytea` is PostgreSQL's binary type; SQLite stores the bytes unchanged under any
    // declared type, so one name serves both.
    .addColumn('model', sql`bytea`, (c) => c.notNull())
    .addUniqueConstraint('recommender_models_kind_version', ['kind', 'version'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recommender_models').ifExists().execute()
}
