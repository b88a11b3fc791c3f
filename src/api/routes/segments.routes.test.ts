import { afterEach, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { createApiKey } from '../../store/api-keys.repository.js'
import { FIXTURE_NOW, loadSegmentFixture } from '../../customize/segments/segment-fixture.js'

const MVC_BOOKS = {
  all: [
    { score: 'tier', op: 'eq', value: 'mvc' },
    {
      performed: 'Order Completed',
      within: { days: 90 },
      where: [{ property: 'category', op: 'eq', value: 'Books' }],
    },
  ],
}

describeEachEngine('segment routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  async function open(): Promise<TestApp> {
    await loadSegmentFixture(current().db)
    t = await openTestApp(current(), FIXTURE_NOW)
    return t
  }

  it('previews a rule, then stores, lists, shows, pages, refreshes and deletes it', async () => {
    const { app, bearer } = await open()
    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      app.inject({
        method,
        url,
        headers: { authorization: bearer },
        ...(payload ? { payload } : {}),
      })

    const preview = await call('POST', '/v1/segments/preview', { rule: MVC_BOOKS })
    expect(preview.statusCode).toBe(200)
    expect(preview.json()).toEqual({
      count: 1,
      estimated: false,
      interval: null,
      evaluatedCustomers: 4,
      totalCustomers: 4,
      sample: [{ customerId: 'ana', email: 'ana@gmail.com' }],
      refreshMode: 'scheduled',
    })

    const created = await call('POST', '/v1/segments', { name: 'MVC readers', rule: MVC_BOOKS })
    expect(created.statusCode).toBe(201)
    const segment = created.json()
    expect(segment).toMatchObject({ name: 'MVC readers', memberCount: 1, rule: MVC_BOOKS })

    expect(
      (await call('POST', '/v1/segments', { name: 'MVC readers', rule: MVC_BOOKS })).statusCode,
    ).toBe(409)
    expect((await call('GET', '/v1/segments')).json().segments).toHaveLength(1)
    expect((await call('GET', `/v1/segments/${segment.id}`)).json().id).toBe(segment.id)
    expect((await call('GET', '/v1/segments/MVC%20readers')).json().id).toBe(segment.id)

    const widened = await call('PUT', `/v1/segments/${segment.id}`, {
      rule: { field: 'email', op: 'exists' },
      description: 'everyone we can write to',
    })
    expect(widened.json()).toMatchObject({ memberCount: 3, refreshMode: 'live' })
    const first = await call('GET', `/v1/segments/${segment.id}/members?limit=2`)
    expect(first.json().members.map((m: { customerId: string }) => m.customerId)).toEqual([
      'ana',
      'bob',
    ])
    const rest = await call(
      'GET',
      `/v1/segments/${segment.id}/members?limit=2&cursor=${first.json().nextCursor}`,
    )
    expect(rest.json()).toMatchObject({ members: [{ customerId: 'dee' }], nextCursor: null })

    await current()
      .db.updateTable('customers')
      .set({ email: null })
      .where('id', '=', 'dee')
      .execute()
    const refreshed = await call('POST', `/v1/segments/${segment.id}/refresh`)
    expect(refreshed.json()).toMatchObject({ added: 0, removed: 1, count: 2 })

    expect((await call('DELETE', `/v1/segments/${segment.id}`)).json()).toEqual({
      deleted: segment.id,
    })
    expect((await call('GET', `/v1/segments/${segment.id}`)).statusCode).toBe(404)
    expect((await call('POST', '/v1/segments/nope/refresh')).statusCode).toBe(404)
  })

  it('answers 400 naming the path of every problem of a bad rule', async () => {
    const { app, bearer } = await open()
    const response = await app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers: { authorization: bearer },
      payload: {
        name: 'Broken',
        rule: {
          all: [
            { field: 'email', op: 'exists' },
            { field: 'age', op: 'gt', value: 3 },
            { any: [{ trait: 'plna', op: 'exists' }] },
          ],
        },
      },
    })
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expect(body.error.code).toBe('invalid_segment_rule')
    expect(body.error.message).toContain('all[1].field')
    expect(body.error.details.errors).toEqual([
      expect.objectContaining({ type: 'unknown_field', path: 'all[1].field' }),
    ])
    // Shape first: only once the shape is right are names checked against the data.
    const names = await app.inject({
      method: 'POST',
      url: '/v1/segments/preview',
      headers: { authorization: bearer },
      payload: {
        rule: { any: [{ trait: 'plna', op: 'exists' }, { performed: 'Order Complete' }] },
      },
    })
    expect(names.statusCode).toBe(400)
    expect(names.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual([
      'any[0].trait',
      'any[1].performed',
    ])
    const list = await app.inject({
      method: 'GET',
      url: '/v1/segments',
      headers: { authorization: bearer },
    })
    expect(list.json().segments).toEqual([])
  })

  it('updates live segments as events come through /v1/batch', async () => {
    const { app, bearer, basic } = await open()
    const created = await app.inject({
      method: 'POST',
      url: '/v1/segments',
      headers: { authorization: bearer },
      payload: { name: 'Pro', rule: { trait: 'plan', op: 'eq', value: 'pro' } },
    })
    const id = created.json().id as string
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic },
      payload: {
        batch: [
          { type: 'identify', userId: 'bob', traits: { plan: 'pro' } },
          { type: 'identify', userId: 'ana', traits: { plan: 'team' } },
        ],
      },
    })
    expect(batch.statusCode).toBe(200)
    const members = await app.inject({
      method: 'GET',
      url: `/v1/segments/${id}/members`,
      headers: { authorization: bearer },
    })
    expect(members.json().members.map((m: { customerId: string }) => m.customerId)).toEqual(['bob'])
  })

  it('admits admin and analyst keys only, and documents the routes', async () => {
    const { app } = await open()
    const analyst = await createApiKey(current().db, { name: 'a', role: 'analyst' }, FIXTURE_NOW)
    const manager = await createApiKey(current().db, { name: 'm', role: 'manager' }, FIXTURE_NOW)
    const as = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/segments/preview',
        headers: { authorization: `Bearer ${key}` },
        payload: { rule: { field: 'email', op: 'exists' }, sampleSize: 0 },
      })
    expect((await as(analyst.key)).json()).toMatchObject({
      count: 3,
      estimated: false,
      sample: [],
      refreshMode: 'live',
    })
    expect((await as(manager.key)).statusCode).toBe(403)
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/segments', '/v1/segments/{id}/members', '/v1/segments/preview']),
    )
  })
})
