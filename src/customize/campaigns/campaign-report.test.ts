import { expect, it } from 'vitest'
import { DAY_MS } from '../../core/clock.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { moveCustomerRows } from '../../store/customer-tables.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { renderCampaignReportHtml, renderComparisonHtml } from './campaign-report-html.js'
import { selectPilot } from './assign-holdout.js'
import { campaignReport, compareStrategies } from './campaign-report.js'
import { getCampaign } from './campaigns.repository.js'
import { campaignFixture, type CampaignFixture } from './campaign-test-doubles.js'
import { runCampaignWorker } from './campaign-worker.js'
import { createCampaign, launchCampaign } from './launch-campaign.js'
import { estimateUplift } from './uplift.js'

describeEachEngine('campaign report', (current) => {
  async function launch(f: CampaignFixture, input: Record<string, unknown>) {
    const created = await createCampaign(f.deps, input, f.clock.now())
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const launched = await launchCampaign(f.deps, created.value.id, f.clock.now())
    if (!launched.ok) throw new Error(JSON.stringify(launched.error))
    await runCampaignWorker(f.deps, { workerId: 'w' })
    return created.value.id
  }

  async function order(f: CampaignFixture, userId: string, id: string, total: number, at: number) {
    await ingestEvents({ store: current(), clock: f.clock }, [
      {
        type: 'track',
        userId,
        event: 'Order Completed',
        messageId: `order-${id}`,
        timestamp: new Date(at).toISOString(),
        properties: { order_id: id, total, currency: 'EUR' },
      },
    ])
  }

  it('counts conversions and revenue per group within the window and computes the uplift', async () => {
    const f = campaignFixture(current())
    const ids = await f.addCustomers(40)
    const userOf = new Map(ids.map((id, i) => [id, `u${i}`]))
    const launchedAt = f.clock.now()
    const campaignId = await launch(f, {
      name: 'Spring',
      strategy: 'mass',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
      holdoutShare: 0.25,
      attributionDays: 14,
    })
    const rows = await current()
      .db.selectFrom('campaign_assignments')
      .select(['customer_id', 'grp'])
      .orderBy('customer_id')
      .execute()
    const treated = rows.filter((r) => r.grp === 'treatment').map((r) => userOf.get(r.customer_id)!)
    const held = rows.filter((r) => r.grp === 'holdout').map((r) => userOf.get(r.customer_id)!)
    expect([treated.length, held.length]).toEqual([30, 10])
    for (let i = 0; i < 6; i++) await order(f, treated[i]!, `t${i}`, 50, launchedAt + DAY_MS)
    await order(f, treated[0]!, 't0b', 20, launchedAt + 3 * DAY_MS)
    await order(f, treated[6]!, 'before', 500, launchedAt - DAY_MS)
    await order(f, treated[7]!, 'late', 500, launchedAt + 15 * DAY_MS)
    await order(f, held[0]!, 'h0', 40, launchedAt + 2 * DAY_MS)
    await order(f, held[1]!, 'h1', 90, launchedAt + 2 * DAY_MS)
    await ingestEvents({ store: current(), clock: f.clock }, [
      {
        type: 'track',
        userId: held[1],
        event: 'Order Cancelled',
        messageId: 'cancel-h1',
        properties: { order_id: 'h1' },
      },
    ])

    const now = launchedAt + 20 * DAY_MS
    const report = await campaignReport(current().db, campaignId, now)
    const [treatment, holdout] = report.groups
    expect(treatment).toMatchObject({
      key: 'treatment',
      customers: 30,
      conversions: 6,
      revenue: 320,
    })
    expect(holdout).toMatchObject({ key: 'holdout', customers: 10, conversions: 1, revenue: 40 })
    expect(treatment!.conversionRate.estimate).toBeCloseTo(0.2, 12)
    expect(treatment!.revenuePerCustomer.estimate).toBeCloseTo(320 / 30, 12)
    // The same sums by hand: Σ revenue² = 70² + 5·50² for the treated, 40² for the holdout.
    const expected = estimateUplift(
      { customers: 30, conversions: 6, revenue: 320, revenueSquares: 70 ** 2 + 5 * 50 ** 2 },
      { customers: 10, conversions: 1, revenue: 40, revenueSquares: 40 ** 2 },
    )
    expect(report.uplift?.conversion.estimate).toBeCloseTo(0.1, 12)
    expect(report.uplift?.conversion.low).toBeCloseTo(expected.conversion.low, 12)
    expect(report.uplift?.conversion.high).toBeCloseTo(expected.conversion.high, 12)
    expect(report.uplift?.revenuePerCustomer.low).toBeCloseTo(expected.revenuePerCustomer.low, 9)
    expect(report.uplift?.revenuePerCustomer.high).toBeCloseTo(expected.revenuePerCustomer.high, 9)
    expect(report.uplift?.relativeLift.estimate).toBeCloseTo(1, 12)
    expect(report.uplift?.incrementalRevenue.estimate).toBeCloseTo((320 / 30 - 4) * 30, 9)
    expect(report.sends).toEqual({ sent: 30 })
    expect(report.deliveries).toEqual({ delivered: 30 })
    expect(report.strata).toEqual([{ stratum: 'unscored', treatment: 30, holdout: 10 }])
    expect(report.attribution.closed).toBe(true)
    expect(
      (await campaignReport(current().db, campaignId, launchedAt + DAY_MS)).attribution.closed,
    ).toBe(false)

    const html = renderCampaignReportHtml(report)
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/)
    expect(html.match(/<svg /g)).toHaveLength(4)
    expect(html).toContain('Conversion uplift')

    // Launched after every order: its uplift is zero, below the first campaign's.
    f.clock.set(now)
    const other = await launch(f, {
      name: 'Again',
      strategy: 'one-to-one',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
    })
    const comparison = await compareStrategies(current().db, [campaignId, other], now + DAY_MS)
    expect(comparison.rows.map((r) => r.strategy)).toEqual(['mass', 'one-to-one'])
    expect(comparison.winner?.campaignId).toBe(campaignId)
    expect(renderComparisonHtml(comparison)).toContain('Which strategy wins')
  })

  it('measures a pilot against its counterpart in the holdout, and the rest from the end of the wait', async () => {
    const f = campaignFixture(current())
    const ids = await f.addCustomers(40)
    const userOf = new Map(ids.map((id, i) => [id, `u${i}`]))
    // Customer i viewed 20 − i products last week (none from u20 on): the most active come first.
    const launchedAt = f.clock.now()
    await ingestEvents(
      { store: current(), clock: f.clock },
      ids.flatMap((_, i) =>
        Array.from({ length: Math.max(0, 20 - i) }, (_unused, k) => ({
          type: 'track' as const,
          userId: `u${i}`,
          event: 'Product Viewed',
          messageId: `view-${i}-${k}`,
          timestamp: new Date(launchedAt - 7 * DAY_MS + k * 60_000).toISOString(),
          properties: { product_id: `p${k}` },
        })),
      ),
    )
    const waitMs = 24 * 3_600_000
    const campaignId = await launch(f, {
      name: 'Piloted',
      strategy: 'mass',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
      holdoutShare: 0.25,
      attributionDays: 14,
      pilot: { share: 0.2, waitHours: 24 },
    })
    const campaign = await getCampaign(current().db, campaignId)
    const rows = await current()
      .db.selectFrom('campaign_assignments')
      .select(['customer_id', 'grp', 'pilot'])
      .orderBy('customer_id')
      .execute()
    const activityOf = (id: string): number => Math.max(0, 20 - ids.indexOf(id))
    const expectedPilot = (grp: string): Set<string> =>
      selectPilot(
        rows
          .filter((r) => r.grp === grp)
          .map((r) => ({ customerId: r.customer_id, activity: activityOf(r.customer_id) })),
        campaign!.seed,
        0.2,
      )
    const marked = (grp: string): Set<string> =>
      new Set(rows.filter((r) => r.grp === grp && r.pilot === 1).map((r) => r.customer_id))
    // The same rule on both arms: 6 of the 30 treated, 2 of the 10 held out.
    expect(marked('treatment')).toEqual(expectedPilot('treatment'))
    expect(marked('holdout')).toEqual(expectedPilot('holdout'))
    expect([marked('treatment').size, marked('holdout').size]).toEqual([6, 2])
    // Only the pilot was due at launch; the holdout counterpart was never contacted.
    expect(new Set(f.handed)).toEqual(marked('treatment'))

    const user = (grp: string, pilot: number, nth: number): string =>
      userOf.get(rows.filter((r) => r.grp === grp && r.pilot === pilot)[nth]!.customer_id)!
    const early = launchedAt + 2 * 3_600_000
    // In the pilot's window from the launch: counted for the pilot and its counterpart.
    await order(f, user('treatment', 1, 0), 'pilot-early', 60, early)
    await order(f, user('holdout', 1, 0), 'counterpart-early', 30, early)
    // The rest, treated or held out, is attributed from the end of the wait: these are not.
    await order(f, user('treatment', 0, 0), 'rest-before-send', 500, early)
    await order(f, user('holdout', 0, 0), 'rest-holdout-before', 500, early)
    await order(f, user('treatment', 0, 1), 'rest-after', 80, launchedAt + waitMs + DAY_MS)
    await order(f, user('holdout', 0, 1), 'rest-holdout-after', 20, launchedAt + waitMs + DAY_MS)
    // Past the pilot's own window but inside the rest's: not the pilot's.
    await order(f, user('treatment', 1, 1), 'pilot-late', 70, launchedAt + 14 * DAY_MS + 3_600_000)

    f.clock.set(launchedAt + waitMs)
    expect(await runCampaignWorker(f.deps, { workerId: 'w' })).toMatchObject({ sent: 24 })
    const now = launchedAt + 20 * DAY_MS
    const report = await campaignReport(current().db, campaignId, now)
    const group = (key: string) => report.groups.find((g) => g.key === key)
    expect(report.groups.map((g) => g.key)).toEqual([
      'treatment',
      'holdout',
      'pilot',
      'pilot:holdout',
      'rest',
      'rest:holdout',
    ])
    expect(group('pilot')).toMatchObject({ customers: 6, conversions: 1, revenue: 60 })
    expect(group('pilot:holdout')).toMatchObject({ customers: 2, conversions: 1, revenue: 30 })
    expect(group('rest')).toMatchObject({ customers: 24, conversions: 1, revenue: 80 })
    expect(group('rest:holdout')).toMatchObject({ customers: 8, conversions: 1, revenue: 20 })
    expect(group('treatment')).toMatchObject({ customers: 30, conversions: 2, revenue: 140 })
    expect(group('holdout')).toMatchObject({ customers: 10, conversions: 2, revenue: 50 })
    const pilotExpected = estimateUplift(
      { customers: 6, conversions: 1, revenue: 60, revenueSquares: 60 ** 2 },
      { customers: 2, conversions: 1, revenue: 30, revenueSquares: 30 ** 2 },
    )
    expect(report.pilotUplift?.against).toBe('pilot counterpart in the holdout')
    expect(report.pilotUplift?.conversion.estimate).toBeCloseTo(1 / 6 - 1 / 2, 12)
    expect(report.pilotUplift?.conversion.low).toBeCloseTo(pilotExpected.conversion.low, 12)
    expect(report.restUplift?.conversion.estimate).toBeCloseTo(1 / 24 - 1 / 8, 12)
    expect(report.restUplift?.revenuePerCustomer.estimate).toBeCloseTo(80 / 24 - 20 / 8, 12)

    // The rest's window closes a wait later than the pilot's; so does the campaign.
    const pilotWindowEnd = launchedAt + 14 * DAY_MS
    const restWindowEnd = pilotWindowEnd + waitMs
    const at = (t: number) => campaignReport(current().db, campaignId, t)
    expect((await at(pilotWindowEnd + 3_600_000)).attribution.closed).toBe(false)
    expect((await at(restWindowEnd)).attribution.closed).toBe(true)
    f.clock.set(pilotWindowEnd + 3_600_000)
    await runCampaignWorker(f.deps, { workerId: 'w' })
    expect((await getCampaign(current().db, campaignId))?.status).toBe('sent')
    f.clock.set(restWindowEnd)
    await runCampaignWorker(f.deps, { workerId: 'w' })
    expect((await getCampaign(current().db, campaignId))?.status).toBe('completed')

    const html = renderCampaignReportHtml(report)
    expect(html).toContain('pilot counterpart in the holdout')
    expect(html).toContain('holdout outside the pilot counterpart')
  })

  it('without a counterpart in the holdout, every window opens at the launch, and says so', async () => {
    const f = campaignFixture(current())
    const ids = await f.addCustomers(12)
    const launchedAt = f.clock.now()
    // 12 customers, 10 % held out (one), a 20 % pilot: round(0.2 × 1) = 0 in the counterpart.
    const campaignId = await launch(f, {
      name: 'Small',
      strategy: 'mass',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
      pilot: { share: 0.2, waitHours: 24 },
    })
    const held = await current()
      .db.selectFrom('campaign_assignments')
      .select(['customer_id', 'pilot'])
      .where('grp', '=', 'holdout')
      .execute()
    expect(held.map((r) => r.pilot)).toEqual([0])
    // Everyone buys two hours after the launch: no effect at all, so no uplift either.
    for (let i = 0; i < ids.length; i++) {
      await order(f, `u${i}`, `all-${i}`, 50, launchedAt + 2 * 3_600_000)
    }
    const report = await campaignReport(current().db, campaignId, launchedAt + 20 * DAY_MS)
    expect(report.groups.map((g) => [g.key, g.customers, g.conversions])).toEqual([
      ['treatment', 11, 11],
      ['holdout', 1, 1],
      ['pilot', 2, 2],
      ['rest', 9, 9],
    ])
    expect(report.uplift?.conversion.estimate).toBe(0)
    expect(report.pilotUplift?.conversion.estimate).toBe(0)
    expect(report.pilotUplift?.against).toMatch(/^whole holdout \(not like for like/)
    expect(report.restUplift).toBeNull()
    expect(report.attribution.basis).toMatch(/after assignment/)
  })

  it("keeps the survivor's assignment when two assigned customers merge, else moves it", async () => {
    const f = campaignFixture(current())
    await f.addCustomers(4)
    const campaignId = await launch(f, {
      name: 'M',
      strategy: 'mass',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
      holdoutShare: 0.5,
    })
    const rows = await current()
      .db.selectFrom('campaign_assignments')
      .selectAll()
      .orderBy('customer_id')
      .execute()
    const [a, b] = rows
    await current()
      .db.deleteFrom('campaign_assignments')
      .where('customer_id', '=', rows[2]!.customer_id)
      .execute()
    await moveCustomerRows(current().db, b!.customer_id, a!.customer_id)
    await moveCustomerRows(current().db, rows[3]!.customer_id, rows[2]!.customer_id)
    const after = await current()
      .db.selectFrom('campaign_assignments')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('customer_id')
      .execute()
    expect(after.map((r) => [r.customer_id, r.grp])).toEqual([
      [a!.customer_id, a!.grp],
      [rows[2]!.customer_id, rows[3]!.grp],
    ])
  })
})
