import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, expect, it } from 'vitest'
import { DAY_MS } from '../core/clock.js'
import { importOrders } from '../identify/import/import-orders.js'
import { ingestEvents } from '../identify/ingest-events.js'
import { FIXTURE_START, sendFixture, type SendFixture } from '../../test-support/send-fixture.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { attributeConversions, CONVERSION_EVENT } from './attribute-conversions.js'
import { DEFAULT_CONSENT_CATEGORIES } from './consent-categories.js'
import { setConsent } from './consents.repository.js'
import { getDelivery } from './deliveries.repository.js'
import { reportDeliveries } from './delivery-report.js'
import { listInbox, recordEngagement } from './engagement.js'
import { interactProjection } from './project-interact-events.js'
import { sendMessage } from './send-message.js'

const dir = mkdtempSync(join(tmpdir(), 'idic-conversions-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describeEachEngine('conversions', (current) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  async function setup(): Promise<SendFixture> {
    const fixture = await sendFixture(current())
    cleanups.push(() => fixture.close())
    await setConsent(
      fixture.deps.db,
      fixture.customerId,
      { channel: 'email', topic: '*', granted: true, source: 'test' },
      fixture.clock.now(),
    )
    await setConsent(
      fixture.deps.db,
      fixture.customerId,
      { channel: 'in_app', topic: '*', granted: true, source: 'test' },
      fixture.clock.now(),
    )
    return fixture
  }

  async function send(
    fixture: SendFixture,
    key: string,
    extra: { channel?: 'email' | 'in_app'; kind?: 'marketing' | 'transactional' } = {},
  ): Promise<string> {
    const kind = extra.kind ?? 'marketing'
    const result = await sendMessage(fixture.deps, {
      identity: 'u1',
      channel: extra.channel ?? 'email',
      kind,
      topic: kind === 'marketing' ? 'spring' : null,
      subject: 'Spring picks',
      body: 'Picked for you',
      idempotencyKey: key,
    })
    if (!result.ok) throw new Error(JSON.stringify(result.error))
    return result.value.delivery.id
  }

  async function order(fixture: SendFixture, orderId: string, atMs: number, messageId = orderId) {
    const report = await ingestEvents(
      {
        store: fixture.store,
        clock: fixture.clock,
        onStored: interactProjection({
          attributionWindowMs: 7 * DAY_MS,
          consentCategories: DEFAULT_CONSENT_CATEGORIES,
        }),
      },
      [
        {
          type: 'track',
          userId: 'u1',
          event: 'Order Completed',
          messageId,
          timestamp: new Date(atMs).toISOString(),
          properties: {
            order_id: orderId,
            total: 80,
            currency: 'EUR',
            products: [{ product_id: 'p1', price: 80, quantity: 1 }],
          },
        },
      ],
    )
    expect(report.rejected).toEqual([])
  }

  async function status(fixture: SendFixture, deliveryId: string) {
    const delivery = await getDelivery(fixture.deps.db, fixture.customerId, deliveryId)
    return delivery
  }

  it('converts the most recent marketing delivery when an order arrives through ingestion', async () => {
    const fixture = await setup()
    const { clock } = fixture
    const older = await send(fixture, 'a')
    clock.advance(DAY_MS)
    const newer = await send(fixture, 'b', { channel: 'in_app' })
    clock.advance(DAY_MS)
    const receipt = await send(fixture, 'r', { kind: 'transactional' })
    clock.advance(DAY_MS)
    await order(fixture, 'o1', clock.now() - 3_600_000)

    const converted = await status(fixture, newer)
    expect(converted?.status).toBe('converted')
    expect(converted?.conversion).toEqual({
      at: clock.now() - 3_600_000,
      orderId: 'o1',
      revenue: 80,
      currency: 'EUR',
    })
    expect(converted?.history.at(-1)).toEqual({
      status: 'converted',
      at: clock.now() - 3_600_000,
      orderId: 'o1',
      revenue: 80,
      currency: 'EUR',
    })
    expect((await status(fixture, older))?.status).toBe('sent')
    expect((await status(fixture, receipt))?.status).toBe('sent')
    // A converted in-app message stays in the inbox.
    const inbox = await listInbox(fixture.deps.db, fixture.customerId)
    expect(inbox.map((i) => i.deliveryId)).toEqual([newer])

    const events = await fixture.deps.db
      .selectFrom('events')
      .selectAll()
      .where('name', '=', CONVERSION_EVENT)
      .execute()
    expect(events).toHaveLength(1)
    expect(events[0]!.customer_id).toBe(fixture.customerId)
    expect(JSON.parse(events[0]!.properties)).toMatchObject({
      delivery_id: newer,
      channel: 'in_app',
      topic: 'spring',
      order_id: 'o1',
      revenue: 80,
      currency: 'EUR',
    })

    // The same order again (a retried batch) changes nothing; a second order credits the older one.
    await order(fixture, 'o1', clock.now() - 3_600_000)
    await order(fixture, 'o1', clock.now() - 3_600_000, 'o1-again')
    expect((await status(fixture, older))?.status).toBe('sent')
    await order(fixture, 'o2', clock.now())
    expect((await status(fixture, older))?.conversion?.orderId).toBe('o2')
    // A third order finds nothing left to credit.
    await order(fixture, 'o3', clock.now())
    expect(
      await fixture.deps.db
        .selectFrom('events')
        .select('message_id')
        .where('name', '=', CONVERSION_EVENT)
        .execute(),
    ).toHaveLength(2)

    // An open recorded after the conversion keeps the delivery converted.
    const opened = await recordEngagement(
      fixture.deps.db,
      { customerId: fixture.customerId, deliveryId: older, kind: 'opened' },
      clock.now(),
    )
    expect(opened?.status).toBe('converted')
    expect(opened?.openedAt).toBe(clock.now())
  })

  it('ignores orders outside the attribution window and before the send', async () => {
    const fixture = await setup()
    const { clock } = fixture
    await order(fixture, 'before', clock.now() - 60_000)
    const id = await send(fixture, 'a')
    clock.advance(7 * DAY_MS + 60_000)
    await order(fixture, 'late', clock.now())
    expect((await status(fixture, id))?.status).toBe('sent')
    // A wider window (configurable) credits it.
    const wide = await attributeConversions(
      fixture.deps.db,
      { createdSince: 0 },
      { windowMs: 8 * DAY_MS, nowMs: clock.now() },
    )
    expect(wide.map((c) => c.orderId)).toEqual(['late'])
  })

  it('converts from orders imported from CSV', async () => {
    const fixture = await setup()
    const { clock } = fixture
    const id = await send(fixture, 'a')
    clock.advance(3 * DAY_MS)
    const placed = new Date(FIXTURE_START + 2 * DAY_MS).toISOString().slice(0, 19).replace('T', ' ')
    const path = join(dir, `orders-${Date.now()}.csv`)
    writeFileSync(
      path,
      'order_id,customer_id,timestamp,product_id,quantity,price\n' +
        `c1,u1,${placed},p1,2,12.5\n` +
        `c0,u1,2020-01-01 00:00:00,p1,1,5\n` +
        `x1,someone-else,${placed},p1,1,5\n`,
    )
    const since = clock.now()
    await importOrders({ store: fixture.store, clock }, path, { format: 'csv', currency: 'EUR' })
    const converted = await attributeConversions(
      fixture.deps.db,
      { createdSince: since },
      { windowMs: 7 * DAY_MS, nowMs: clock.now() },
    )
    expect(converted).toMatchObject([{ deliveryId: id, orderId: 'c1', revenue: 25 }])
    expect((await status(fixture, id))?.status).toBe('converted')
    // Importing again adds nothing.
    expect(
      await attributeConversions(
        fixture.deps.db,
        { createdSince: 0 },
        { windowMs: 7 * DAY_MS, nowMs: clock.now() },
      ),
    ).toEqual([])
  })

  it('reports sent, opened, clicked and converted by channel and topic over a period', async () => {
    const fixture = await setup()
    const { clock, deps, customerId } = fixture
    const start = clock.now()
    const first = await send(fixture, 'a')
    const second = await send(fixture, 'b')
    clock.advance(60_000)
    // The most recent marketing delivery: the order goes to it.
    await send(fixture, 'c', { channel: 'in_app' })
    await send(fixture, 't', { kind: 'transactional' })
    await recordEngagement(deps.db, { customerId, deliveryId: first, kind: 'clicked' }, start)
    await recordEngagement(deps.db, { customerId, deliveryId: second, kind: 'opened' }, start)
    clock.advance(DAY_MS)
    await order(fixture, 'o1', clock.now())

    const report = await reportDeliveries(deps.db, { from: start, to: start + DAY_MS })
    expect(report.rows).toEqual([
      {
        channel: 'email',
        topic: 'spring',
        sent: 2,
        opened: 2,
        clicked: 1,
        converted: 0,
        revenue: [],
        openRate: 1,
        clickRate: 0.5,
        conversionRate: 0,
      },
      {
        channel: 'in_app',
        topic: 'spring',
        sent: 1,
        opened: 0,
        clicked: 0,
        converted: 1,
        revenue: [{ currency: 'EUR', amount: 80 }],
        openRate: 0,
        clickRate: 0,
        conversionRate: 1,
      },
    ])
    expect(report.total).toMatchObject({ sent: 3, opened: 2, clicked: 1, converted: 1 })
    const all = await reportDeliveries(deps.db, {
      from: start,
      to: start + DAY_MS,
      kind: 'all',
    })
    expect(all.total.sent).toBe(4)
    expect(all.rows.find((r) => r.topic === null)).toMatchObject({ channel: 'email', sent: 1 })
    // Outside the period: nothing.
    const later = await reportDeliveries(deps.db, { from: start + DAY_MS, to: start + 2 * DAY_MS })
    expect(later.rows).toEqual([])
    expect(later.total.sent).toBe(0)
  })
})
