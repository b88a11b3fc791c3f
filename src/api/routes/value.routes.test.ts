import { afterEach, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { scoreCustomers } from '../../differentiate/value/score-customers.js'

const DAY = 86_400_000
const START = Date.UTC(2025, 0, 6)

describeEachEngine('value routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  async function seed(): Promise<void> {
    const { db } = current()
    const customers = Array.from({ length: 60 }, (_, i) => `cus_${i}`)
    await db
      .insertInto('customers')
      .values(
        customers.map((id) => ({
          id,
          traits: '{}',
          email: `${id}@example.com`,
          first_seen_at: START,
          last_seen_at: START,
          manager_id: null,
          created_at: START,
        })),
      )
      .execute()
    await db
      .insertInto('identities')
      .values(
        customers.map((id) => ({
          kind: 'email',
          value: `${id}@example.com`,
          customer_id: id,
          first_seen_at: START,
        })),
      )
      .execute()
    const orders = customers.flatMap((id, i) =>
      Array.from({ length: 1 + (i % 5) }, (_, k) => ({
        customer_id: id,
        order_id: `${id}-${k}`,
        placed_at: START + (i % 20) * DAY + k * (7 + (i % 9)) * DAY,
        total: 20 + ((i * 7 + k * 13) % 90),
        discount: 0,
        refunded: 0,
        currency: 'EUR',
        status: 'completed',
        country: i % 2 === 0 ? 'NL' : 'BE',
        source: 'import',
        message_id: null,
        created_at: START,
      })),
    )
    await db.insertInto('orders').values(orders).execute()
  }

  it('serves a customer’s value with tier and reason, and the summary', async () => {
    const store = current()
    await seed()
    t = await openTestApp(store, START + 200 * DAY)
    const before = await t.app.inject({
      method: 'GET',
      url: '/v1/customers/cus_3/value',
      headers: { authorization: t.bearer },
    })
    expect(before.statusCode).toBe(404)
    expect(before.json().error.message).toMatch(/Value scores for customer "cus_3" not found/)
    const scored = await scoreCustomers(
      { db: store.db, capabilities: store.capabilities, clock: t.clock },
      { calibrationEnd: START + 150 * DAY },
    )
    if (!scored.ok) throw new Error(scored.error.message)
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/customers/cus_3@example.com/value',
      headers: { authorization: t.bearer },
    })
    expect(response.statusCode, response.body).toBe(200)
    const body = response.json()
    expect(body.customerId).toBe('cus_3')
    expect(body.model).toBe('bgnbd')
    expect(['mvc', 'mgc', 'low_maintenance', 'below_zero']).toContain(body.tier)
    expect(body.reason.length).toBeGreaterThan(20)
    expect(body.frequency).toBe(3)
    const summary = await t.app.inject({
      method: 'GET',
      url: '/v1/value/summary',
      headers: { authorization: t.bearer },
    })
    expect(summary.statusCode, summary.body).toBe(200)
    const s = summary.json()
    expect(s.customers).toBe(60)
    const tierTotal = Object.values(s.tiers as Record<string, { customers: number }>).reduce(
      (sum, tier) => sum + tier.customers,
      0,
    )
    expect(tierTotal).toBe(60)
    expect(s.model.kind).toBe('bgnbd')
    expect(Object.keys(s.model.params.purchase)).toEqual(['r', 'alpha', 'a', 'b'])
    expect(s.model.metrics.tracking).toBeUndefined()
    expect(s.valueDistribution.median).not.toBeNull()
  })

  it('answers 404 for an unknown customer and 401 without a key', async () => {
    t = await openTestApp(current())
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/v1/customers/nobody/value',
      headers: { authorization: t.bearer },
    })
    expect(unknown.statusCode).toBe(404)
    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/value/summary' })
    expect(anonymous.statusCode).toBe(401)
    const empty = await t.app.inject({
      method: 'GET',
      url: '/v1/value/summary',
      headers: { authorization: t.bearer },
    })
    expect(empty.json()).toMatchObject({ customers: 0, model: null })
  })
})
