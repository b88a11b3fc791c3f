import { afterEach, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { loadOfferFixture, OFFER_FIXTURE_NOW } from '../../customize/offers/offer-fixture.js'

describeEachEngine('offer routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  async function open(): Promise<TestApp> {
    await loadOfferFixture(current().db)
    t = await openTestApp(current(), OFFER_FIXTURE_NOW)
    return t
  }

  function call(
    app: TestApp,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    url: string,
    body?: unknown,
  ) {
    return app.app.inject({
      method,
      url,
      headers: { authorization: app.bearer },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    })
  }

  it('defines offers and answers bad definitions with the field at fault', async () => {
    const app = await open()
    const created = await call(app, 'POST', '/v1/offers', {
      name: 'Tea',
      kind: 'product',
      productIds: ['tea'],
      margin: 5,
      cost: 0.1,
    })
    expect(created.statusCode).toBe(201)
    const tea = created.json<{ id: string }>()

    const negative = await call(app, 'POST', '/v1/offers', {
      name: 'X',
      kind: 'content',
      margin: -1,
    })
    expect(negative.statusCode).toBe(400)
    expect(negative.json().error.message).toContain('margin')
    expect(negative.json().error.message).toContain('must not be negative')

    const unknown = await call(app, 'POST', '/v1/offers', {
      name: 'Y',
      kind: 'product',
      productIds: ['ghost'],
      margin: 1,
    })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error).toMatchObject({
      code: 'invalid_offer',
      details: { errors: [{ path: 'productIds[0]', message: 'unknown product "ghost"' }] },
    })

    const rule = await call(app, 'POST', '/v1/offers', {
      name: 'Z',
      kind: 'content',
      margin: 1,
      eligibility: { any: [{ score: 'tier', op: 'bigger', value: 'mvc' }] },
    })
    expect(rule.statusCode).toBe(400)
    expect(rule.json().error.details.errors[0].path).toMatch(/^eligibility\.any\[0\]/)

    const duplicate = await call(app, 'POST', '/v1/offers', {
      name: 'Tea',
      kind: 'content',
      margin: 1,
    })
    expect(duplicate.statusCode).toBe(409)

    const upsert = await call(app, 'PUT', '/v1/offers', {
      name: 'Tea',
      kind: 'product',
      productIds: ['tea'],
      margin: 6,
    })
    expect(upsert.json()).toMatchObject({ created: false, offer: { id: tea.id, margin: 6 } })
    const paused = await call(app, 'PATCH', `/v1/offers/${tea.id}`, { status: 'paused' })
    expect(paused.json()).toMatchObject({ status: 'paused', margin: 6 })
    expect((await call(app, 'GET', '/v1/offers/Tea')).json()).toMatchObject({ id: tea.id })
    expect((await call(app, 'GET', '/v1/offers/nope')).statusCode).toBe(404)
    expect((await call(app, 'GET', '/v1/offers')).json().offers).toHaveLength(1)
  })

  it('explains the next-best-offer and records presentations and acceptances once', async () => {
    const app = await open()
    const news = (
      await call(app, 'POST', '/v1/offers', { name: 'News', kind: 'content', margin: 2 })
    ).json<{ id: string }>()
    await call(app, 'POST', '/v1/offers', {
      name: 'VIP',
      kind: 'discount',
      discountPercent: 10,
      margin: 3,
      eligibility: { score: 'tier', op: 'eq', value: 'mvc' },
    })
    const best = await call(
      app,
      'GET',
      '/v1/customers/bob@example.com/next-best-offer?explore=false',
    )
    expect(best.statusCode).toBe(200)
    const body = best.json()
    expect(body).toMatchObject({ customerId: 'bob', tier: 'mgc', mode: 'exploit' })
    expect(body.chosen.name).toBe('News')
    expect(body.why).toContain('Chose "News"')
    const vip = body.considered.find((c: { name: string }) => c.name === 'VIP')
    expect(vip).toMatchObject({ eligible: false, reasons: [{ code: 'rule_not_matched' }] })
    const sampled = await call(app, 'GET', '/v1/customers/ana/next-best-offer')
    expect(sampled.json().mode).toBe('thompson')
    expect(
      sampled
        .json()
        .considered.every((c: { sampledValue: number | null }) => c.sampledValue !== null),
    ).toBe(true)
    expect((await call(app, 'GET', '/v1/customers/nobody/next-best-offer')).statusCode).toBe(404)
    expect(
      (await call(app, 'GET', '/v1/customers/ana/next-best-offer?explore=maybe')).statusCode,
    ).toBe(400)

    const url = `/v1/customers/ana/offers/${news.id}`
    const presented = await call(app, 'POST', `${url}/presented`, {
      idempotencyKey: 'cmp1:ana',
      source: 'cmp1',
    })
    expect(presented.statusCode).toBe(201)
    expect(presented.json().outcome).toMatchObject({
      tier: 'mvc',
      source: 'cmp1',
      acceptedAt: null,
    })
    expect(
      (await call(app, 'POST', `${url}/presented`, { idempotencyKey: 'cmp1:ana' })).statusCode,
    ).toBe(200)
    const accepted = await call(app, 'POST', `${url}/accepted`, {
      idempotencyKey: 'cmp1:ana',
      revenue: 12,
    })
    expect(accepted.json()).toMatchObject({
      created: true,
      outcome: { revenue: 12, acceptedAt: OFFER_FIXTURE_NOW },
    })
    const again = await call(app, 'POST', `${url}/accepted`, {
      idempotencyKey: 'cmp1:ana',
      revenue: 50,
    })
    expect(again.json()).toMatchObject({ created: false, outcome: { revenue: 12 } })
    const vipId = body.considered.find((c: { name: string }) => c.name === 'VIP').offerId
    const clash = await call(app, 'POST', `/v1/customers/ana/offers/${vipId}/presented`, {
      idempotencyKey: 'cmp1:ana',
    })
    expect(clash.statusCode).toBe(409)
    expect(clash.json().error.code).toBe('idempotency_conflict')
    expect(
      (await call(app, 'POST', '/v1/customers/ana/offers/off_x/accepted', { idempotencyKey: 'k' }))
        .statusCode,
    ).toBe(404)
    expect((await call(app, 'POST', `${url}/presented`, {})).statusCode).toBe(400)

    const listed = (await call(app, 'GET', '/v1/offers')).json().offers
    expect(listed.find((o: { name: string }) => o.name === 'News')).toMatchObject({
      presentations: 1,
      acceptances: 1,
      revenue: 12,
    })
    const calibration = await call(app, 'GET', '/v1/offers/calibration')
    expect(calibration.statusCode).toBe(200)
    expect(calibration.json()).toMatchObject({ presentations: 1, acceptances: 1 })
    const attribute = await call(app, 'POST', '/v1/offers/attribute', {})
    expect(attribute.json()).toMatchObject({ attributed: 0, windowDays: 7 })
  })

  it('documents the routes in OpenAPI and keeps them from write keys', async () => {
    const app = await open()
    const res = await app.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    for (const path of [
      '/v1/offers',
      '/v1/offers/{id}',
      '/v1/offers/calibration',
      '/v1/customers/{identity}/next-best-offer',
      '/v1/customers/{identity}/offers/{offerId}/presented',
      '/v1/customers/{identity}/offers/{offerId}/accepted',
    ]) {
      expect(doc.paths[path], path).toBeDefined()
    }
    const refused = await app.app.inject({
      method: 'GET',
      url: '/v1/offers',
      headers: { authorization: app.basic },
    })
    expect(refused.statusCode).toBeGreaterThanOrEqual(401)
  })
})
