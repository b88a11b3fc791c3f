import { sql, type Kysely } from 'kysely'

/**
 * An index on the last two characters of the customer id (random, 36² buckets), so that a
 * segment preview on a large base reads a fixed sample of customers instead of all of them.
 * SQLite and PostgreSQL both index the expression `substr(id, length(id) - 1)`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('customers_sample_bucket')
    .on('customers')
    .expression(sql`substr(id, length(id) - 1)`)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('customers_sample_bucket').ifExists().execute()
}
