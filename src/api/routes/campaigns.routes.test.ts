import { afterEach, expect, it } from 'vitest'
import { callApi, openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { setConsent } from '../../interact/consents.repository.js'
import { createApiKey } from '../../store/api-keys.repository.js'

describeEachEngine('campaign routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })
  const call = callApi

  it('creates (400 listing every problem), launches, processes, reports and compares', async () => {
    const app = (t = await openTestApp(current()))
    const store = current()
    const report = await ingestEvents(
      { store, clock: app.clock },
      Array.from({ length: 20 }, (_, i) => ({
        type: 'identify',
        userId: `u${i}`,
        traits: { firstName: `N${i}` },
      })),
    )
    for (const id of report.customers.values()) {
      await setConsent(
        store.db,
        id,
        { channel: 'in_app', topic: 'news', granted: true, source: 'test' },
        app.clock.now(),
      )
    }
    const saved = await call(app, 'POST', '/v1/templates', {
      name: 'hello',
      kind: 'message',
      subject: 'Hi',
      html: '<p>Hello {{ customer.firstName | default: "there" }}</p>',
    })
    expect(saved.statusCode).toBe(201)

    const shape = await call(app, 'POST', '/v1/campaigns', {
      name: 'X',
      strategy: 'mass',
      channel: 'fax',
      topic: 'news',
    })
    expect(shape.statusCode).toBe(400)
    expect(shape.json().error.code).toBe('invalid_input')
    const semantic = await call(app, 'POST', '/v1/campaigns', {
      name: 'X',
      strategy: 'concentrated',
      channel: 'in_app',
      topic: 'news',
      templateName: 'nope',
      segmentId: 'ghost',
    })
    expect(semantic.statusCode).toBe(400)
    expect(semantic.json().error).toMatchObject({
      code: 'invalid_campaign',
      details: {
        problems: [
          { path: 'templateName', code: 'unknown_template' },
          { path: 'segmentId', code: 'unknown_segment' },
        ],
      },
    })

    // A pilot gate: its rule is checked, and it needs a wait to judge.
    for (const [pilot, path] of [
      [{ share: 0.2, waitHours: 24, promoteIf: 'maybe' }, 'body/pilot/promoteIf'],
      [{ share: 0.2, promoteIf: 'better' }, 'body/pilot/waitHours'],
      [{ share: 0.2, waitHours: 24, promoteOn: 'clicks' }, 'body/pilot/promoteOn'],
    ] as const) {
      const gate = await call(app, 'POST', '/v1/campaigns', {
        name: 'Gate',
        strategy: 'mass',
        channel: 'in_app',
        topic: 'news',
        templateName: 'hello',
        pilot,
      })
      expect(gate.statusCode).toBe(400)
      expect(gate.json().error.details).toEqual([expect.objectContaining({ path })])
    }

    const created = await call(app, 'POST', '/v1/campaigns', {
      name: 'Spring',
      strategy: 'mass',
      channel: 'in_app',
      topic: 'news',
      templateName: 'hello',
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ pilot: null, pilotDecision: null })
    const id = created.json().id as string
    expect((await call(app, 'GET', '/v1/campaigns')).json().campaigns).toHaveLength(1)

    const analyst = await createApiKey(store.db, { name: 'ana', role: 'analyst' }, app.clock.now())
    expect(
      (await call(app, 'POST', `/v1/campaigns/${id}/launch`, undefined, `Bearer ${analyst.key}`))
        .statusCode,
    ).toBe(403)
    const launched = await call(app, 'POST', `/v1/campaigns/${id}/launch`)
    expect(launched.statusCode).toBe(200)
    expect(launched.json()).toMatchObject({ eligible: 20, treatment: 18, holdout: 2, enqueued: 18 })
    expect((await call(app, 'POST', `/v1/campaigns/${id}/launch`)).statusCode).toBe(409)
    expect((await call(app, 'POST', '/v1/campaigns/nope/launch')).statusCode).toBe(404)

    const processed = await call(app, 'POST', '/v1/campaigns/process', {})
    expect(processed.json()).toMatchObject({ claimed: 18, sent: 18 })
    const shown = await call(app, 'GET', `/v1/campaigns/${id}`)
    expect(shown.json()).toMatchObject({
      campaign: { status: 'sent' },
      progress: { 'treatment:sent': 18, 'holdout:holdout': 2 },
    })

    const json = await call(
      app,
      'GET',
      `/v1/campaigns/${id}/report`,
      undefined,
      `Bearer ${analyst.key}`,
    )
    expect(json.statusCode).toBe(200)
    expect(
      json.json().groups.map((g: { key: string; customers: number }) => [g.key, g.customers]),
    ).toEqual([
      ['treatment', 18],
      ['holdout', 2],
    ])
    expect(json.json().uplift.conversion.estimate).toBe(0)
    const html = await call(app, 'GET', `/v1/campaigns/${id}/report.html`)
    expect(html.headers['content-type']).toContain('text/html')
    expect(html.body).toContain('<svg')
    const compare = await call(app, 'GET', `/v1/campaigns/compare?ids=${id}`)
    expect(compare.json().rows).toHaveLength(1)
    expect((await call(app, 'GET', '/v1/campaigns/compare?ids=nope')).statusCode).toBe(404)
    const doc = await app.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(Object.keys(doc.json().paths)).toEqual(
      expect.arrayContaining([
        '/v1/campaigns',
        '/v1/campaigns/{id}/launch',
        '/v1/campaigns/{id}/report',
      ]),
    )
  })
})
