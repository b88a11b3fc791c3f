import { expect, it } from 'vitest'
import { InfrastructureError } from '../../core/errors.js'
import { setConsent } from '../../interact/consents.repository.js'
import { sendMessages } from '../../interact/send-messages.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { campaignFixture, fixedSegments, fixedTemplates } from './campaign-test-doubles.js'
import { getCampaign } from './campaigns.repository.js'
import { runCampaignWorker } from './campaign-worker.js'
import { CAMPAIGN_QUEUE, createCampaign, launchCampaign } from './launch-campaign.js'
import { claimJobs, countJobs } from './job-queue.js'

const mass = {
  name: 'Spring',
  strategy: 'mass',
  channel: 'in_app',
  topic: 'news',
  templateName: 'hello',
}

describeEachEngine('campaign launch and worker', (current) => {
  async function launched(input: Record<string, unknown>, customers = 40) {
    const f = campaignFixture(current())
    const ids = await f.addCustomers(customers)
    const created = await createCampaign(f.deps, input, f.clock.now())
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const launch = await launchCampaign(f.deps, created.value.id, f.clock.now())
    if (!launch.ok) throw new Error(JSON.stringify(launch.error))
    return { f, ids, campaign: created.value, launch: launch.value }
  }

  it('holds out 10 %, sends every treated customer once and never the holdout', async () => {
    const { f, campaign, launch } = await launched(mass)
    expect(launch).toMatchObject({ eligible: 40, treatment: 36, holdout: 4, enqueued: 36 })
    expect(launch.strata).toEqual({ unscored: { treatment: 36, holdout: 4 } })
    const report = await runCampaignWorker(f.deps, { workerId: 'w1', batchSize: 7, concurrency: 3 })
    expect(report).toMatchObject({ claimed: 36, sent: 36, failed: 0, duplicates: 0 })
    const rows = await f.deps.store.db.selectFrom('campaign_assignments').selectAll().execute()
    const held = rows.filter((r) => r.grp === 'holdout').map((r) => r.customer_id)
    expect(new Set(f.handed).size).toBe(36)
    for (const id of held) expect(f.handed).not.toContain(id)
    const messages = await f.deps.store.db.selectFrom('messages').selectAll().execute()
    expect(messages).toHaveLength(36)
    expect(messages[0]!.idempotency_key).toMatch(new RegExp(`^campaign:${campaign.id}:`))
    expect((await getCampaign(f.deps.store.db, campaign.id))?.status).toBe('sent')
    // A second launch is refused; nothing more is queued.
    expect(await launchCampaign(f.deps, campaign.id, f.clock.now())).toEqual({
      ok: false,
      error: { type: 'not_launchable', status: 'sent' },
    })
  })

  it('queues the sends in customer order, the order a worker claims them', async () => {
    const { f, campaign } = await launched(mass)
    const treated = (
      await f.deps.store.db
        .selectFrom('campaign_assignments')
        .select('customer_id')
        .where('campaign_id', '=', campaign.id)
        .where('grp', '=', 'treatment')
        .execute()
    )
      .map((r) => r.customer_id)
      .sort()
    const claimed: string[] = []
    for (;;) {
      const jobs = await claimJobs(f.deps.store, {
        queue: CAMPAIGN_QUEUE,
        workerId: 'w1',
        limit: 5,
        leaseMs: 60_000,
        nowMs: f.clock.now(),
      })
      if (jobs.length === 0) break
      claimed.push(...jobs.map((j) => (j.payload as { customerId: string }).customerId))
    }
    expect(claimed).toEqual(treated)
  })

  it('a worker that crashes after sending and before acknowledging does not send twice', async () => {
    const { f, campaign } = await launched({ ...mass, holdoutShare: 0 }, 3)
    let sends = 0
    // Worker 1 sends the first message, then dies: its promise never settles, nothing is acked.
    void runCampaignWorker(
      {
        ...f.deps,
        send: async (deps, requests) => {
          await sendMessages(deps, requests)
          sends++
          return new Promise(() => undefined)
        },
      },
      { workerId: 'crashed', batchSize: 1, leaseMs: 60_000 },
    )
    await expect.poll(() => sends).toBe(1)
    expect(f.handed).toHaveLength(1)
    // Before the lease ends nobody takes its jobs over: the one it sent, and the next batch,
    // claimed while the first was rendering.
    const early = await runCampaignWorker(f.deps, {
      workerId: 'w2',
      batchSize: 10,
      leaseMs: 60_000,
    })
    expect(early).toMatchObject({ claimed: 1, sent: 1, duplicates: 0 })
    f.clock.advance(60_001)
    const restart = await runCampaignWorker(f.deps, { workerId: 'w3', batchSize: 10 })
    expect(restart).toMatchObject({ claimed: 2, sent: 2, duplicates: 1 })
    expect(f.handed).toHaveLength(3)
    expect(new Set(f.handed).size).toBe(3)
    expect(await f.deps.store.db.selectFrom('messages').selectAll().execute()).toHaveLength(3)
    expect(await countJobs(f.deps.store.db, CAMPAIGN_QUEUE)).toMatchObject({ done: 3, running: 0 })
    expect((await getCampaign(f.deps.store.db, campaign.id))?.status).toBe('sent')
  })

  it('records sends whose jobs died with their leases: sent if the message went out, else failed', async () => {
    const { f, ids, campaign } = await launched({ ...mass, holdoutShare: 0 }, 2)
    // Worker after worker takes both jobs and hangs; the first had sent its message.
    await sendMessages(f.deps.interact, [
      {
        identity: ids[0]!,
        channel: 'in_app',
        kind: 'marketing',
        topic: 'news',
        subject: 'Hi',
        body: 'hello',
        idempotencyKey: `campaign:${campaign.id}:${ids[0]!}`,
      },
    ])
    for (let attempt = 0; attempt < 5; attempt++) {
      await claimJobs(f.deps.store, {
        queue: CAMPAIGN_QUEUE,
        workerId: `hung-${attempt}`,
        limit: 2,
        leaseMs: 1000,
        nowMs: f.clock.now(),
      })
      f.clock.advance(2000)
    }
    expect(await runCampaignWorker(f.deps, { workerId: 'w' })).toMatchObject({ claimed: 0 })
    const rows = await f.deps.store.db
      .selectFrom('campaign_assignments')
      .select(['customer_id', 'send_status', 'send_reason', 'message_id'])
      .orderBy('customer_id')
      .execute()
    const message = await f.deps.store.db
      .selectFrom('messages')
      .select('id')
      .where('customer_id', '=', ids[0]!)
      .executeTakeFirstOrThrow()
    expect(new Map(rows.map((r) => [r.customer_id, r]))).toEqual(
      new Map([
        [
          ids[0]!,
          { customer_id: ids[0], send_status: 'sent', send_reason: null, message_id: message.id },
        ],
        [
          ids[1]!,
          {
            customer_id: ids[1],
            send_status: 'failed',
            send_reason: 'dead: lease expired on the last attempt',
            message_id: null,
          },
        ],
      ]),
    )
    expect(await countJobs(f.deps.store.db, CAMPAIGN_QUEUE)).toMatchObject({ dead: 2 })
    expect((await getCampaign(f.deps.store.db, campaign.id))?.status).toBe('sent')
  })

  it('retries a send that failed on the way, with backoff, and fails it after the last attempt', async () => {
    const { f, ids } = await launched({ ...mass, holdoutShare: 0 }, 2)
    const failing = new Map<string, number>([
      [ids[0]!, 1],
      [ids[1]!, 99],
    ])
    // A batch send fails as a whole (its transaction rolls back): one customer per batch here.
    const flaky = {
      ...f.deps,
      send: (
        deps: typeof f.deps.interact,
        requests: Parameters<typeof sendMessages>[1],
      ): ReturnType<typeof sendMessages> => {
        const down = requests.filter((r) => (failing.get(r.identity) ?? 0) > 0)
        for (const r of down) failing.set(r.identity, (failing.get(r.identity) ?? 0) - 1)
        if (down.length > 0) {
          return Promise.reject(
            new InfrastructureError('db_timeout', 'database timed out', { retryable: true }),
          )
        }
        return sendMessages(deps, requests)
      },
    }
    const backoff = { baseMs: 1000, maxMs: 60_000 }
    const run = () => runCampaignWorker(flaky, { workerId: 'w', backoff, batchSize: 1 })
    const first = await run()
    expect(first).toMatchObject({ claimed: 2, sent: 0, retried: 2 })
    // Not due yet: nothing is claimed before the backoff has passed.
    expect((await run()).claimed).toBe(0)
    f.clock.advance(1000)
    const second = await run()
    expect(second).toMatchObject({ claimed: 2, sent: 1, retried: 1 })
    expect(f.handed).toEqual([ids[0]])
    for (const wait of [2000, 4000, 8000]) {
      f.clock.advance(wait)
      await run()
    }
    const rows = await f.deps.store.db
      .selectFrom('campaign_assignments')
      .selectAll()
      .orderBy('customer_id')
      .execute()
    const byId = new Map(rows.map((r) => [r.customer_id, r]))
    expect(byId.get(ids[0]!)).toMatchObject({ send_status: 'sent' })
    expect(byId.get(ids[1]!)).toMatchObject({ send_status: 'failed' })
    expect(byId.get(ids[1]!)?.send_reason).toMatch(/^dead: database timed out/)
    expect(await countJobs(f.deps.store.db, CAMPAIGN_QUEUE)).toMatchObject({ done: 1, dead: 1 })
  })

  it('skips customers who withdrew consent after launch, through sendMessages', async () => {
    const { f, ids } = await launched({ ...mass, holdoutShare: 0 }, 3)
    f.clock.advance(1000)
    await setConsent(
      f.deps.store.db,
      ids[1]!,
      { channel: 'in_app', topic: 'news', granted: false, source: 'test' },
      f.clock.now(),
    )
    const report = await runCampaignWorker(f.deps, { workerId: 'w' })
    expect(report).toMatchObject({ sent: 2, skipped: 1 })
    const row = await f.deps.store.db
      .selectFrom('campaign_assignments')
      .selectAll()
      .where('customer_id', '=', ids[1]!)
      .executeTakeFirstOrThrow()
    expect(row).toMatchObject({ send_status: 'skipped', send_reason: 'no_consent' })
  })

  it('sends differentiated variants by first matching segment and a pilot first', async () => {
    const f = campaignFixture(current(), {
      templates: fixedTemplates(['gold', 'silver']),
    })
    const ids = await f.addCustomers(30)
    const deps = {
      ...f.deps,
      segments: fixedSegments({ vip: ids.slice(0, 10), all: ids.slice(0, 20) }),
    }
    const created = await createCampaign(
      deps,
      {
        name: 'Tiers',
        strategy: 'differentiated',
        channel: 'in_app',
        topic: 'news',
        variants: [
          { segmentId: 'vip', templateName: 'gold' },
          { segmentId: 'all', templateName: 'silver' },
        ],
        holdoutShare: 0,
        pilot: { share: 0.25, waitHours: 1 },
      },
      f.clock.now(),
    )
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const launch = await launchCampaign(deps, created.value.id, f.clock.now())
    expect(launch.ok && launch.value).toMatchObject({ eligible: 20, treatment: 20, pilot: 5 })
    const pilot = await runCampaignWorker(deps, { workerId: 'w' })
    expect(pilot).toMatchObject({ claimed: 5, sent: 5 })
    f.clock.advance(3_600_000)
    expect(await runCampaignWorker(deps, { workerId: 'w' })).toMatchObject({
      claimed: 15,
      sent: 15,
    })
    const messages = await deps.store.db
      .selectFrom('messages')
      .select(['customer_id', 'body'])
      .execute()
    const body = new Map(messages.map((m) => [m.customer_id, m.body]))
    expect(body.get(ids[0]!)).toBe(`gold for ${ids[0]}`)
    expect(body.get(ids[15]!)).toBe(`silver for ${ids[15]}`)
    expect(body.has(ids[25]!)).toBe(false)
  })

  it('lists every problem before anything is stored or sent', async () => {
    const f = campaignFixture(current())
    await f.addCustomers(2, { consent: false })
    const deps = { ...f.deps, segments: fixedSegments({ empty: [] }) }
    const shape = await createCampaign(
      deps,
      { name: '', strategy: 'concentrated', channel: 'fax', topic: 'news', variants: [] },
      f.clock.now(),
    )
    expect(shape.ok).toBe(false)
    if (shape.ok) return
    const paths = shape.error.problems.map((p) => p.path).sort()
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'channel', 'variants', 'templateName', 'segmentId']),
    )
    const semantic = await createCampaign(
      deps,
      {
        name: 'X',
        strategy: 'concentrated',
        channel: 'in_app',
        topic: 'news',
        templateName: 'nope',
        segmentId: 'empty',
      },
      f.clock.now(),
    )
    expect(semantic.ok).toBe(false)
    if (semantic.ok) return
    expect(semantic.error.problems.map((p) => ('code' in p ? p.code : p.path))).toEqual([
      'unknown_template',
      'empty_segment',
      'no_eligible_customers',
    ])
    const none = await createCampaign(deps, mass, f.clock.now())
    expect(!none.ok && none.error.problems[0]).toMatchObject({
      path: 'audience',
      code: 'no_eligible_customers',
      message: 'no customer has consented to in_app messages on topic "news"',
    })
    expect(await deps.store.db.selectFrom('campaigns').selectAll().execute()).toEqual([])
    expect(await deps.store.db.selectFrom('jobs').selectAll().execute()).toEqual([])
  })
})
