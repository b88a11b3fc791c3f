import { expect, it } from 'vitest'
import { DAY_MS, manualClock, type ManualClock } from '../../core/clock.js'
import { scoreCustomers } from '../../differentiate/value/score-customers.js'
import { loadDemoShop } from '../../identify/demo/load-demo-shop.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { createInAppChannel } from '../../interact/channels/in-app-channel.js'
import { DEFAULT_CONTACT_POLICY } from '../../interact/contact-pressure.js'
import type { InteractDeps } from '../../interact/interact-deps.js'
import { createMessageLinks } from '../../interact/message-links.js'
import type { Store } from '../../store/engine.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { createOffer } from '../offers/offer-service.js'
import { createSegment } from '../segments/segment-service.js'
import type { TemplateDefinition } from '../templates/template-definition.js'
import { saveTemplate } from '../templates/template-service.js'
import type { TemplateSettings } from '../templates/template-settings.js'
import type { CampaignDeps } from './campaign-ports.js'
import { campaignReport, compareStrategies } from './campaign-report.js'
import { buildCampaignDeps } from './campaign-services.js'
import { runCampaignWorker } from './campaign-worker.js'
import { createCampaign, launchCampaign } from './launch-campaign.js'
import { estimateUplift } from './uplift.js'
import { grantInAppNewsToAll } from '../../../test-support/in-app-consents.js'

const SETTINGS: TemplateSettings = {
  shopName: 'Demo shop',
  shopUrl: 'https://shop.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}
const DEMO_NOW = Date.UTC(2026, 5, 1)

const message = (name: string, html: string, subject = 'News'): TemplateDefinition => ({
  name,
  kind: 'message',
  subject,
  html,
  text: null,
  layout: null,
  channel: 'in_app',
})

interface Shop {
  readonly deps: CampaignDeps
  readonly clock: ManualClock
  readonly customers: readonly string[]
}

/** The demo shop (120 customers), scored, every customer consenting to in-app news. */
async function openShop(store: Store): Promise<Shop> {
  const clock = manualClock(DEMO_NOW)
  await loadDemoShop({ store, clock }, { customers: 120, seed: 11 })
  const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
  if (!scored.ok) throw new Error(JSON.stringify(scored.error))
  clock.advance(3_600_000)
  const customers = await grantInAppNewsToAll(store.db, clock.now())
  const interact: InteractDeps = {
    db: store.db,
    clock,
    channels: { in_app: createInAppChannel(clock) },
    links: createMessageLinks('http://idic.test', 'test-secret-test-secret-test-secret', clock),
    policy: DEFAULT_CONTACT_POLICY,
  }
  return { deps: buildCampaignDeps(store, interact, SETTINGS), clock, customers }
}

describeEachEngine('campaigns, one per strategy, end to end', (current) => {
  it('launches, sends, measures and compares mass, concentrated, differentiated and one-to-one', async () => {
    const store = current()
    const { deps, clock } = await openShop(store)
    const templateDeps = { db: store.db, clock, settings: SETTINGS }
    for (const t of [
      message(
        'mass-news',
        '<p>Hello {{ customer.firstName | default: "there" }}, spring is here.</p>',
      ),
      message(
        'loyal-thanks',
        '<p>Thank you for being loyal, {{ customer.firstName | default: "friend" }}.</p>',
      ),
      message('buyers-news', '<p>New arrivals for our customers.</p>'),
      message(
        'for-you',
        '<p>Picked for you:</p><ul>{% for item in recommendations.forYou limit: 3 %}<li>{{ item.name }}</li>{% endfor %}</ul>{% if offer %}<p>Offer: {{ offer.name }}</p>{% endif %}',
        'For {{ customer.firstName | default: "you" }}',
      ),
    ]) {
      const saved = await saveTemplate(templateDeps, t)
      if (!saved.ok) throw new Error(JSON.stringify(saved.error))
    }
    const loyal = await createSegment(
      store.db,
      { name: 'loyal', rule: { orders: 'count', op: 'gte', value: 3 } },
      clock.now(),
    )
    const buyers = await createSegment(
      store.db,
      { name: 'buyers', rule: { orders: 'count', op: 'gte', value: 1 } },
      clock.now(),
    )
    if (!loyal.ok || !buyers.ok) throw new Error('segments not created')
    const offer = await createOffer(
      store.db,
      { name: 'Ten off', kind: 'discount', discountPercent: 10, margin: 8, cost: 0.5 },
      clock.now(),
    )
    if (!offer.ok) throw new Error(JSON.stringify(offer.error))

    const base = { channel: 'in_app', topic: 'news', holdoutShare: 0.2, attributionDays: 14 }
    const inputs = [
      { ...base, name: 'Mass', strategy: 'mass', templateName: 'mass-news' },
      {
        ...base,
        name: 'Loyal',
        strategy: 'concentrated',
        segmentId: 'loyal',
        templateName: 'loyal-thanks',
      },
      {
        ...base,
        name: 'By segment',
        strategy: 'differentiated',
        variants: [
          { segmentId: 'loyal', templateName: 'loyal-thanks' },
          { segmentId: 'buyers', templateName: 'buyers-news' },
        ],
      },
      {
        ...base,
        name: 'One to one',
        strategy: 'one-to-one',
        templateName: 'for-you',
        pilot: { share: 0.2 },
      },
    ]
    const ids: string[] = []
    for (const input of inputs) {
      const created = await createCampaign(deps, input, clock.now())
      if (!created.ok) throw new Error(JSON.stringify(created.error))
      const launched = await launchCampaign(deps, created.value.id, clock.now())
      if (!launched.ok) throw new Error(JSON.stringify(launched.error))
      ids.push(created.value.id)
    }
    const [massId, loyalId, diffId, oneId] = ids as [string, string, string, string]
    // The pilot first; the rest of the one-to-one campaign becomes due right after it.
    const first = await runCampaignWorker(deps, { workerId: 'w', batchSize: 50 })
    clock.advance(1000)
    const rest = await runCampaignWorker(deps, { workerId: 'w', batchSize: 50 })
    expect(first.failed + rest.failed).toBe(0)
    expect(rest.claimed).toBeGreaterThan(0)

    const assignments = await store.db.selectFrom('campaign_assignments').selectAll().execute()
    const of = (id: string) => assignments.filter((a) => a.campaign_id === id)
    const customers = (await store.db.selectFrom('customers').select('id').execute()).length
    const loyalMembers = (
      await store.db
        .selectFrom('segment_members')
        .select('customer_id')
        .where('segment_id', '=', loyal.value.id)
        .execute()
    ).map((r) => r.customer_id)
    const buyerMembers = (
      await store.db
        .selectFrom('segment_members')
        .select('customer_id')
        .where('segment_id', '=', buyers.value.id)
        .execute()
    ).map((r) => r.customer_id)
    expect(of(massId)).toHaveLength(customers)
    expect(of(oneId)).toHaveLength(customers)
    expect(new Set(of(loyalId).map((a) => a.customer_id))).toEqual(new Set(loyalMembers))
    expect(of(diffId)).toHaveLength(new Set([...loyalMembers, ...buyerMembers]).size)
    // Differentiated: loyal customers get the first variant, other buyers the second.
    for (const a of of(diffId)) {
      expect(a.variant).toBe(loyalMembers.includes(a.customer_id) ? 'loyal' : 'buyers')
    }
    // Every treated customer got exactly one message per campaign; the holdout none.
    const messages = await store.db
      .selectFrom('messages')
      .select(['customer_id', 'idempotency_key', 'body'])
      .execute()
    const keys = new Set(messages.map((m) => m.idempotency_key))
    for (const a of assignments) {
      const key = `campaign:${a.campaign_id}:${a.customer_id}`
      expect(keys.has(key), key).toBe(a.grp === 'treatment')
      if (a.grp === 'treatment') expect(a.send_status).toBe('sent')
    }
    // Holdout about 20 % of each tier.
    for (const id of ids) {
      const byTier = new Map<string, { t: number; h: number }>()
      for (const a of of(id)) {
        const s = byTier.get(a.stratum) ?? { t: 0, h: 0 }
        if (a.grp === 'holdout') s.h++
        else s.t++
        byTier.set(a.stratum, s)
      }
      for (const { t, h } of byTier.values()) expect(h).toBe(Math.round(0.2 * (t + h)))
    }
    // One-to-one: per-customer content with the offer, recorded as presented under the message key.
    const oneMessages = messages.filter((m) => m.idempotency_key.startsWith(`campaign:${oneId}:`))
    expect(oneMessages.some((m) => m.body.includes('Offer: Ten off'))).toBe(true)
    const presentations = await store.db
      .selectFrom('offer_outcomes')
      .selectAll()
      .where('source', '=', oneId)
      .execute()
    expect(presentations.length).toBe(
      oneMessages.filter((m) => m.body.includes('Offer: Ten off')).length,
    )
    expect(presentations.every((p) => p.idempotency_key.startsWith(`campaign:${oneId}:`))).toBe(
      true,
    )
    // The pilot is a fifth of the treated; the same share of the holdout is its counterpart.
    for (const grp of ['treatment', 'holdout']) {
      expect(of(oneId).filter((a) => a.grp === grp && a.pilot === 1)).toHaveLength(
        Math.round(0.2 * of(oneId).filter((a) => a.grp === grp).length),
      )
    }

    // Orders after the send: 6 treated and 2 held-out customers of the mass campaign buy.
    const userOf = new Map(
      (
        await store.db
          .selectFrom('identities')
          .select(['customer_id', 'value'])
          .where('kind', '=', 'user_id')
          .execute()
      ).map((r) => [r.customer_id, r.value]),
    )
    const massTreated = of(massId).filter((a) => a.grp === 'treatment' && userOf.has(a.customer_id))
    const massHeld = of(massId).filter((a) => a.grp === 'holdout' && userOf.has(a.customer_id))
    const buyersAfter = [
      ...massTreated.slice(0, 6).map((a, i) => ({ a, total: 30 + 10 * i })),
      ...massHeld.slice(0, 2).map((a) => ({ a, total: 25 })),
    ]
    const sentAt = clock.now()
    await ingestEvents(
      { store, clock },
      buyersAfter.map(({ a, total }, i) => ({
        type: 'track',
        userId: userOf.get(a.customer_id),
        event: 'Order Completed',
        messageId: `after-${i}`,
        timestamp: new Date(sentAt + 2 * DAY_MS).toISOString(),
        properties: { order_id: `after-${i}`, total, currency: 'EUR' },
      })),
    )
    clock.set(sentAt + 20 * DAY_MS)
    const report = await campaignReport(store.db, massId, clock.now())
    const [treatment, holdout] = report.groups
    const nT = of(massId).filter((a) => a.grp === 'treatment').length
    const nH = of(massId).length - nT
    const revenueT = buyersAfter.slice(0, 6).reduce((s, b) => s + b.total, 0)
    expect(treatment).toMatchObject({ customers: nT, conversions: 6, revenue: revenueT })
    expect(holdout).toMatchObject({ customers: nH, conversions: 2, revenue: 50 })
    const expected = estimateUplift(
      {
        customers: nT,
        conversions: 6,
        revenue: revenueT,
        revenueSquares: buyersAfter.slice(0, 6).reduce((s, b) => s + b.total ** 2, 0),
      },
      { customers: nH, conversions: 2, revenue: 50, revenueSquares: 2 * 25 ** 2 },
    )
    expect(report.uplift?.conversion.estimate).toBeCloseTo(expected.conversion.estimate, 12)
    expect(report.uplift?.conversion.low).toBeCloseTo(expected.conversion.low, 12)
    expect(report.uplift?.revenuePerCustomer.high).toBeCloseTo(expected.revenuePerCustomer.high, 9)
    expect(report.sends).toEqual({ sent: nT })
    const diffReport = await campaignReport(store.db, diffId, clock.now())
    expect(diffReport.variants.map((v) => v.segmentId)).toEqual(['loyal', 'buyers'])
    const oneReport = await campaignReport(store.db, oneId, clock.now())
    expect(oneReport.groups.map((g) => g.key)).toEqual([
      'treatment',
      'holdout',
      'pilot',
      'pilot:holdout',
      'rest',
      'rest:holdout',
    ])
    expect(oneReport.pilotUplift?.against).toBe('pilot counterpart in the holdout')
    const comparison = await compareStrategies(store.db, ids, clock.now())
    expect(comparison.rows.map((r) => r.strategy)).toEqual([
      'mass',
      'concentrated',
      'differentiated',
      'one-to-one',
    ])
    expect(comparison.winner).not.toBeNull()
    // Campaigns whose window has passed are completed by the next worker round.
    await runCampaignWorker(deps, { workerId: 'w' })
    const statuses = await store.db.selectFrom('campaigns').select('status').execute()
    expect(statuses.map((s) => s.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ])
  })

  it('bad input: clear errors before anything is sent', async () => {
    const store = current()
    const { deps, clock } = await openShop(store)
    const templateDeps = { db: store.db, clock, settings: SETTINGS }
    // Templates with syntax errors or unknown variables are refused when saved, with line and column.
    const syntax = await saveTemplate(
      templateDeps,
      message('broken', '<p>{% if customer.email %}hi</p>'),
    )
    expect(syntax).toMatchObject({ ok: false, error: { type: 'invalid_template' } })
    const unknown = await saveTemplate(
      templateDeps,
      message('typo', '<p>{{ customer.frist_name }}</p>'),
    )
    expect(
      !unknown.ok && unknown.error.type === 'invalid_template' && unknown.error.problems[0],
    ).toMatchObject({
      type: 'unknown_variable',
      line: 1,
    })
    // Segments whose rules reference unknown fields are refused, naming the path.
    const badSegment = await createSegment(
      store.db,
      { name: 'bad', rule: { field: 'shoeSize', op: 'eq', value: 42 } },
      clock.now(),
    )
    expect(badSegment.ok).toBe(false)
    // An offer with a negative margin is refused when saved.
    const negative = await createOffer(
      store.db,
      { name: 'Loss', kind: 'content', margin: -5 },
      clock.now(),
    )
    expect(negative.ok).toBe(false)

    await saveTemplate(
      templateDeps,
      message(
        'lists',
        '<ul>{% for item in recommendations.forYou %}<li>{{ item.name }}</li>{% endfor %}</ul>',
      ),
    )
    await saveTemplate(templateDeps, message('plain', '<p>Hello</p>'))
    await createSegment(
      store.db,
      { name: 'nobody', rule: { orders: 'count', op: 'gte', value: 100000 } },
      clock.now(),
    )
    const product = await store.db
      .selectFrom('products')
      .select(['id', 'price', 'cost'])
      .where('cost', 'is not', null)
      .where('price', '>', 0)
      .executeTakeFirstOrThrow()
    // A discount that sells below cost: the campaign refuses to present it.
    const belowCost = 100 * (1 - (product.cost! - 1) / product.price!)
    await createOffer(
      store.db,
      {
        name: 'Too deep',
        kind: 'discount',
        productIds: [product.id],
        discountPercent: Math.min(100, Math.max(1, Math.ceil(belowCost))),
        margin: 1,
      },
      clock.now(),
    )
    const problems = async (input: Record<string, unknown>) => {
      const r = await createCampaign(deps, input, clock.now())
      if (r.ok) throw new Error('expected problems')
      return r.error.problems.map((p) => ({ path: p.path, code: 'code' in p ? p.code : 'shape' }))
    }
    const base = { channel: 'in_app', topic: 'news' }
    expect(
      await problems({ ...base, name: 'A', strategy: 'mass', templateName: 'missing' }),
    ).toEqual([{ path: 'templateName', code: 'unknown_template' }])
    expect(await problems({ ...base, name: 'B', strategy: 'mass', templateName: 'lists' })).toEqual(
      [{ path: 'templateName', code: 'invalid_template' }],
    )
    expect(
      await problems({
        ...base,
        name: 'C',
        strategy: 'differentiated',
        variants: [
          { segmentId: 'ghost', templateName: 'plain' },
          { segmentId: 'nobody', templateName: 'plain' },
        ],
      }),
    ).toEqual([
      { path: 'variants.0.segmentId', code: 'unknown_segment' },
      { path: 'variants.1.segmentId', code: 'empty_segment' },
    ])
    expect(
      await problems({
        ...base,
        topic: 'nobody-asked',
        name: 'D',
        strategy: 'mass',
        templateName: 'plain',
      }),
    ).toEqual([{ path: 'audience', code: 'no_eligible_customers' }])
    expect(
      await problems({ ...base, name: 'E', strategy: 'one-to-one', templateName: 'lists' }),
    ).toEqual([{ path: 'offers', code: 'invalid_offer' }])
    expect(await problems({ ...base, name: 'F', strategy: 'mass' })).toEqual([
      { path: 'templateName', code: 'shape' },
    ])
    expect(await store.db.selectFrom('campaigns').selectAll().execute()).toEqual([])
    expect(await store.db.selectFrom('messages').selectAll().execute()).toEqual([])
    expect(await store.db.selectFrom('jobs').selectAll().execute()).toEqual([])
  })
})
