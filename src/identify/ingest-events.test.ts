import { describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { getCustomerProfile } from './customer-profile.js'
import { getDatabaseStats } from './customer-list.js'
import { ingestEvents, type StoredEvent } from './ingest-events.js'

const T0 = Date.parse('2026-01-05T10:00:00Z')

describeEachEngine('ingestEvents', (current) => {
  const deps = () => ({ store: current(), clock: manualClock(T0) })

  it('keeps the good events of a batch and reports each bad one with its index', async () => {
    const report = await ingestEvents(deps(), [
      { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'a' },
      { type: 'track', event: 'Signed Up' },
      { type: 'fly', userId: 'u1' },
      'not an object',
      { type: 'identify', userId: 'u2', messageId: 'b', traits: { email: 'x@example.com' } },
      { type: 'track', userId: 'u3', event: 'Big', properties: { blob: 'x'.repeat(33_000) } },
      { type: 'alias', userId: 'u3' },
    ])
    expect(report.accepted).toBe(2)
    expect(report.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_event'],
      [2, 'unknown_type'],
      [3, 'not_an_object'],
      [5, 'event_too_large'],
      [6, 'invalid_event'],
    ])
    expect(report.rejected[0]?.message).toContain('userId or an anonymousId')
    expect(report.rejected[4]?.path).toBe('previousId')
    expect((await getDatabaseStats(current().db)).events).toBe(2)
  })

  it('stores a repeated messageId once, within a batch and across retries', async () => {
    const event = {
      type: 'track',
      event: 'Order Completed',
      userId: 'u1',
      messageId: 'm-1',
      properties: { order_id: 'o1', total: 10 },
    }
    const first = await ingestEvents(deps(), [event, event])
    const retry = await ingestEvents(deps(), [event])
    expect([first.accepted, first.duplicates]).toEqual([1, 1])
    expect([retry.accepted, retry.duplicates]).toEqual([0, 1])
    expect(retry.customers.get(0)).toBe(first.customers.get(0))
    const stats = await getDatabaseStats(current().db)
    expect([stats.events, stats.orders]).toEqual([1, 1])
  })

  it('turns an anonymous visitor into a known customer, history included', async () => {
    await ingestEvents(deps(), [
      { type: 'page', anonymousId: 'anon-1', name: 'Home', messageId: 'p1' },
      {
        type: 'track',
        anonymousId: 'anon-1',
        event: 'Product Viewed',
        messageId: 'p2',
        properties: { product_id: 'sku-1' },
      },
    ])
    const later = await ingestEvents(deps(), [
      {
        type: 'identify',
        anonymousId: 'anon-1',
        userId: 'user-1',
        messageId: 'p3',
        traits: { email: 'Ann@Example.com', name: 'Ann' },
      },
      { type: 'track', userId: 'user-1', event: 'Signed In', messageId: 'p4' },
    ])
    expect(later.customers.get(0)).toBe(later.customers.get(1))
    const profile = await getCustomerProfile(current().db, 'ann@example.com')
    expect(profile.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
      'anonymous_id:anon-1',
      'email:ann@example.com',
      'user_id:user-1',
    ])
    expect(profile.eventCounts).toEqual({
      Home: 1,
      'Product Viewed': 1,
      identify: 1,
      'Signed In': 1,
    })
    expect(profile.traits).toEqual({ email: 'Ann@Example.com', name: 'Ann' })
    expect((await getDatabaseStats(current().db)).customers).toBe(1)
  })

  it('merges two customers when an identity joins them, and records the merge', async () => {
    await ingestEvents(deps(), [
      { type: 'identify', userId: 'u-9', messageId: 'k1', traits: { plan: 'pro' } },
      {
        type: 'track',
        userId: 'u-9',
        event: 'Order Completed',
        messageId: 'k2',
        properties: { order_id: 'A', total: 30 },
      },
      {
        type: 'track',
        anonymousId: 'phone',
        event: 'Order Completed',
        messageId: 'k3',
        properties: { order_id: 'B', total: 12 },
      },
      {
        type: 'identify',
        anonymousId: 'phone',
        messageId: 'k4',
        traits: { email: 'bo@example.com' },
      },
    ])
    expect((await getDatabaseStats(current().db)).customers).toBe(2)
    const report = await ingestEvents(deps(), [
      { type: 'identify', userId: 'u-9', messageId: 'k5', traits: { email: 'BO@example.com' } },
    ])
    const profile = await getCustomerProfile(current().db, 'u-9')
    expect(profile.id).toBe(report.customers.get(0))
    expect(profile.orders).toMatchObject({ count: 2, revenue: 42 })
    expect(profile.merges).toHaveLength(1)
    expect(profile.merges[0]?.reason).toContain('email bo@example.com')
    expect(profile.merges[0]?.identities).toEqual(
      expect.arrayContaining([{ kind: 'anonymous_id', value: 'phone' }]),
    )
    expect(profile.traits).toMatchObject({ plan: 'pro', email: 'BO@example.com' })
    expect((await getDatabaseStats(current().db)).customers).toBe(1)
    expect(await getCustomerProfile(current().db, 'phone')).toMatchObject({ id: profile.id })
  })

  it('hands hooks the stored events with their customer after the batch merges', async () => {
    await ingestEvents(deps(), [{ type: 'identify', userId: 'u-7', messageId: 'h0' }])
    const seen: StoredEvent[] = []
    const report = await ingestEvents(
      {
        ...deps(),
        onStored: (_db, events) => {
          seen.push(...events)
          return Promise.resolve()
        },
      },
      [
        {
          type: 'track',
          anonymousId: 'tablet',
          event: 'Product Viewed',
          messageId: 'h1',
          properties: { product_id: 'p-1' },
          context: { ip: '10.0.0.1' },
        },
        { type: 'identify', userId: 'u-7', anonymousId: 'tablet', messageId: 'h2' },
      ],
    )
    const owner = (await getCustomerProfile(current().db, 'u-7')).id
    expect(report.customers.get(1)).toBe(owner)
    expect(seen).toEqual([
      {
        messageId: 'h1',
        customerId: owner,
        type: 'track',
        name: 'Product Viewed',
        occurredAt: T0,
        properties: { product_id: 'p-1' },
        context: { ip: '10.0.0.1' },
      },
      expect.objectContaining({ messageId: 'h2', customerId: owner, type: 'identify' }),
    ])
  })

  it('never merges two userIds through a shared browser: records a conflict instead', async () => {
    await ingestEvents(deps(), [
      { type: 'identify', anonymousId: 'shared-browser', userId: 'alice', messageId: 's1' },
      { type: 'identify', anonymousId: 'shared-browser', userId: 'bob', messageId: 's2' },
      { type: 'track', userId: 'bob', event: 'Viewed', messageId: 's3' },
    ])
    const alice = await getCustomerProfile(current().db, 'alice')
    const bob = await getCustomerProfile(current().db, 'bob')
    expect(alice.id).not.toBe(bob.id)
    expect(bob.identities.map((i) => i.value)).toEqual(['bob'])
    expect(bob.conflicts).toHaveLength(1)
    expect(bob.conflicts[0]).toMatchObject({
      otherCustomerId: alice.id,
      kind: 'anonymous_id',
      value: 'shared-browser',
    })
    expect(bob.eventCounts).toEqual({ identify: 1, Viewed: 1 })
  })

  it('does not merge two accounts that share an email but have different userIds', async () => {
    await ingestEvents(deps(), [
      {
        type: 'identify',
        userId: 'acct-1',
        messageId: 'e1',
        traits: { email: 'family@example.com' },
      },
      {
        type: 'identify',
        userId: 'acct-2',
        messageId: 'e2',
        traits: { email: 'family@example.com' },
      },
    ])
    const one = await getCustomerProfile(current().db, 'acct-1')
    const two = await getCustomerProfile(current().db, 'acct-2')
    expect(one.id).not.toBe(two.id)
    expect(two.conflicts.map((c) => c.kind)).toEqual(['email'])
  })

  it('an explicit alias merges, even across userIds', async () => {
    await ingestEvents(deps(), [
      {
        type: 'track',
        userId: 'old-id',
        event: 'Order Completed',
        messageId: 'x1',
        properties: { order_id: 'O1', total: 5 },
      },
      {
        type: 'track',
        anonymousId: 'visitor',
        event: 'Product Viewed',
        messageId: 'x2',
        properties: { product_id: 'p' },
      },
      { type: 'alias', previousId: 'old-id', userId: 'new-id', messageId: 'x3' },
      { type: 'alias', previousId: 'visitor', userId: 'new-id', messageId: 'x4' },
      { type: 'alias', previousId: 'never-seen', userId: 'new-id', messageId: 'x5' },
    ])
    const profile = await getCustomerProfile(current().db, 'new-id')
    expect(profile.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([
      'anonymous_id:never-seen',
      'anonymous_id:visitor',
      'user_id:new-id',
      'user_id:old-id',
    ])
    expect(profile.orders.count).toBe(1)
    expect(profile.merges.map((m) => m.reason)).toEqual(['alias: anonymous_id visitor'])
    expect((await getDatabaseStats(current().db)).customers).toBe(1)
  })

  it('projects e-commerce events into orders, items, refunds and interactions', async () => {
    const { db } = current()
    await ingestEvents(deps(), [
      {
        type: 'track',
        userId: 'shopper',
        event: 'Order Completed',
        messageId: 'o-1',
        properties: {
          order_id: 'ORD-1',
          total: 70,
          discount: 5,
          currency: 'eur',
          products: [
            { product_id: 'tea', name: 'Green tea', category: 'Food/Tea', price: 10, quantity: 4 },
            { sku: 'MUG-2', name: 'Mug', price: 30 },
          ],
        },
      },
      {
        type: 'track',
        userId: 'shopper',
        event: 'Order Refunded',
        messageId: 'o-2',
        properties: {
          order_id: 'ORD-1',
          products: [{ product_id: 'tea', price: 10, quantity: 1 }],
        },
      },
      {
        type: 'track',
        userId: 'shopper',
        event: 'Order Completed',
        messageId: 'o-3',
        properties: {
          order_id: 'ORD-2',
          revenue: 20,
          products: [{ product_id: 'tea', price: 10, quantity: 2 }],
        },
      },
      {
        type: 'track',
        userId: 'shopper',
        event: 'Order Cancelled',
        messageId: 'o-4',
        properties: { order_id: 'ORD-2' },
      },
      {
        type: 'track',
        userId: 'shopper',
        event: 'Product Added',
        messageId: 'o-5',
        properties: { product_id: 'kettle', price: 45 },
      },
      {
        type: 'track',
        userId: 'shopper',
        event: 'Recommendation Skipped',
        messageId: 'o-6',
        properties: { product_id: 'mug-xl' },
      },
    ])
    const orders = await db.selectFrom('orders').selectAll().orderBy('order_id').execute()
    expect(orders.map((o) => [o.order_id, o.total, o.refunded, o.status, o.currency])).toEqual([
      ['ORD-1', 70, 10, 'partially_refunded', 'EUR'],
      ['ORD-2', 20, 0, 'cancelled', 'USD'],
    ])
    const items = await db
      .selectFrom('order_items')
      .selectAll()
      .where('order_id', '=', 'ORD-1')
      .orderBy('line')
      .execute()
    expect(items.map((i) => [i.product_id, i.quantity, i.returned_quantity])).toEqual([
      ['tea', 4, 1],
      ['MUG-2', 1, 0],
    ])
    const interactions = await db
      .selectFrom('interactions')
      .select(['product_id', 'kind'])
      .orderBy('kind')
      .execute()
    expect(interactions).toEqual([
      { product_id: 'kettle', kind: 'cart_add' },
      { product_id: 'mug-xl', kind: 'skip' },
    ])
    const products = await db
      .selectFrom('products')
      .select(['id', 'name', 'category'])
      .orderBy('id')
      .execute()
    expect(products.map((p) => p.id)).toEqual(['MUG-2', 'kettle', 'mug-xl', 'tea'])
    const profile = await getCustomerProfile(db, 'shopper')
    expect(profile.orders).toMatchObject({ count: 1, revenue: 60, refunded: 10 })
  })

  it('resolves batches racing on the same new identities to one customer', async () => {
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => ({
        type: 'track',
        anonymousId: 'racer',
        ...(i === 24 ? { userId: 'racer-user' } : {}),
        event: 'Raced',
        messageId: `r${b}-${i}`,
      })),
    )
    const reports = await Promise.all(batches.map((batch) => ingestEvents(deps(), batch)))
    expect(reports.reduce((n, r) => n + r.accepted, 0)).toBe(200)
    const stats = await getDatabaseStats(current().db)
    expect([stats.customers, stats.events]).toEqual([1, 200])
  })

  it('corrects the sender clock with sentAt, as Segment does', async () => {
    const report = await ingestEvents(
      deps(),
      [
        {
          type: 'track',
          userId: 'clock',
          event: 'Tick',
          messageId: 'c1',
          timestamp: '2020-01-01T00:00:00Z',
        },
      ],
      { sentAt: '2020-01-01T00:00:30Z' },
    )
    expect(report.accepted).toBe(1)
    const row = await current()
      .db.selectFrom('events')
      .select('occurred_at')
      .executeTakeFirstOrThrow()
    expect(row.occurred_at).toBe(T0 - 30_000)
  })
})

describe('ingestEvents with an empty batch', () => {
  it('accepts nothing and touches nothing', async () => {
    const { openTestStore, closeTestStore } = await import('../../test-support/test-store.js')
    const store = await openTestStore('sqlite')
    const report = await ingestEvents({ store, clock: manualClock(T0) }, [])
    expect(report).toMatchObject({ accepted: 0, duplicates: 0, rejected: [] })
    await closeTestStore(store)
  })
})
