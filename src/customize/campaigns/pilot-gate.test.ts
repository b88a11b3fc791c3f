import { describe, expect, it } from 'vitest'
import { ingestEvents } from '../../identify/ingest-events.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { PilotSchema } from './campaign-definition.js'
import { campaignReport, upliftReport } from './campaign-report.js'
import { campaignFixture, type CampaignFixture } from './campaign-test-doubles.js'
import { getCampaign } from './campaigns.repository.js'
import { runCampaignWorker } from './campaign-worker.js'
import { createCampaign, launchCampaign } from './launch-campaign.js'
import { recordInteraction } from '../recommend/recommend.repository.js'
import { decidePilot, pilotGate } from './pilot-gate.js'
import { claimJobs } from './job-queue.js'
import { CAMPAIGN_QUEUE } from './launch-campaign.js'
import { moveCustomerRows } from '../../store/customer-tables.js'

const HOUR = 3_600_000

describe('the pilot gate (pure)', () => {
  const counts = { pilotCustomers: 10, counterpartCustomers: 10 }
  const at = (decidedAt: number) => ({ decidedAt, judgedAt: decidedAt })
  const outcome = (conversions: number) => ({
    customers: 10,
    conversions,
    revenue: 50 * conversions,
    revenueSquares: 2500 * conversions,
  })
  const better = upliftReport(outcome(9), outcome(1), 'counterpart')
  const worse = upliftReport(outcome(1), outcome(9), 'counterpart')
  const even = upliftReport(outcome(5), outcome(4), 'counterpart')
  const pilot = (promoteIf: string, promoteOn = 'conversion') =>
    PilotSchema.parse({ share: 0.2, waitHours: 24, promoteIf, promoteOn })

  it('better: sends the rest only when the interval lies above zero', () => {
    expect(decidePilot(pilot('better'), better, counts, at(1)).promoted).toBe(true)
    expect(decidePilot(pilot('better'), even, counts, at(1)).promoted).toBe(false)
    expect(decidePilot(pilot('better'), worse, counts, at(1)).promoted).toBe(false)
  })

  it('not-worse: holds the rest back only when the interval lies below zero', () => {
    expect(decidePilot(pilot('not-worse'), better, counts, at(1)).promoted).toBe(true)
    expect(decidePilot(pilot('not-worse'), even, counts, at(1)).promoted).toBe(true)
    const stopped = decidePilot(pilot('not-worse', 'revenue'), worse, counts, at(7))
    expect(stopped).toMatchObject({
      promoted: false,
      rule: 'not-worse',
      metric: 'revenue',
      decidedAt: 7,
      estimate: -40,
      pilotCustomers: 10,
      counterpartCustomers: 10,
    })
    expect(stopped.high).toBeLessThan(0)
    expect(stopped.reason).toMatch(/revenue per customer uplift -40\.00 .*significantly worse/)
  })

  it('an uplift that cannot be estimated is no evidence: better stops, not-worse sends', () => {
    expect(decidePilot(pilot('better'), null, counts, at(1))).toMatchObject({
      promoted: false,
      estimate: null,
    })
    expect(decidePilot(pilot('not-worse'), null, counts, at(1)).promoted).toBe(true)
    expect(decidePilot(pilot('not-worse'), null, counts, at(1)).reason).toMatch(/not known/)
  })
})

describeEachEngine('a gated pilot', (current) => {
  /** 40 customers: half held out, half of each arm in the pilot (10 + 10). */
  async function gated(f: CampaignFixture, promoteIf: string, promoteOn = 'conversion') {
    const ids = await f.addCustomers(40)
    const created = await createCampaign(
      f.deps,
      {
        name: 'Gated',
        strategy: 'mass',
        channel: 'in_app',
        topic: 'news',
        templateName: 'hello',
        holdoutShare: 0.5,
        pilot: { share: 0.5, waitHours: 48, promoteIf, promoteOn },
      },
      f.clock.now(),
    )
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const launch = await launchCampaign(f.deps, created.value.id, f.clock.now())
    if (!launch.ok) throw new Error(JSON.stringify(launch.error))
    expect(launch.value).toMatchObject({ treatment: 20, holdout: 20, pilot: 10, pilotHoldout: 10 })
    const rows = await current()
      .db.selectFrom('campaign_assignments')
      .select(['customer_id', 'grp', 'pilot'])
      .execute()
    const users = (grp: string, pilot: number): string[] =>
      rows
        .filter((r) => r.grp === grp && r.pilot === pilot)
        .map((r) => `u${ids.indexOf(r.customer_id)}`)
    return { campaignId: created.value.id, launchedAt: f.clock.now(), users }
  }

  async function buy(f: CampaignFixture, users: readonly string[], at: number): Promise<void> {
    await ingestEvents(
      { store: current(), clock: f.clock },
      users.map((userId) => ({
        type: 'track' as const,
        userId,
        event: 'Order Completed',
        messageId: `order-${userId}`,
        timestamp: new Date(at).toISOString(),
        properties: { order_id: `o-${userId}`, total: 40, currency: 'EUR' },
      })),
    )
  }

  it('holds the rest back when the pilot did significantly worse than its counterpart', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt, users } = await gated(f, 'not-worse')
    expect(await runCampaignWorker(f.deps, { workerId: 'w1' })).toMatchObject({ sent: 10 })
    // During the wait the held-out counterpart buys and the pilot does not.
    await buy(f, users('holdout', 1), launchedAt + 5 * HOUR)
    // An order after the wait is not part of the decision.
    await buy(f, users('treatment', 1).slice(0, 9), launchedAt + 49 * HOUR)
    expect((await getCampaign(current().db, campaignId))?.pilotDecision).toBeNull()

    f.clock.set(launchedAt + 48 * HOUR)
    const rest = await runCampaignWorker(f.deps, { workerId: 'w2', batchSize: 4 })
    expect(rest).toMatchObject({ claimed: 10, sent: 0, skipped: 10, failed: 0 })
    const campaign = await getCampaign(current().db, campaignId)
    expect(campaign?.status).toBe('sent')
    expect(campaign?.pilotDecision).toMatchObject({
      promoted: false,
      rule: 'not-worse',
      metric: 'conversion',
      estimate: -1,
      pilotCustomers: 10,
      counterpartCustomers: 10,
    })
    // Nobody outside the pilot was contacted; the report shows why.
    expect(new Set(f.handed).size).toBe(10)
    const report = await campaignReport(current().db, campaignId, launchedAt + 20 * 24 * HOUR)
    expect(report.sends).toEqual({ sent: 10, 'skipped:pilot_stopped': 10 })
    expect(report.campaign.pilotDecision?.reason).toMatch(/significantly worse/)
  })

  it('sends the rest when the pilot did significantly better, once for every worker', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt, users } = await gated(f, 'better')
    await runCampaignWorker(f.deps, { workerId: 'w1' })
    await buy(f, users('treatment', 1), launchedAt + 5 * HOUR)
    f.clock.set(launchedAt + 48 * HOUR)
    // Two workers share the rest; the first to see it due decides for both.
    const first = await runCampaignWorker(f.deps, { workerId: 'w2', batchSize: 3, maxJobs: 3 })
    const decided = (await getCampaign(current().db, campaignId))?.pilotDecision
    expect(decided).toMatchObject({ promoted: true, rule: 'better', estimate: 1 })
    // Orders after the decision do not change it.
    await buy(f, users('holdout', 1), launchedAt + 47 * HOUR)
    f.clock.advance(HOUR)
    const second = await runCampaignWorker(f.deps, { workerId: 'w3' })
    expect(first.sent + second.sent).toBe(10)
    expect((await getCampaign(current().db, campaignId))?.pilotDecision).toEqual(decided)
    expect(new Set(f.handed).size).toBe(20)
  })

  it('judges feedback: likes minus skips and dismissals during the wait, per customer', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt, users } = await gated(f, 'better', 'feedback')
    await runCampaignWorker(f.deps, { workerId: 'w1' })
    const customerOf = new Map(
      (
        await current()
          .db.selectFrom('identities')
          .select(['customer_id', 'value'])
          .where('kind', '=', 'user_id')
          .execute()
      ).map((r) => [r.value, r.customer_id]),
    )
    const feedback = async (user: string, kind: 'like' | 'skip' | 'dismiss', at: number) =>
      recordInteraction(current().db, {
        customerId: customerOf.get(user)!,
        productId: `p-${kind}`,
        kind,
        occurredAt: at,
        messageId: `fb-${user}-${kind}-${at}`,
      })
    // Every piloted customer likes twice and skips once (net +1); the counterpart skips or
    // dismisses once (net −1); a like before the launch and one after the wait do not count.
    for (const user of users('treatment', 1)) {
      await feedback(user, 'like', launchedAt + HOUR)
      await feedback(user, 'like', launchedAt + 2 * HOUR)
      await feedback(user, 'skip', launchedAt + 3 * HOUR)
    }
    for (const [i, user] of users('holdout', 1).entries()) {
      await feedback(user, i % 2 === 0 ? 'skip' : 'dismiss', launchedAt + HOUR)
      await feedback(user, 'like', launchedAt - HOUR)
      await feedback(user, 'like', launchedAt + 49 * HOUR)
    }
    f.clock.set(launchedAt + 48 * HOUR)
    expect(await runCampaignWorker(f.deps, { workerId: 'w2' })).toMatchObject({ sent: 10 })
    const decision = (await getCampaign(current().db, campaignId))?.pilotDecision
    expect(decision).toMatchObject({ promoted: true, metric: 'feedback', estimate: 2 })
    expect(decision?.reason).toMatch(/net feedback per customer uplift 2\.00/)
  })

  it('refuses a gate with nothing to compare before anything is stored or sent', async () => {
    const f = campaignFixture(current())
    await f.addCustomers(12)
    const noHoldout = await createCampaign(
      f.deps,
      {
        name: 'No holdout',
        strategy: 'mass',
        channel: 'in_app',
        topic: 'news',
        templateName: 'hello',
        holdoutShare: 0,
        pilot: { share: 0.2, waitHours: 24, promoteIf: 'better' },
      },
      f.clock.now(),
    )
    expect(noHoldout.ok).toBe(false)
    expect(!noHoldout.ok && noHoldout.error.problems.map((p) => p.path)).toEqual([
      'pilot.promoteIf',
    ])
    // 12 customers, 10 % held out (one), a 20 % pilot: round(0.2 × 1) = 0 in the counterpart.
    const tiny = await createCampaign(
      f.deps,
      {
        name: 'Tiny',
        strategy: 'mass',
        channel: 'in_app',
        topic: 'news',
        templateName: 'hello',
        pilot: { share: 0.2, waitHours: 24, promoteIf: 'not-worse' },
      },
      f.clock.now(),
    )
    if (!tiny.ok) throw new Error(JSON.stringify(tiny.error))
    const launch = await launchCampaign(f.deps, tiny.value.id, f.clock.now())
    expect(launch).toMatchObject({
      ok: false,
      error: { type: 'invalid_campaign', problems: [{ code: 'no_pilot_comparison' }] },
    })
    expect((await getCampaign(current().db, tiny.value.id))?.status).toBe('draft')
    // No wait to judge, or a pilot with nothing left to decide on.
    const gate = (pilot: Record<string, unknown>, holdoutShare = 0.1) =>
      createCampaign(
        f.deps,
        {
          name: 'Gate',
          strategy: 'mass',
          channel: 'in_app',
          topic: 'news',
          templateName: 'hello',
          holdoutShare,
          pilot,
        },
        f.clock.now(),
      )
    const noWait = await gate({ share: 0.5, promoteIf: 'better' })
    expect(!noWait.ok && noWait.error.problems.map((p) => p.path)).toEqual(['pilot.waitHours'])
    const everyone = await gate({ share: 1, waitHours: 24, promoteIf: 'better' })
    expect(!everyone.ok && everyone.error.problems.map((p) => p.path)).toEqual(['pilot.promoteIf'])
    // 12 customers, half held out; a 95 % pilot takes round(5.7) = 6 of the 6 treated.
    const noRest = await gate({ share: 0.95, waitHours: 24, promoteIf: 'not-worse' }, 0.5)
    if (!noRest.ok) throw new Error(JSON.stringify(noRest.error))
    expect(await launchCampaign(f.deps, noRest.value.id, f.clock.now())).toMatchObject({
      ok: false,
      error: { problems: [{ code: 'no_pilot_comparison', message: /leaving 0 for the rest/ }] },
    })
    expect(await current().db.selectFrom('jobs').selectAll().execute()).toHaveLength(0)
  })

  it('a backlog that sends the pilot late pushes the decision back, no attempt spent', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt, users } = await gated(f, 'not-worse', 'revenue')
    // No worker ran during the wait: pilot and rest are claimed together, a day late.
    const late = launchedAt + 72 * HOUR
    f.clock.set(late)
    // Batches of 12: the first holds pilot and rest; the rest it holds goes back, and so does
    // the rest no one has claimed yet, in one statement.
    const round = await runCampaignWorker(f.deps, { workerId: 'w1', batchSize: 12 })
    expect(round).toMatchObject({ sent: 10, skipped: 0, failed: 0 })
    expect(round.claimed).toBeLessThan(20)
    const restJobs = await current()
      .db.selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'queued')
      .execute()
    expect(restJobs).toHaveLength(10)
    for (const job of restJobs) {
      expect(job).toMatchObject({
        attempts: 0,
        locked_by: null,
        run_after: late + 48 * HOUR,
        last_error: 'waiting: the pilot is still being sent',
      })
    }
    expect((await getCampaign(current().db, campaignId))?.pilotDecision).toBeNull()
    // An hour before the pilot's wait ends, nothing is due.
    f.clock.set(late + 47 * HOUR)
    expect(await runCampaignWorker(f.deps, { workerId: 'w2' })).toMatchObject({ claimed: 0 })
    // The counterpart spends more than the pilot (which buys nothing) during the wait.
    await ingestEvents(
      { store: current(), clock: f.clock },
      users('holdout', 1).map((userId, i) => ({
        type: 'track' as const,
        userId,
        event: 'Order Completed',
        messageId: `order-${userId}`,
        timestamp: new Date(late + 5 * HOUR).toISOString(),
        properties: { order_id: `o-${userId}`, total: 30 + 10 * i, currency: 'EUR' },
      })),
    )
    f.clock.set(late + 48 * HOUR)
    expect(await runCampaignWorker(f.deps, { workerId: 'w2' })).toMatchObject({
      claimed: 10,
      sent: 0,
      skipped: 10,
    })
    const decision = (await getCampaign(current().db, campaignId))?.pilotDecision
    expect(decision).toMatchObject({
      promoted: false,
      metric: 'revenue',
      judgedAt: late + 48 * HOUR,
      estimate: -(30 + 10 * 4.5),
    })
    expect(decision?.high).toBeLessThan(0)
  })

  it('does not wait for pilot sends that will never be recorded: a dead job, a merged customer', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt } = await gated(f, 'not-worse')
    const pilotRows = await current()
      .db.selectFrom('campaign_assignments')
      .select('customer_id')
      .where('grp', '=', 'treatment')
      .where('pilot', '=', 1)
      .orderBy('customer_id')
      .execute()
    // A worker takes the first send and dies, on every attempt: the next claim marks it dead.
    let t = launchedAt
    for (let attempt = 0; attempt < 5; attempt++) {
      await claimJobs(current(), {
        queue: CAMPAIGN_QUEUE,
        workerId: 'crashing',
        limit: 1,
        leaseMs: 1000,
        nowMs: t,
      })
      t += 2000
    }
    // Another piloted customer is merged into a newcomer before their send: the job names the
    // customer merged away, the assignment moved to the newcomer, who gets the message.
    const [newcomer] = await f.addCustomers(1, { from: 100 })
    await current()
      .db.insertInto('merges')
      .values({
        id: 'mrg_test',
        customer_id: newcomer!,
        merged_customer_id: pilotRows[1]!.customer_id,
        identities: '[]',
        reason: 'test',
        message_id: null,
        merged_at: t,
      })
      .execute()
    await moveCustomerRows(current().db, pilotRows[1]!.customer_id, newcomer!)
    f.clock.set(t)
    expect(await runCampaignWorker(f.deps, { workerId: 'w1' })).toMatchObject({ sent: 9 })
    expect(f.handed).toContain(newcomer)
    expect(f.handed).not.toContain(pilotRows[1]!.customer_id)
    const dead = await current()
      .db.selectFrom('campaign_assignments')
      .select(['send_status', 'send_reason'])
      .where('customer_id', '=', pilotRows[0]!.customer_id)
      .executeTakeFirstOrThrow()
    expect(dead).toEqual({
      send_status: 'failed',
      send_reason: 'dead: lease expired on the last attempt',
    })
    // A wait after the last pilot send, the rest is judged and sent.
    f.clock.set(t + 48 * HOUR)
    expect(await runCampaignWorker(f.deps, { workerId: 'w1' })).toMatchObject({ sent: 10 })
    const campaign = await getCampaign(current().db, campaignId)
    expect(campaign?.pilotDecision).toMatchObject({ promoted: true, judgedAt: t + 48 * HOUR })
    // Nothing is left waiting: the campaign is sent.
    expect(campaign?.status).toBe('sent')
  })

  it('the first decision stands: a worker that decides later on other figures is refused', async () => {
    const f = campaignFixture(current())
    const { campaignId, launchedAt, users } = await gated(f, 'better')
    await runCampaignWorker(f.deps, { workerId: 'w1' })
    await buy(f, users('treatment', 1), launchedAt + 5 * HOUR)
    // Read before anyone decided: this worker's view has no decision.
    const stale = (await getCampaign(current().db, campaignId))!
    f.clock.set(launchedAt + 48 * HOUR)
    const first = await pilotGate(current().db, stale, f.clock.now())
    expect(first).toMatchObject({ state: 'decided', decision: { promoted: true } })
    // Had it judged now, the counterpart's orders would stop the rest; the stored one wins.
    await buy(f, users('holdout', 1), launchedAt + 6 * HOUR)
    const second = await pilotGate(current().db, stale, f.clock.now() + HOUR)
    expect(second).toEqual(first)
  })
})
