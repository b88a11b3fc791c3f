import type { Kysely } from 'kysely'

/**
 * The due-jobs index in claim order (queue, status, run_after, id): a claim then reads the first
 * `limit` due jobs straight off the index, instead of sorting every queued job of the queue on
 * each claim (which made a campaign's claims grow with the square of its size).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_due').execute()
  await db.schema
    .createIndex('jobs_due')
    .on('jobs')
    .columns(['queue', 'status', 'run_after', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_due').execute()
  await db.schema
    .createIndex('jobs_due')
    .on('jobs')
    .columns(['queue', 'status', 'run_after'])
    .execute()
}
