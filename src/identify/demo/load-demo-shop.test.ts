import { describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import type { Store } from '../../store/engine.js'
import { closeTestStore, openTestStore, TEST_ENGINES } from '../../../test-support/test-store.js'
import { buildDemoCatalog, demoUserId, simulateDemoPerson } from './demo-shop.js'
import { isShopEmpty, loadDemoShop } from './load-demo-shop.js'

const NOW = Date.UTC(2026, 5, 1)

async function snapshot(store: Store, seed: number): Promise<unknown> {
  const count = async (
    table: 'customers' | 'events' | 'orders' | 'order_items' | 'interactions' | 'merges',
  ): Promise<number> =>
    (
      await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  const first = await store.db
    .selectFrom('identities')
    .select('customer_id')
    .where('kind', '=', 'user_id')
    .where('value', '=', demoUserId(seed, 0))
    .executeTakeFirstOrThrow()
  const orders = await store.db
    .selectFrom('orders')
    .select(['order_id', 'placed_at', 'total', 'currency'])
    .where('customer_id', '=', first.customer_id)
    .orderBy('placed_at')
    .execute()
  return {
    customers: await count('customers'),
    events: await count('events'),
    orders: await count('orders'),
    items: await count('order_items'),
    interactions: await count('interactions'),
    merges: await count('merges'),
    firstCustomerOrders: orders,
  }
}

describe('demo shop', () => {
  it('simulates customers who differ in rate, lifetime and spend', () => {
    const catalog = buildDemoCatalog(7)
    expect(catalog.products).toHaveLength(240)
    expect(catalog.products.every((p) => p.cost < p.price)).toBe(true)
    expect(catalog.products.some((p) => p.repeatable)).toBe(true)
    const people = Array.from({ length: 400 }, (_, i) =>
      simulateDemoPerson({ seed: 7, customers: 400, nowMs: NOW }, catalog, i),
    )
    const orders = people.map((p) => p.orders)
    expect(Math.min(...orders)).toBe(1)
    expect(Math.max(...orders)).toBeGreaterThan(10)
    expect(people.filter((p) => p.orders === 1).length).toBeGreaterThan(40)
    const last = people.flatMap((p) => p.events).map((e) => Date.parse(String(e['timestamp'])))
    expect(Math.max(...last)).toBeLessThanOrEqual(NOW)
    expect(Math.min(...last)).toBeGreaterThanOrEqual(NOW - 731 * 86_400_000)
    const referred = people.filter((p) =>
      p.events.some((e) => JSON.stringify(e).includes('referred_by')),
    )
    expect(referred.length).toBeGreaterThan(5)
  })

  for (const engine of TEST_ENGINES) {
    it(`is the same shop for the same seed [${engine}]`, async () => {
      const shots: unknown[] = []
      for (let run = 0; run < 2; run += 1) {
        const store = await openTestStore(engine)
        try {
          expect(await isShopEmpty(store.db)).toBe(true)
          const report = await loadDemoShop(
            { store, clock: manualClock(NOW) },
            { customers: 60, seed: 42 },
          )
          expect(report.rejected).toBe(0)
          expect(await isShopEmpty(store.db)).toBe(false)
          shots.push(await snapshot(store, 42))
          if (run === 1) {
            // Loading it again adds nothing: every event is already stored.
            const again = await loadDemoShop(
              { store, clock: manualClock(NOW) },
              { customers: 60, seed: 42 },
            )
            expect(again.events).toBe(0)
            expect(await snapshot(store, 42)).toEqual(shots[1])
          }
        } finally {
          await closeTestStore(store)
        }
      }
      expect(shots[1]).toEqual(shots[0])
      const shot = shots[0] as { customers: number; merges: number; firstCustomerOrders: unknown[] }
      // 60 customers and 12 anonymous-only visitors; a second device that never logged in stays
      // a profile of its own, one that did was merged into its customer.
      expect(shot.customers).toBeGreaterThanOrEqual(72)
      expect(shot.customers).toBeLessThan(80)
      expect(shot.merges).toBeGreaterThan(0)
      expect(shot.firstCustomerOrders.length).toBeGreaterThan(0)
    })
  }
})
