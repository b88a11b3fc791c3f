import { gzipSync } from 'node:zlib'
import { afterEach, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { getDatabaseStats } from '../../identify/customer-list.js'

describeEachEngine('ingest routes', (current) => {
  let t: TestApp | null = null
  const open = async (): Promise<TestApp> => (t = await openTestApp(current()))
  afterEach(async () => {
    await t?.app.close()
    t = null
  })
  const post = (app: TestApp, url: string, body: unknown, headers: Record<string, string> = {}) =>
    app.app.inject({
      method: 'POST',
      url,
      headers: { authorization: app.basic, 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    })

  it('accepts a batch with a write key sent as HTTP Basic user name', async () => {
    const app = await open()
    const response = await post(app, '/v1/batch', {
      batch: [
        { type: 'identify', userId: 'u1', traits: { email: 'u1@example.com' }, messageId: '1' },
        { type: 'track', userId: 'u1', event: 'Signed Up', messageId: '2' },
      ],
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ success: true, accepted: 2, duplicates: 0 })
  })

  it('answers 400 with the index and reason of each bad event and keeps the good ones', async () => {
    const app = await open()
    const response = await post(app, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'u1', event: 'Fine', messageId: 'g1' },
        { type: 'track', event: 'No id', messageId: 'b1' },
        { type: 'track', userId: 'u1', event: 42, messageId: 'b2' },
        { type: 'unknown', userId: 'u1', messageId: 'b3' },
        { type: 'track', userId: 'u1', event: 'Too big', properties: { x: 'y'.repeat(40_000) } },
        { type: 'track', anonymousId: 'a', event: 'Also fine', messageId: 'g2' },
      ],
    })
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expect(body.error.code).toBe('invalid_events')
    expect(body.error.message).toContain('4 of 6 events rejected; the other 2 were stored')
    expect(
      body.error.details.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
    ).toEqual([
      [1, 'invalid_event'],
      [2, 'invalid_event'],
      [3, 'unknown_type'],
      [4, 'event_too_large'],
    ])
    expect(body.error.details.rejected[1].path).toBe('event')
    expect((await getDatabaseStats(current().db)).events).toBe(2)
  })

  it('refuses malformed JSON, bodies that are not batches, and oversize bodies', async () => {
    const app = await open()
    const malformed = await post(app, '/v1/batch', '{"batch": [')
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('invalid_json')
    const notBatch = await post(app, '/v1/batch', { events: [] })
    expect(notBatch.statusCode).toBe(400)
    expect(notBatch.json().error).toMatchObject({ code: 'invalid_input' })
    expect(notBatch.json().error.message).toContain('batch')
    const huge = {
      batch: Array.from({ length: 40 }, (_, i) => ({
        type: 'track',
        userId: 'u',
        event: 'E',
        messageId: `h${i}`,
        properties: { pad: 'z'.repeat(15_000) },
      })),
    }
    const tooLarge = await post(app, '/v1/batch', huge)
    expect(tooLarge.statusCode).toBe(413)
    expect(tooLarge.json().error.code).toBe('payload_too_large')
    const bigSingle = await post(app, '/v1/track', {
      userId: 'u',
      event: 'E',
      properties: { pad: 'z'.repeat(33_000) },
    })
    expect(bigSingle.statusCode).toBe(413)
    expect((await getDatabaseStats(current().db)).events).toBe(0)
  })

  it('serves each single-call endpoint and checks the implied type', async () => {
    const app = await open()
    const calls: [string, object][] = [
      ['/v1/identify', { userId: 'u7', traits: { name: 'Una' } }],
      ['/v1/track', { userId: 'u7', event: 'Clicked' }],
      ['/v1/page', { userId: 'u7', name: 'Pricing' }],
      ['/v1/screen', { userId: 'u7', name: 'Home' }],
      ['/v1/group', { userId: 'u7', groupId: 'acme', traits: { plan: 'team' } }],
      ['/v1/alias', { userId: 'u7', previousId: 'anon-7' }],
    ]
    for (const [url, body] of calls) {
      const response = await post(app, url, body)
      expect(response.statusCode, url).toBe(200)
    }
    const wrongType = await post(app, '/v1/track', { type: 'identify', userId: 'u7' })
    expect(wrongType.statusCode).toBe(400)
    expect(wrongType.json().error.message).toContain('sent to the track endpoint')
    const profile = await app.app.inject({
      url: '/v1/customers/anon-7',
      headers: { authorization: app.bearer },
    })
    expect(profile.json().eventCounts).toEqual({
      identify: 1,
      Clicked: 1,
      Pricing: 1,
      Home: 1,
      group: 1,
      alias: 1,
    })
  })

  it('accepts gzip bodies and refuses a corrupt one', async () => {
    const app = await open()
    const body = gzipSync(
      JSON.stringify({ batch: [{ type: 'track', userId: 'z', event: 'Zipped', messageId: 'z1' }] }),
    )
    const ok = await post(app, '/v1/batch', body, { 'content-encoding': 'gzip' })
    expect(ok.statusCode).toBe(200)
    const corrupt = await post(app, '/v1/batch', Buffer.from('not gzip at all'), {
      'content-encoding': 'gzip',
    })
    expect(corrupt.statusCode).toBe(400)
    const brotli = await post(app, '/v1/batch', '{}', { 'content-encoding': 'br' })
    expect(brotli.statusCode).toBe(415)
    expect((await getDatabaseStats(current().db)).events).toBe(1)
  })

  it('refuses missing, unknown and under-privileged keys, and unknown routes', async () => {
    const app = await open()
    const batch = { batch: [{ type: 'track', userId: 'u', event: 'E' }] }
    const none = await app.app.inject({ method: 'POST', url: '/v1/batch', payload: batch })
    expect(none.statusCode).toBe(401)
    expect(none.json().error.code).toBe('unauthorized')
    const unknown = await post(app, '/v1/batch', batch, {
      authorization: `Basic ${Buffer.from('nope:').toString('base64')}`,
    })
    expect(unknown.statusCode).toBe(401)
    const readWithWriteKey = await app.app.inject({
      url: '/v1/customers',
      headers: { authorization: app.basic },
    })
    expect(readWithWriteKey.statusCode).toBe(403)
    expect(readWithWriteKey.json().error.code).toBe('forbidden')
    const route = await app.app.inject({ url: '/v2/everything' })
    expect(route.statusCode).toBe(404)
    expect(route.json().error.code).toBe('route_not_found')
    expect((await getDatabaseStats(current().db)).events).toBe(0)
  })

  it('lists customers with cursor pagination and search, and serves health and OpenAPI', async () => {
    const app = await open()
    const batch = Array.from({ length: 7 }, (_, i) => ({
      type: 'identify',
      userId: `p${i}`,
      traits: { email: `person${i}@example.com`, name: i === 3 ? 'Zelda Quux' : `Person ${i}` },
      timestamp: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString(),
      messageId: `id${i}`,
    }))
    expect((await post(app, '/v1/batch', { batch })).statusCode).toBe(200)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: {
        statusCode: number
        json: () => { customers: { email: string }[]; nextCursor: string | null }
      } = await app.app.inject({
        url: `/v1/customers?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
        headers: { authorization: app.bearer },
      })
      expect(page.statusCode).toBe(200)
      const body: { customers: { email: string }[]; nextCursor: string | null } = page.json()
      seen.push(...body.customers.map((c: { email: string }) => c.email))
      cursor = body.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `person${6 - i}@example.com`))
    const search = await app.app.inject({
      url: '/v1/customers?query=zelda',
      headers: { authorization: app.bearer },
    })
    expect(search.json().customers.map((c: { email: string }) => c.email)).toEqual([
      'person3@example.com',
    ])
    const badCursor = await app.app.inject({
      url: '/v1/customers?cursor=xyz',
      headers: { authorization: app.bearer },
    })
    expect(badCursor.statusCode).toBe(400)
    const missing = await app.app.inject({
      url: '/v1/customers/nobody',
      headers: { authorization: app.bearer },
    })
    expect(missing.statusCode).toBe(404)
    expect((await app.app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok' })
    const openapi = (await app.app.inject({ url: '/openapi.json' })).json()
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/batch', '/v1/track', '/v1/customers/{identity}']),
    )
    expect((await app.app.inject({ url: '/docs/' })).statusCode).toBe(200)
  })
})
