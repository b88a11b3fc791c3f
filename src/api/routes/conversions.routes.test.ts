import { afterEach, expect, it } from 'vitest'
import { DAY_MS } from '../../core/clock.js'
import { createApiKey } from '../../store/api-keys.repository.js'
import { FIXTURE_START } from '../../../test-support/send-fixture.js'
import { startInteractApp, type InteractApp } from '../../../test-support/interact-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

describeEachEngine('conversions API', (current) => {
  let env: InteractApp | null = null
  afterEach(async () => {
    await env?.close()
    env = null
  })

  it('converts a sent message when an order arrives on /v1/track, and reports it', async () => {
    env = await startInteractApp(current())
    const { app, admin, auth, store, clock } = env
    const write = await createApiKey(store.db, { name: 'site', role: 'write' }, 0)
    const basic = { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` }
    await app.inject({
      method: 'PUT',
      url: '/v1/customers/u1/consents',
      headers: auth(admin),
      payload: { channel: 'email', topic: 'news', granted: true },
    })
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/send',
      headers: auth(admin),
      payload: { channel: 'email', kind: 'marketing', topic: 'news', subject: 'New', text: 'Hi' },
    })
    expect(sent.json().delivery).toMatchObject({ status: 'sent', conversion: null })
    clock.advance(2 * DAY_MS)
    const tracked = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: basic,
      payload: {
        userId: 'u1',
        event: 'Order Completed',
        timestamp: new Date(clock.now()).toISOString(),
        properties: { order_id: 'A-1', total: 42, currency: 'EUR' },
      },
    })
    expect(tracked.statusCode).toBe(200)

    const deliveries = await app.inject({
      url: '/v1/customers/u1/deliveries',
      headers: auth(admin),
    })
    expect(deliveries.json().deliveries).toMatchObject([
      {
        status: 'converted',
        conversion: { orderId: 'A-1', revenue: 42, currency: 'EUR', at: clock.now() },
      },
    ])
    const history = deliveries.json().deliveries[0].history as { status: string }[]
    expect(history.at(-1)).toEqual({
      status: 'converted',
      at: clock.now(),
      orderId: 'A-1',
      revenue: 42,
      currency: 'EUR',
    })
    const thread = await app.inject({ url: '/v1/customers/u1/messages', headers: auth(admin) })
    expect(thread.json().deliveries[0].conversion.orderId).toBe('A-1')
    const profile = await app.inject({ url: '/v1/customers/u1', headers: auth(admin) })
    expect(profile.json().timeline.map((e: { name: string }) => e.name)).toContain(
      'Message Converted',
    )

    const report = await app.inject({
      url: `/v1/deliveries/report?from=${new Date(FIXTURE_START).toISOString().slice(0, 10)}`,
      headers: auth(admin),
    })
    expect(report.statusCode).toBe(200)
    expect(report.json()).toMatchObject({
      kind: 'marketing',
      rows: [
        {
          channel: 'email',
          topic: 'news',
          sent: 1,
          converted: 1,
          revenue: [{ currency: 'EUR', amount: 42 }],
          conversionRate: 1,
        },
      ],
      total: { sent: 1, converted: 1 },
    })
    const bad = await app.inject({
      url: '/v1/deliveries/report?from=yesterday',
      headers: auth(admin),
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'from' } })
    const backwards = await app.inject({
      url: '/v1/deliveries/report?from=2026-03-02&to=2026-03-01',
      headers: auth(admin),
    })
    expect(backwards.json().error.message).toBe('from: must be before to')
    const manager = await env.managerKey('mgr_x')
    expect(
      (await app.inject({ url: '/v1/deliveries/report', headers: auth(manager) })).statusCode,
    ).toBe(403)
  })
})
