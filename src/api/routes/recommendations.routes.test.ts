import { afterEach, expect, it } from 'vitest'
import { seedFamilyOrder, seedOrderItems } from '../../../test-support/template-shop.js'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { trainAndStoreRecommender } from '../../customize/recommend/recommendation-service.js'
import type { Store } from '../../store/engine.js'

const T0 = Date.parse('2026-01-05T10:00:00Z')

/** Ten customers; even ones buy garden items g1..g3, odd ones kitchen items k1..k3. */
async function seedShop(store: Store): Promise<void> {
  const { db } = store
  const products = ['g1', 'g2', 'g3', 'k1', 'k2', 'k3']
  await db
    .insertInto('products')
    .values(
      products.map((id) => ({
        id,
        sku: null,
        name: id.toUpperCase(),
        category: id.startsWith('g') ? 'Garden' : 'Kitchen',
        price: 10,
        cost: 5,
        in_stock: 1,
        repeatable: 0,
        attributes: '{}',
        created_at: T0,
        updated_at: T0,
      })),
    )
    .execute()
  for (let c = 0; c < 10; c++) {
    const id = `c${c}`
    await db
      .insertInto('customers')
      .values({
        id,
        traits: '{}',
        email: null,
        first_seen_at: T0,
        last_seen_at: T0,
        manager_id: null,
        created_at: T0,
      })
      .execute()
    await seedFamilyOrder(db, c, { currency: 'GBP', country: 'GB' })
  }
}

describeEachEngine('recommendation routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })
  const get = (app: TestApp, url: string) =>
    app.app.inject({ method: 'GET', url, headers: { authorization: app.bearer } })
  const feedback = (app: TestApp, identity: string, body: unknown) =>
    app.app.inject({
      method: 'POST',
      url: `/v1/customers/${identity}/feedback`,
      headers: { authorization: app.bearer, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    })

  it('serves popularity before any model is trained, then the trained model, with reasons', async () => {
    await seedShop(current())
    t = await openTestApp(current(), T0)
    const before = await get(t, '/v1/customers/c0/recommendations?list=for-you&n=3')
    expect(before.statusCode).toBe(200)
    expect(before.json().model).toBe('popularity:live')
    expect(before.json().items.map((i: { productId: string }) => i.productId)).not.toContain('g1')

    const stored = await trainAndStoreRecommender(
      { db: current().db, clock: t.clock },
      { kind: 'item-knn', params: { neighbours: 5 } },
    )
    expect(stored.version).toBe(1)
    t.clock.advance(60_000)
    const after = await get(t, '/v1/customers/c0/recommendations?list=for-you&n=2')
    const body = after.json()
    expect(body.model).toBe(stored.id)
    expect(body.items.map((i: { productId: string }) => i.productId).sort()).toEqual(['g2', 'g3'])
    // Each item carries what the catalog says of it, so a person can read the list.
    for (const item of body.items) expect(item.name).toBe(item.productId.toUpperCase())
    expect(body.items[0].reason).toEqual({
      code: 'because-you-bought',
      text: 'Because you bought G1',
      seedProductId: 'g1',
    })
  })

  it('feedback changes the very next list', async () => {
    await seedShop(current())
    t = await openTestApp(current(), T0)
    const first = await get(t, '/v1/customers/c0/recommendations?list=popular&n=10')
    expect(first.json().items.map((i: { productId: string }) => i.productId)).toContain('k1')
    const res = await feedback(t, 'c0', { productId: 'k1', kind: 'dismiss' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ recorded: true })
    const next = await get(t, '/v1/customers/c0/recommendations?list=popular&n=10')
    expect(next.json().items.map((i: { productId: string }) => i.productId)).not.toContain('k1')
  })

  it('answers 4xx for unknown customers and products and n out of range', async () => {
    await seedShop(current())
    t = await openTestApp(current(), T0)
    expect((await get(t, '/v1/customers/nobody/recommendations')).statusCode).toBe(404)
    expect((await get(t, '/v1/customers/c0/recommendations?n=0')).statusCode).toBe(400)
    expect((await get(t, '/v1/customers/c0/recommendations?n=101')).statusCode).toBe(400)
    expect((await get(t, '/v1/customers/c0/recommendations?list=nope')).statusCode).toBe(400)
    const seed = await get(t, '/v1/customers/c0/recommendations?list=because-you-bought&seed=zz')
    expect(seed.statusCode).toBe(404)
    const fb = await feedback(t, 'c0', { productId: 'zz', kind: 'like' })
    expect(fb.statusCode).toBe(404)
    expect(fb.json().error.code).toBe('not_found')
    expect((await feedback(t, 'c0', { productId: 'g1', kind: 'love' })).statusCode).toBe(400)
    expect((await feedback(t, 'nobody', { productId: 'g1', kind: 'like' })).statusCode).toBe(404)
  })

  it('a customer who bought everything gets an empty list with the reason', async () => {
    await seedShop(current())
    await seedOrderItems(current().db, 'c0', 'o0', ['g2', 'g3', 'k1', 'k2', 'k3'], 10)
    t = await openTestApp(current(), T0)
    const res = await get(t, '/v1/customers/c0/recommendations?list=for-you')
    expect(res.statusCode).toBe(200)
    expect(res.json().items).toEqual([])
    expect(res.json().note).toMatch(/nothing left/)
  })
})
