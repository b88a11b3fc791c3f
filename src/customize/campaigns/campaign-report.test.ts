import { expect, it } from 'vitest'
import { DAY_MS } from '../../core/clock.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { moveCustomerRows } from '../../store/customer-tables.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { renderCampaignReportHtml, renderComparisonHtml } from './campaign-report-html.js'
import { campaignReport, compareStrategies } from './campaign-report.js'
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
