import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import type { Store } from '../../store/engine.js'
import {
  listRecommenderModels,
  loadLatestRecommenderModel,
  readCustomerActivity,
  readInteractionRows,
  readProductFacts,
  recordInteraction,
  saveRecommenderModel,
} from './recommend.repository.js'

const T0 = 1_700_000_000_000

async function seed(store: Store): Promise<void> {
  const { db } = store
  await db
    .insertInto('products')
    .values([
      {
        id: 'p1',
        sku: null,
        name: 'Mug',
        category: 'Kitchen',
        price: 8,
        cost: 3,
        in_stock: 1,
        repeatable: 0,
        attributes: '{}',
        created_at: T0,
        updated_at: T0,
      },
      {
        id: 'p2',
        sku: null,
        name: 'Tea',
        category: 'Kitchen > Tea',
        price: 5,
        cost: 2,
        in_stock: 0,
        repeatable: 1,
        attributes: '{}',
        created_at: T0,
        updated_at: T0,
      },
    ])
    .execute()
  const order = (customer: string, id: string, at: number, status = 'completed') => ({
    customer_id: customer,
    order_id: id,
    placed_at: at,
    total: 10,
    discount: 0,
    refunded: 0,
    currency: 'GBP',
    status,
    country: 'GB',
    source: 'import',
    message_id: null,
    created_at: at,
  })
  await db
    .insertInto('orders')
    .values([
      order('c1', 'o1', T0 + 1000),
      order('c1', 'o2', T0 + 2000, 'cancelled'),
      order('c2', 'o3', T0 + 3000),
    ])
    .execute()
  const line = (
    customer: string,
    orderId: string,
    line: number,
    product: string,
    q: number,
    returned = 0,
  ) => ({
    customer_id: customer,
    order_id: orderId,
    line,
    product_id: product,
    sku: null,
    name: null,
    category: null,
    price: 5,
    quantity: q,
    returned_quantity: returned,
  })
  await db
    .insertInto('order_items')
    .values([
      line('c1', 'o1', 1, 'p1', 2),
      line('c1', 'o1', 2, 'p2', 1, 1),
      line('c1', 'o2', 1, 'p2', 3),
      line('c2', 'o3', 1, 'p2', 4),
    ])
    .execute()
  await recordInteraction(db, {
    customerId: 'c1',
    productId: 'p2',
    kind: 'like',
    occurredAt: T0 + 5000,
  })
  await recordInteraction(db, {
    customerId: 'c2',
    productId: 'p1',
    kind: 'skip',
    occurredAt: T0 + 6000,
  })
  await db
    .insertInto('interactions')
    .values({
      customer_id: 'c2',
      message_id: 'm-odd',
      product_id: 'p1',
      kind: 'wishlist',
      value: 1,
      occurred_at: T0,
    })
    .execute()
}

describeEachEngine('recommend repository', (current) => {
  it('reads purchases net of returns and cancellations, plus feedback, as interaction rows', async () => {
    await seed(current())
    const rows = await readInteractionRows(current().db)
    const simple = rows
      .map((r) => `${r.customer} ${r.item} ${r.kind} ${r.value} ${r.time - T0}`)
      .sort()
    expect(simple).toEqual([
      'c1 p1 purchase 2 1000',
      'c1 p2 like 1 5000',
      'c2 p1 skip 1 6000',
      'c2 p2 purchase 4 3000',
    ])
    const recent = await readInteractionRows(current().db, { since: T0 + 4000 })
    expect(recent.map((r) => r.kind).sort()).toEqual(['like', 'skip'])
  })

  it("reads one customer's activity oldest first", async () => {
    await seed(current())
    const events = await readCustomerActivity(current().db, 'c1')
    expect(events).toEqual([
      { productId: 'p1', kind: 'purchase', time: T0 + 1000 },
      { productId: 'p2', kind: 'like', time: T0 + 5000 },
    ])
    expect(await readCustomerActivity(current().db, 'nobody')).toEqual([])
  })

  it('reads product facts', async () => {
    await seed(current())
    const facts = await readProductFacts(current().db)
    expect(facts.get('p2')).toEqual({
      id: 'p2',
      name: 'Tea',
      inStock: false,
      repeatable: true,
      category: 'Kitchen > Tea',
      price: 5,
    })
  })

  it('stores models as versions per kind and loads the latest with its bytes intact', async () => {
    const { db } = current()
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256)
    const first = await saveRecommenderModel(db, {
      kind: 'ease',
      params: { lambda: 300 },
      metrics: { 'ndcg@10': 0.44 },
      itemIds: ['p1', 'p2'],
      bytes,
      trainedAt: T0,
    })
    const second = await saveRecommenderModel(db, {
      kind: 'ease',
      params: { lambda: 400 },
      metrics: {},
      itemIds: ['p2', 'p1'],
      bytes: bytes.subarray(10, 20),
      trainedAt: T0 + 10,
    })
    await saveRecommenderModel(db, {
      kind: 'popularity',
      params: {},
      metrics: {},
      itemIds: [],
      bytes: new Uint8Array(0),
      trainedAt: T0 + 5,
    })
    expect([first.version, second.version]).toEqual([1, 2])
    const latest = await loadLatestRecommenderModel(db, 'ease')
    expect(latest).toMatchObject({ version: 2, params: { lambda: 400 }, itemIds: ['p2', 'p1'] })
    expect(Array.from(latest!.bytes)).toEqual(Array.from(bytes.subarray(10, 20)))
    expect((await loadLatestRecommenderModel(db))?.id).toBe(second.id)
    expect(await loadLatestRecommenderModel(db, 'ials')).toBeNull()
    const list = await listRecommenderModels(db)
    expect(list.map((m) => `${m.kind}@${m.version}`)).toEqual(['ease@2', 'popularity@1', 'ease@1'])
    expect(list[2]).toMatchObject({ metrics: { 'ndcg@10': 0.44 }, sizeBytes: 1000 })
  })
})
