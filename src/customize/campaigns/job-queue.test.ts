import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import {
  claimJobs,
  completeJobs,
  countJobs,
  enqueueJobs,
  failJob,
  type NewJob,
} from './job-queue.js'

const T0 = Date.UTC(2026, 2, 10, 12)
const job = (n: number, extra: Partial<NewJob> = {}): NewJob => ({
  id: `job_${String(n).padStart(4, '0')}`,
  queue: 'q',
  payload: { n },
  idempotencyKey: `k:${n}`,
  ...extra,
})

describeEachEngine('job queue', (current) => {
  it('enqueues once per idempotency key and claims due jobs in order', async () => {
    const store = current()
    expect(
      await enqueueJobs(store, [job(1), job(2), job(3, { runAfter: T0 + 60_000 })], T0),
    ).toEqual({
      enqueued: 3,
      duplicates: 0,
    })
    expect(await enqueueJobs(store, [job(1), job(4)], T0)).toEqual({ enqueued: 1, duplicates: 1 })
    const claimed = await claimJobs(store, {
      queue: 'q',
      workerId: 'w1',
      limit: 10,
      leaseMs: 1000,
      nowMs: T0,
    })
    expect(claimed.map((j) => j.id)).toEqual(['job_0001', 'job_0002', 'job_0004'])
    expect(claimed[0]).toMatchObject({
      payload: { n: 1 },
      attempts: 1,
      status: 'running',
      lockedBy: 'w1',
    })
    // Nothing else is due: job 3 waits for its time, the others are leased.
    expect(
      await claimJobs(store, {
        queue: 'q',
        workerId: 'w2',
        limit: 10,
        leaseMs: 1000,
        nowMs: T0 + 10,
      }),
    ).toEqual([])
    expect(
      await claimJobs(store, {
        queue: 'other',
        workerId: 'w2',
        limit: 10,
        leaseMs: 1000,
        nowMs: T0 + 60_000,
      }),
    ).toEqual([])
    const done = await completeJobs(store.db, claimed, T0 + 20)
    expect(done.size).toBe(3)
    expect(await countJobs(store.db, 'q')).toEqual({
      queued: 1,
      running: 0,
      done: 3,
      failed: 0,
      dead: 0,
    })
  })

  it('gives concurrent workers disjoint jobs', async () => {
    const store = current()
    await enqueueJobs(
      store,
      Array.from({ length: 60 }, (_, i) => job(i)),
      T0,
    )
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((w) =>
        claimJobs(store, { queue: 'q', workerId: w, limit: 20, leaseMs: 1000, nowMs: T0 }),
      ),
    )
    const ids = claims.flat().map((j) => j.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toHaveLength(60)
  })

  it("retakes a crashed worker's job when its lease runs out, and refuses the stale ack", async () => {
    const store = current()
    await enqueueJobs(store, [job(1, { maxAttempts: 2 })], T0)
    const [first] = await claimJobs(store, {
      queue: 'q',
      workerId: 'crashed',
      limit: 1,
      leaseMs: 1000,
      nowMs: T0,
    })
    expect(first).toBeDefined()
    expect(
      await claimJobs(store, {
        queue: 'q',
        workerId: 'w2',
        limit: 1,
        leaseMs: 1000,
        nowMs: T0 + 999,
      }),
    ).toEqual([])
    const [again] = await claimJobs(store, {
      queue: 'q',
      workerId: 'w2',
      limit: 1,
      leaseMs: 1000,
      nowMs: T0 + 1001,
    })
    expect(again).toMatchObject({ id: 'job_0001', attempts: 2, lockedBy: 'w2' })
    expect((await completeJobs(store.db, [first!], T0 + 1002)).size).toBe(0)
    // w2 crashes too: its lease ends on the last attempt, so the job is dead, not taken a third time.
    expect(
      await claimJobs(store, {
        queue: 'q',
        workerId: 'w3',
        limit: 1,
        leaseMs: 1000,
        nowMs: T0 + 5000,
      }),
    ).toEqual([])
    const row = await store.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'dead', last_error: 'lease expired on the last attempt' })
  })

  it('retries with exponential backoff, then dead-letters; non-retryable failures fail at once', async () => {
    const store = current()
    await enqueueJobs(store, [job(1, { maxAttempts: 3 }), job(2)], T0)
    const backoff = { baseMs: 1000, maxMs: 10_000 }
    let now = T0
    const waits: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [claimed] = await claimJobs(store, {
        queue: 'q',
        workerId: 'w',
        limit: 1,
        leaseMs: 60_000,
        nowMs: now,
      })
      expect(claimed?.id).toBe('job_0001')
      const status = await failJob(store.db, claimed!, 'smtp down', now, {
        retryable: true,
        backoff,
      })
      expect(status).toBe(attempt < 3 ? 'queued' : 'dead')
      const row = await store.db
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', 'job_0001')
        .executeTakeFirstOrThrow()
      if (attempt < 3) {
        waits.push(row.run_after - now)
        // Not due before the backoff has passed.
        expect(
          await claimJobs(store, {
            queue: 'q',
            workerId: 'w',
            limit: 1,
            leaseMs: 60_000,
            nowMs: row.run_after - 1,
          }),
        ).toEqual(attempt === 1 ? [expect.objectContaining({ id: 'job_0002' })] : [])
        now = row.run_after
      }
    }
    expect(waits).toEqual([1000, 2000])
    const row = await store.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', 'job_0001')
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'dead', attempts: 3, last_error: 'smtp down' })

    await store.db
      .updateTable('jobs')
      .set({ status: 'queued', locked_by: null })
      .where('id', '=', 'job_0002')
      .execute()
    const [second] = await claimJobs(store, {
      queue: 'q',
      workerId: 'w',
      limit: 1,
      leaseMs: 60_000,
      nowMs: now,
    })
    expect(await failJob(store.db, second!, 'bad payload', now, { retryable: false })).toBe(
      'failed',
    )
    expect(await failJob(store.db, second!, 'again', now, { retryable: false })).toBeNull()
  })
})
