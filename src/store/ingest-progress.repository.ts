import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/** The last inbox sequence number whose batch is written to this database. */
export async function readProcessedSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('ingest_inbox_progress')
    .select('processed_seq')
    .where('id', '=', 1)
    .executeTakeFirst()
  return row?.processed_seq ?? 0
}

/**
 * Reads the mark and holds it until the transaction ends: a no-op UPDATE locks the row on
 * PostgreSQL (a second processor waits here, then reads the moved mark) and is a write on
 * SQLite (whose one writer holds the file). Run first in a processing transaction.
 */
export async function claimProcessedSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .updateTable('ingest_inbox_progress')
    .set((eb) => ({ processed_seq: eb.ref('processed_seq') }))
    .where('id', '=', 1)
    .returning('processed_seq')
    .executeTakeFirst()
  return row?.processed_seq ?? 0
}

/** Records the high-water mark; run in the transaction that wrote the batches up to it. */
export async function writeProcessedSeq(db: Kysely<Database>, seq: number): Promise<void> {
  await db
    .updateTable('ingest_inbox_progress')
    .set({ processed_seq: seq })
    .where('id', '=', 1)
    .execute()
}

export interface InboxFailure {
  readonly seq: number
  readonly receivedAt: number
  readonly payload: string
  readonly error: string
  readonly failedAt: number
}

/** Keeps a batch that could not be processed, whole, so nothing acknowledged is dropped. */
export async function recordInboxFailure(
  db: Kysely<Database>,
  failure: InboxFailure,
): Promise<void> {
  await db
    .insertInto('ingest_inbox_failures')
    .values({
      seq: failure.seq,
      received_at: failure.receivedAt,
      payload: failure.payload,
      error: failure.error,
      failed_at: failure.failedAt,
    })
    .onConflict((c) => c.column('seq').doNothing())
    .execute()
}

/** How many inbox batches failed and were set aside. */
export async function countInboxFailures(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('ingest_inbox_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst()
  return row?.n ?? 0
}
