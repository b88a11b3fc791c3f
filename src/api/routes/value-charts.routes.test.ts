import { afterEach, expect, it } from 'vitest'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

describeEachEngine('GET /v1/value/customers?segment=&manager=', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  it('lists a segment’s scored members (by id or name) or a manager’s portfolio, and 404s unknown ones', async () => {
    const app = (t = await openTestApp(current()))
    const { db } = current()
    const ids = Array.from({ length: 12 }, (_, i) => `cus_${String(i).padStart(2, '0')}`)
    await db
      .insertInto('customers')
      .values(
        ids.map((id, i) => ({
          id,
          traits: JSON.stringify({ plan: i % 3 === 0 ? 'gold' : 'basic' }),
          email: `${id}@example.com`,
          first_seen_at: 0,
          last_seen_at: 0,
          manager_id: i % 4 === 2 ? 'mgr_ada' : null,
          created_at: 0,
        })),
      )
      .execute()
    await db
      .insertInto('scores')
      .values(
        ids.map((id, i) => ({
          customer_id: id,
          model_run_id: 'run_1',
          frequency: 1,
          recency: 1,
          age: 10,
          historical_revenue: 1,
          historical_margin: 1,
          cost_to_serve: 0,
          expected_transactions: 1,
          expected_spend: 1,
          actual_value: i,
          clv: i,
          p_alive: 0.5,
          tier: 'low_maintenance',
          tier_reason: 'test',
          rfm_r: 1,
          rfm_f: 1,
          rfm_m: 1,
          rfm_segment: 'x',
          wallet: null,
          share_of_wallet: i / 20,
          growth_potential: 100 - i,
          computed_at: 0,
        })),
      )
      .execute()
    const headers = { authorization: app.bearer }
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers,
      payload: { name: 'Gold', rule: { trait: 'plan', op: 'eq', value: 'gold' } },
    })
    expect(created.statusCode).toBe(201)
    const segmentId = created.json<{ id: string }>().id

    for (const ref of [segmentId, 'Gold']) {
      const page = await app.app.inject({
        method: 'GET',
        url: `/v1/value/customers?by=value&limit=3&segment=${encodeURIComponent(ref)}`,
        headers,
      })
      expect(page.statusCode).toBe(200)
      const body = page.json<{ customers: { id: string }[]; nextCursor: string | null }>()
      expect(body.customers.map((c) => c.id)).toEqual(['cus_09', 'cus_06', 'cus_03'])
      const next = await app.app.inject({
        method: 'GET',
        url: `/v1/value/customers?by=value&limit=3&segment=${encodeURIComponent(ref)}&cursor=${body.nextCursor ?? ''}`,
        headers,
      })
      expect(next.json<{ customers: { id: string }[] }>().customers.map((c) => c.id)).toEqual([
        'cus_00',
      ])
    }
    const unknown = await app.app.inject({
      method: 'GET',
      url: '/v1/value/customers?segment=nope',
      headers,
    })
    expect(unknown.statusCode).toBe(404)
    const all = await app.app.inject({ method: 'GET', url: '/v1/value/customers', headers })
    expect(all.json<{ customers: unknown[] }>().customers).toHaveLength(12)

    // A manager's portfolio (cus_02, cus_06, cus_10), by growth potential and by share of customer.
    await db
      .insertInto('managers')
      .values({ id: 'mgr_ada', name: 'Ada', email: null, capacity: null, active: 1, created_at: 0 })
      .execute()
    const byGrowth = await app.app.inject({
      method: 'GET',
      url: '/v1/value/customers?by=growth_potential&manager=mgr_ada',
      headers,
    })
    expect(byGrowth.statusCode).toBe(200)
    const growth = byGrowth.json<{ customers: { id: string; growthPotential: number }[] }>()
    expect(growth.customers.map((c) => [c.id, c.growthPotential])).toEqual([
      ['cus_02', 98],
      ['cus_06', 94],
      ['cus_10', 90],
    ])
    const byShare = await app.app.inject({
      method: 'GET',
      url: '/v1/value/customers?by=share_of_wallet&manager=mgr_ada',
      headers,
    })
    expect(byShare.json<{ customers: { id: string }[] }>().customers.map((c) => c.id)).toEqual([
      'cus_10',
      'cus_06',
      'cus_02',
    ])
    const unknownManager = await app.app.inject({
      method: 'GET',
      url: '/v1/value/customers?manager=mgr_nobody',
      headers,
    })
    expect(unknownManager.statusCode).toBe(404)
    expect(unknownManager.json<{ error: { details: unknown } }>().error.details).toEqual({
      field: 'manager',
    })
  })
})
