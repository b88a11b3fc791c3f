import { afterEach, expect, it } from 'vitest'
import { createApiKey } from '../../store/api-keys.repository.js'
import { addCustomer } from '../../../test-support/interact-fixture.js'
import { startInteractApp, type InteractApp } from '../../../test-support/interact-app.js'
import { headerOf } from '../../../test-support/smtp-sink.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

describeEachEngine('interact API', (current) => {
  let env: InteractApp | null = null
  afterEach(async () => {
    await env?.close()
    env = null
  })
  async function start() {
    env = await startInteractApp(current())
    return env
  }

  it('takes a question, threads it, and answers it by email', async () => {
    const { app, admin, auth, smtp, clock } = await start()
    const asked = await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/messages',
      headers: auth(admin),
      payload: { kind: 'question', text: 'Is the blue one back?', subject: 'Stock' },
    })
    expect(asked.statusCode).toBe(201)
    const question = asked.json()
    expect(question).toMatchObject({ kind: 'question', status: 'open', direction: 'inbound' })
    clock.advance(60_000)

    const answered = await app.inject({
      method: 'POST',
      url: `/v1/customers/ana@example.com/messages/${question.id}/answer`,
      headers: auth(admin),
      payload: { channel: 'email', text: 'Yes, since Monday.' },
    })
    expect(answered.statusCode).toBe(200)
    expect(answered.json().delivery.status).toBe('sent')
    expect(headerOf(smtp.received[0]!.raw, 'Subject')).toBe('Re: Stock')
    expect(headerOf(smtp.received[0]!.raw, 'X-Idic-Kind')).toBe('transactional')

    const thread = await app.inject({ url: '/v1/customers/u1/messages', headers: auth(admin) })
    expect(thread.json().status).toBe('answered')
    expect(thread.json<{ messages: { kind: string }[] }>().messages.map((m) => m.kind)).toEqual([
      'question',
      'answer',
    ])
    expect(thread.json().deliveries).toHaveLength(1)

    const profile = await app.inject({ url: '/v1/customers/u1', headers: auth(admin) })
    expect(profile.json().timeline[0].name).toBe('Customer Question Asked')
  })

  it('projects dialogue events sent to /v1/batch into the thread', async () => {
    const { app, auth, store } = await start()
    const write = await createApiKey(store.db, { name: 'site', role: 'write' }, 0)
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` },
      payload: {
        batch: [
          {
            type: 'track',
            userId: 'u1',
            event: 'Customer Complaint',
            properties: { text: 'Late parcel' },
          },
        ],
      },
    })
    expect(sent.statusCode).toBe(200)
    const thread = await app.inject({ url: '/v1/customers/u1/messages', headers: auth(env!.admin) })
    expect(thread.json().messages).toMatchObject([
      { kind: 'complaint', status: 'open', body: 'Late parcel' },
    ])
  })

  it('rejects a dialogue event whose rating is not 1 to 5, and keeps the rest of the batch', async () => {
    const { app, auth, store, admin } = await start()
    const write = await createApiKey(store.db, { name: 'site', role: 'write' }, 0)
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` },
      payload: {
        batch: [
          { type: 'track', userId: 'u1', event: 'Customer Rated', properties: { rating: 4 } },
          { type: 'track', userId: 'u1', event: 'Customer Rated', properties: { rating: 9 } },
          { type: 'track', userId: 'u1', event: 'Customer Rated', properties: {} },
          { type: 'track', userId: 'u1', event: 'Customer Praised', properties: { rating: '5' } },
        ],
      },
    })
    expect(sent.statusCode).toBe(400)
    expect(sent.json().error.details.rejected).toMatchObject([
      {
        index: 1,
        path: 'properties.rating',
        message: 'properties.rating: must be a number from 1 to 5',
      },
      { index: 2, path: 'properties.rating' },
      { index: 3, path: 'properties.rating' },
    ])
    const thread = await app.inject({ url: '/v1/customers/u1/messages', headers: auth(admin) })
    expect(thread.json().messages).toMatchObject([{ kind: 'rating', data: { rating: 4 } }])
  })

  it('refuses marketing without consent, sends with it, and honours one-click unsubscribe', async () => {
    const { app, admin, auth, smtp } = await start()
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/customers/u1/send',
        headers: auth(admin),
        payload: {
          channel: 'email',
          kind: 'marketing',
          topic: 'news',
          subject: 'New',
          text: 'Hello',
        },
      })
    const refused = await send()
    expect(refused.statusCode).toBe(409)
    expect(refused.json().error.code).toBe('no_consent')

    const consent = await app.inject({
      method: 'PUT',
      url: '/v1/customers/u1/consents',
      headers: auth(admin),
      payload: { channel: 'email', topic: 'news', granted: true, source: 'signup form' },
    })
    expect(consent.json()).toMatchObject({ granted: true, source: 'signup form' })
    expect((await send()).json().delivery.status).toBe('sent')

    const link = /^<http:\/\/idic\.test(\/u\/[^>]+)>$/.exec(
      headerOf(smtp.received[0]!.raw, 'List-Unsubscribe') ?? '',
    )
    expect(link).not.toBeNull()
    // What a mail client does for RFC 8058 one-click unsubscribe.
    const unsubscribed = await app.inject({
      method: 'POST',
      url: link![1]!,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(unsubscribed.statusCode).toBe(200)
    const consents = await app.inject({ url: '/v1/customers/u1/consents', headers: auth(admin) })
    expect(consents.json().consents).toMatchObject([
      { channel: 'email', topic: 'news', granted: false, source: 'one_click_unsubscribe' },
    ])
    expect((await send()).statusCode).toBe(409)
    // A tampered unsubscribe link is refused.
    const tampered = await app.inject({ method: 'POST', url: link![1]!.slice(0, -2) + 'xx' })
    expect(tampered.statusCode).toBe(403)
  })

  it('turns the open pixel and link clicks into delivery states and events', async () => {
    const { app, admin, auth, smtp } = await start()
    await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/send',
      headers: auth(admin),
      payload: {
        channel: 'email',
        kind: 'transactional',
        subject: 'Receipt',
        text: 'Thanks',
        html: '<a href="https://shop.example/order/1">Your order</a>',
      },
    })
    const raw = smtp.received[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
    const pixel = /http:\/\/idic\.test(\/t\/o\/[A-Za-z0-9_.-]+)/.exec(raw)![1]!
    const click = /http:\/\/idic\.test(\/t\/c\/[A-Za-z0-9_.-]+)/.exec(raw)![1]!
    const opened = await app.inject({ url: pixel })
    expect(opened.statusCode).toBe(200)
    expect(opened.headers['content-type']).toBe('image/gif')
    const clicked = await app.inject({ url: click })
    expect(clicked.statusCode).toBe(302)
    expect(clicked.headers.location).toBe('https://shop.example/order/1')
    const deliveries = await app.inject({
      url: '/v1/customers/u1/deliveries',
      headers: auth(admin),
    })
    const delivery = deliveries.json().deliveries[0]
    expect(delivery.status).toBe('clicked')
    expect((delivery as { history: { status: string }[] }).history.map((h) => h.status)).toEqual([
      'queued',
      'sent',
      'opened',
      'clicked',
    ])
    const profile = await app.inject({ url: '/v1/customers/u1', headers: auth(admin) })
    expect(profile.json().eventCounts).toMatchObject({
      'Message Opened': 1,
      'Message Link Clicked': 1,
    })
    // A forged click link does not redirect anywhere.
    const forged = await app.inject({ url: click.replace(/\.[^.]+$/, '.AAAA') })
    expect(forged.statusCode).toBe(403)
    // A broken pixel token still answers the image, and records nothing.
    expect((await app.inject({ url: '/t/o/garbage' })).statusCode).toBe(200)
  })

  it('serves the in-app inbox and marks messages read', async () => {
    const { app, admin, auth } = await start()
    const sent = await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/send',
      headers: auth(admin),
      payload: {
        channel: 'in_app',
        kind: 'transactional',
        subject: 'Order shipped',
        text: 'On its way',
      },
    })
    expect(sent.json().delivery.status).toBe('delivered')
    const inbox = await app.inject({
      url: '/v1/customers/u1/inbox?unread=true',
      headers: auth(admin),
    })
    expect(inbox.json().items).toMatchObject([{ subject: 'Order shipped', readAt: null }])
    const id = inbox.json().items[0].id
    const read = await app.inject({
      method: 'POST',
      url: `/v1/customers/u1/inbox/${id}/read`,
      headers: auth(admin),
    })
    expect(read.statusCode).toBe(200)
    const after = await app.inject({
      url: '/v1/customers/u1/inbox?unread=true',
      headers: auth(admin),
    })
    expect(after.json().items).toEqual([])
    const missing = await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/inbox/msg_x/read',
      headers: auth(admin),
    })
    expect(missing.statusCode).toBe(404)
  })

  it('documents the Interact routes in OpenAPI', async () => {
    const { app } = await start()
    const response = await app.inject({ url: '/openapi.json' })
    expect(response.statusCode).toBe(200)
    const paths = Object.keys(response.json<{ paths: Record<string, unknown> }>().paths)
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/customers/{identity}/messages',
        '/v1/customers/{identity}/send',
        '/v1/customers/{identity}/inbox',
        '/v1/managers/{managerId}/portfolio',
      ]),
    )
    // Public token routes are not API and stay out of the document.
    expect(paths.some((p) => p.startsWith('/p/') || p.startsWith('/t/'))).toBe(false)
  })

  it('answers bad input with clear errors', async () => {
    const { app, admin, auth } = await start()
    const unknown = await app.inject({
      method: 'POST',
      url: '/v1/customers/ghost/messages',
      headers: auth(admin),
      payload: { kind: 'question', text: '?' },
    })
    expect(unknown.statusCode).toBe(404)
    const badKind = await app.inject({
      method: 'POST',
      url: '/v1/customers/u1/messages',
      headers: auth(admin),
      payload: { kind: 'shout', text: '!' },
    })
    expect(badKind.statusCode).toBe(400)
    const noKey = await app.inject({ url: '/v1/customers/u1/messages' })
    expect(noKey.statusCode).toBe(401)
  })

  it('keeps a manager to their own customers', async () => {
    const { app, admin, auth, store, clock, managerKey } = await start()
    const other = await addCustomer(store, clock, 'u2', { email: 'bo@example.com' })
    await store.db
      .insertInto('managers')
      .values({ id: 'mgr_a', name: 'A', email: null, capacity: null, active: 1, created_at: 0 })
      .execute()
    await store.db
      .updateTable('customers')
      .set({ manager_id: 'mgr_a' })
      .where('id', '=', env!.customerId)
      .execute()
    const key = await managerKey('mgr_a')
    expect((await app.inject({ url: '/v1/customers/u1', headers: auth(key) })).statusCode).toBe(200)
    expect(
      (await app.inject({ url: '/v1/customers/u1/messages', headers: auth(key) })).statusCode,
    ).toBe(200)
    const foreign = await app.inject({ url: `/v1/customers/${other}`, headers: auth(key) })
    expect(foreign.statusCode).toBe(403)
    expect(foreign.json().error.code).toBe('forbidden')
    const foreignSend = await app.inject({
      method: 'POST',
      url: '/v1/customers/u2/send',
      headers: auth(key),
      payload: { channel: 'in_app', kind: 'transactional', text: 'hi' },
    })
    expect(foreignSend.statusCode).toBe(403)
    // Listing everyone is not for managers.
    expect((await app.inject({ url: '/v1/customers', headers: auth(key) })).statusCode).toBe(403)
    expect(
      (await app.inject({ url: `/v1/customers/${other}`, headers: auth(admin) })).statusCode,
    ).toBe(200)
  })
})
