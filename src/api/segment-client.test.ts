import { Analytics } from '@segment/analytics-node'
import { afterEach, expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { openTestApp, type TestApp } from '../../test-support/test-app.js'
import { getCustomerProfile } from '../identify/customer-profile.js'

// The official Segment Node client, unchanged, talking to idic over a real loopback port.
describeEachEngine('@segment/analytics-node against a real port', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  it('delivers every event once, with its properties, under the right customer', async () => {
    t = await openTestApp(current())
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const analytics = new Analytics({
      writeKey: t.writeKey,
      host: address,
      flushAt: 7,
      flushInterval: 50,
      maxRetries: 2,
    })
    const failures: unknown[] = []
    analytics.on('error', (error) => failures.push(error))

    analytics.page({ anonymousId: 'visitor-1', name: 'Landing', properties: { path: '/' } })
    analytics.track({
      anonymousId: 'visitor-1',
      event: 'Product Viewed',
      properties: { product_id: 'sku-42', price: 19.5 },
    })
    analytics.identify({
      anonymousId: 'visitor-1',
      userId: 'cust-1',
      traits: { email: 'cust1@example.com', name: 'Cara' },
    })
    for (let i = 0; i < 20; i += 1) {
      analytics.track({ userId: 'cust-1', event: 'Item Browsed', properties: { position: i } })
    }
    analytics.track({
      userId: 'cust-1',
      event: 'Order Completed',
      properties: {
        order_id: 'W-1',
        total: 39,
        currency: 'EUR',
        products: [{ product_id: 'sku-42', price: 19.5, quantity: 2 }],
      },
    })
    analytics.track({ userId: 'cust-2', event: 'Signed Up', properties: { plan: 'free' } })
    analytics.alias({ previousId: 'visitor-9', userId: 'cust-2' })
    analytics.group({ userId: 'cust-2', groupId: 'acme', traits: { seats: 5 } })
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(failures).toEqual([])

    const { db } = current()
    const one = await getCustomerProfile(db, 'cust1@example.com', { timelineLimit: 100 })
    expect(one.eventCounts).toEqual({
      Landing: 1,
      'Product Viewed': 1,
      identify: 1,
      'Item Browsed': 20,
      'Order Completed': 1,
    })
    expect(one.identities.map((i) => i.value).sort()).toEqual([
      'cust-1',
      'cust1@example.com',
      'visitor-1',
    ])
    expect(one.orders).toMatchObject({ count: 1, revenue: 39, currencies: ['EUR'] })
    const browsed = one.timeline
      .filter((e) => e.name === 'Item Browsed')
      .map((e) => e.properties['position'])
    expect(browsed.sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
    const viewed = one.timeline.find((e) => e.name === 'Product Viewed')
    expect(viewed?.properties).toEqual({ product_id: 'sku-42', price: 19.5 })

    const two = await getCustomerProfile(db, 'visitor-9')
    expect(two.identities.map((i) => i.value).sort()).toEqual(['cust-2', 'visitor-9'])
    expect(two.eventCounts).toEqual({ 'Signed Up': 1, alias: 1, group: 1 })
    const total = await db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(total.n).toBe(27)
  })
})
