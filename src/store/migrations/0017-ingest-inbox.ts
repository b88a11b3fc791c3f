import { sql, type Kysely } from 'kysely'

/**
 * The ingestion inbox's high-water mark and its dead letters. The inbox itself is a separate
 * SQLite file beside the database (see `store/inbox-file.ts`); what it has handed on is recorded
 * here, in the same transaction as the rows its batches wrote, so a crash neither loses nor
 * repeats a batch.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_inbox_progress')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('processed_seq', 'bigint', (c) => c.notNull())
    .execute()
  await sql`INSERT INTO ingest_inbox_progress (id, processed_seq) VALUES (1, 0)`.execute(db)
  await db.schema
    .createTable('ingest_inbox_failures')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ingest_inbox_failures').ifExists().execute()
  await db.schema.dropTable('ingest_inbox_progress').ifExists().execute()
}
