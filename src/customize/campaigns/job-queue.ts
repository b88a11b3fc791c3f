import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database } from '../../store/database.js'
import type { Store } from '../../store/engine.js'
import type { JobsTable } from '../../store/tables/campaigns.table.js'

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'dead'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export interface Job {
  readonly id: string
  readonly queue: string
  readonly payload: unknown
  readonly idempotencyKey: string
  readonly status: JobStatus
  /** Claims so far, this one included. */
  readonly attempts: number
  readonly maxAttempts: number
  readonly runAfter: number
  readonly lockedBy: string | null
  readonly lockedUntil: number | null
  readonly lastError: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface NewJob {
  readonly id: string
  readonly queue: string
  /** Anything JSON can carry. */
  readonly payload: unknown
  /** Unique across all queues: enqueueing the same work again adds nothing. */
  readonly idempotencyKey: string
  readonly maxAttempts?: number
  readonly runAfter?: number
}

/** Delay before the n-th retry: base × 2^(n−1), at most `maxMs`. */
export interface Backoff {
  readonly baseMs: number
  readonly maxMs: number
}

export const DEFAULT_MAX_ATTEMPTS = 5
export const DEFAULT_BACKOFF: Backoff = { baseMs: 30_000, maxMs: 3_600_000 }
export const DEFAULT_LEASE_MS = 5 * 60_000

/** The database and what differs between its engines; a Store is one. */
export type QueueStore = Pick<Store, 'db' | 'capabilities'> &
  Partial<Pick<Store, 'sqliteStatements'>>

/**
 * Adds jobs; a job whose idempotency key is already in the table (in any state) is not added
 * again. Returns how many were new.
 */
export async function enqueueJobs(
  store: QueueStore,
  jobs: readonly NewJob[],
  nowMs: number,
): Promise<{ readonly enqueued: number; readonly duplicates: number }> {
  const rows = jobs.map((job) => ({
    id: job.id,
    queue: job.queue,
    payload: JSON.stringify(job.payload),
    idempotency_key: job.idempotencyKey,
    status: 'queued',
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    run_after: job.runAfter ?? nowMs,
    locked_by: null,
    locked_until: null,
    last_error: null,
    created_at: nowMs,
    updated_at: nowMs,
  }))
  const perStatement = Math.max(1, Math.floor(store.capabilities.maxParameters / 13 / 4))
  let enqueued = 0
  for (let start = 0; start < rows.length; start += perStatement) {
    const result = await store.db
      .insertInto('jobs')
      .values(rows.slice(start, start + perStatement))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .executeTakeFirst()
    enqueued += Number(result.numInsertedOrUpdatedRows ?? 0n)
  }
  return { enqueued, duplicates: jobs.length - enqueued }
}

export interface ClaimOptions {
  readonly queue: string
  /** Who holds the lease; acknowledgements from anyone else are refused. */
  readonly workerId: string
  readonly limit: number
  /** How long the claim holds; after it the job may be taken again (a crashed worker). */
  readonly leaseMs: number
  readonly nowMs: number
  /**
   * Called in the claim's transaction with the jobs this claim marked dead (their lease ran out
   * on their last attempt), so their owner can record what became of them.
   */
  readonly onDead?: (db: Kysely<Database>, jobs: readonly Job[]) => Promise<void>
}

/**
 * Takes up to `limit` due jobs of a queue for one worker: queued jobs whose `run_after` has come,
 * and running jobs whose lease has run out (their worker crashed or hung). Each claim counts as
 * an attempt; a job whose lease ran out on its last attempt is marked dead instead of taken.
 *
 * *Method:* one UPDATE … WHERE id IN (SELECT … ORDER BY run_after, id LIMIT n [FOR UPDATE SKIP
 * LOCKED]) RETURNING inside the engine's claim transaction (capabilities `skipLocked`,
 * `claimTransaction`): on PostgreSQL concurrent workers skip each other's locked rows; on SQLite
 * the immediate transaction holds the only write lock. Queued and lapsed jobs are picked by two
 * selects, each read in order off the `jobs_due` index (queue, status, run_after, id) and
 * stopped after n, so a claim costs the same with ten or a million jobs waiting. Both engines
 * run the same statement and the same tests.
 */
export async function claimJobs(store: QueueStore, options: ClaimOptions): Promise<Job[]> {
  const { queue, workerId, limit, leaseMs, nowMs } = options
  if (!(limit >= 1)) throw new Error(`claim limit must be at least 1, got ${limit}`)
  const rows = await store.capabilities.claimTransaction(store.db, async (trx) => {
    const dead = await sql<Selectable<JobsTable>>`UPDATE jobs SET status = 'dead',
        locked_by = NULL, locked_until = NULL,
        last_error = ${'lease expired on the last attempt'}, updated_at = ${nowMs}
      WHERE queue = ${queue} AND status = 'running' AND locked_until < ${nowMs}
        AND attempts >= max_attempts
      RETURNING *`.execute(trx)
    if (dead.rows.length > 0 && options.onDead !== undefined) {
      await options.onDead(trx, dead.rows.map(toJob))
    }
    const claimed = await sql<Selectable<JobsTable>>`UPDATE jobs SET status = 'running',
        locked_by = ${workerId}, locked_until = ${nowMs + leaseMs}, attempts = attempts + 1,
        updated_at = ${nowMs}
      WHERE id IN (
        SELECT id FROM (
          SELECT id, run_after FROM (
            SELECT id, run_after FROM jobs
            WHERE queue = ${queue} AND status = 'queued' AND run_after <= ${nowMs}
            ORDER BY run_after, id
            LIMIT ${limit} ${sql.raw(store.capabilities.skipLocked)}) AS due
          UNION ALL
          SELECT id, run_after FROM (
            SELECT id, run_after FROM jobs
            WHERE queue = ${queue} AND status = 'running' AND locked_until < ${nowMs}
            ORDER BY run_after, id
            LIMIT ${limit} ${sql.raw(store.capabilities.skipLocked)}) AS lapsed
        ) AS candidates
        ORDER BY run_after, id
        LIMIT ${limit})
      RETURNING *`.execute(trx)
    return claimed.rows
  })
  return rows.map(toJob).sort((a, b) => a.runAfter - b.runAfter || (a.id < b.id ? -1 : 1))
}

/** Job ids by the worker holding their lease; jobs no one holds are left out. */
function idsByLeaseHolder(jobs: readonly Job[]): Map<string, string[]> {
  const byWorker = new Map<string, string[]>()
  for (const job of jobs) {
    if (job.lockedBy === null) continue
    const ids = byWorker.get(job.lockedBy) ?? []
    ids.push(job.id)
    byWorker.set(job.lockedBy, ids)
  }
  return byWorker
}

/**
 * Marks jobs done. Only the worker still holding a job's lease may: a worker whose lease ran
 * out (and whose job another worker took) is refused. Returns the ids acknowledged.
 */
export async function completeJobs(
  db: Kysely<Database>,
  jobs: readonly Job[],
  nowMs: number,
): Promise<Set<string>> {
  const done = new Set<string>()
  for (const [worker, ids] of idsByLeaseHolder(jobs)) {
    for (let start = 0; start < ids.length; start += 1000) {
      const rows = await db
        .updateTable('jobs')
        .set({ status: 'done', locked_by: null, locked_until: null, updated_at: nowMs })
        .where('id', 'in', ids.slice(start, start + 1000))
        .where('status', '=', 'running')
        .where('locked_by', '=', worker)
        .returning('id')
        .execute()
      for (const row of rows) done.add(row.id)
    }
  }
  return done
}

/**
 * Hands claimed jobs back to the queue until `wait.until`, the claim not counted as an attempt
 * (`wait.why` kept as the last error, for operators):
 * for work that is not ready (a piloted campaign's rest before its pilot decided), which is not
 * a failure and must not use up retries. Only the worker holding a job's lease may. Returns
 * how many went back.
 */
export async function postponeJobs(
  db: Kysely<Database>,
  jobs: readonly Job[],
  wait: { readonly until: number; readonly why: string },
  nowMs: number,
): Promise<number> {
  let postponed = 0
  for (const [worker, ids] of idsByLeaseHolder(jobs)) {
    for (let start = 0; start < ids.length; start += 1000) {
      const result = await db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'queued',
          locked_by: null,
          locked_until: null,
          attempts: eb('attempts', '-', 1),
          run_after: wait.until,
          last_error: `waiting: ${wait.why}`,
          updated_at: nowMs,
        }))
        .where('id', 'in', ids.slice(start, start + 1000))
        .where('status', '=', 'running')
        .where('locked_by', '=', worker)
        .executeTakeFirst()
      postponed += Number(result.numUpdatedRows)
    }
  }
  return postponed
}

export interface FailOptions {
  /** False for failures retrying cannot cure (bad payload): the job fails at once. */
  readonly retryable: boolean
  readonly backoff?: Backoff
}

/**
 * Records a failed attempt: a retryable failure goes back to the queue after an exponential
 * backoff, until `max_attempts` claims have been spent, then the job is dead; a failure that is
 * not retryable marks it failed. Returns the new status, or null when the worker no longer held
 * the lease.
 */
export async function failJob(
  db: Kysely<Database>,
  job: Job,
  error: string,
  nowMs: number,
  options: FailOptions,
): Promise<JobStatus | null> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const status: JobStatus = !options.retryable
    ? 'failed'
    : job.attempts >= job.maxAttempts
      ? 'dead'
      : 'queued'
  const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, job.attempts - 1))
  const result = await db
    .updateTable('jobs')
    .set({
      status,
      locked_by: null,
      locked_until: null,
      last_error: error.slice(0, 2000),
      run_after: status === 'queued' ? nowMs + delay : job.runAfter,
      updated_at: nowMs,
    })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1 ? status : null
}

/** Jobs of a queue by status (every status present, zero when none). */
export async function countJobs(
  db: Kysely<Database>,
  queue: string,
): Promise<Record<JobStatus, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('queue', '=', queue)
    .groupBy('status')
    .execute()
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0, dead: 0 }
  for (const row of rows) {
    if (isJobStatus(row.status)) counts[row.status] = row.n
  }
  return counts
}

function isJobStatus(value: string): value is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(value)
}

function toJob(row: Selectable<JobsTable>): Job {
  if (!isJobStatus(row.status)) throw new Error(`Job ${row.id} has unknown status ${row.status}`)
  return {
    id: row.id,
    queue: row.queue,
    payload: JSON.parse(row.payload) as unknown,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAfter: row.run_after,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until === null ? null : row.locked_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
