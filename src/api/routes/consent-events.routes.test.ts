import { afterEach, expect, it } from 'vitest'
import { loadConfig } from '../../config/config.js'
import { createApiKey } from '../../store/api-keys.repository.js'
import { startInteractApp, type InteractApp } from '../../../test-support/interact-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

const HOUR = 3_600_000

describeEachEngine('consent through Segment events', (current) => {
  let env: InteractApp | null = null
  afterEach(async () => {
    await env?.close()
    env = null
  })

  async function start(settings: Record<string, string> = {}) {
    env = await startInteractApp(current(), {}, settings)
    const write = await createApiKey(env.store.db, { name: 'site', role: 'write' }, 0)
    const basic = { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` }
    const app = env.app
    const at = (offsetMs: number) => new Date(env!.clock.now() + offsetMs).toISOString()
    return {
      env,
      at,
      track: (event: object) =>
        app.inject({ method: 'POST', url: '/v1/track', headers: basic, payload: event }),
      batch: (events: object[]) =>
        app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: basic,
          payload: { batch: events },
        }),
      consents: async () =>
        (
          await app.inject({ url: '/v1/customers/u1/consents', headers: env!.auth(env!.admin) })
        ).json<{ consents: { channel: string; topic: string; granted: boolean }[] }>().consents,
      sendNews: () =>
        app.inject({
          method: 'POST',
          url: '/v1/customers/u1/send',
          headers: env!.auth(env!.admin),
          payload: { channel: 'email', kind: 'marketing', topic: 'news', text: 'Hello' },
        }),
    }
  }

  const segmentConsent = (timestamp: string, categoryPreferences: Record<string, unknown>) => ({
    type: 'track',
    userId: 'u1',
    event: 'Segment Consent Preference Updated',
    timestamp,
    context: { consent: { categoryPreferences } },
  })
  const consentUpdated = (timestamp: string, properties: Record<string, unknown>) => ({
    type: 'track',
    userId: 'u1',
    event: 'Consent Updated',
    timestamp,
    properties,
  })

  it('records Segment consent by event time: an older event never overrides a newer answer', async () => {
    const { env, at, track, batch, consents, sendNews } = await start()
    expect(
      (await track(segmentConsent(at(-2 * HOUR), { Marketing: true, Analytics: false })))
        .statusCode,
    ).toBe(200)
    expect(await consents()).toEqual([
      {
        channel: 'email',
        topic: '*',
        granted: true,
        source: 'segment',
        updatedAt: env.clock.now() - 2 * HOUR,
      },
      {
        channel: 'in_app',
        topic: '*',
        granted: true,
        source: 'segment',
        updatedAt: env.clock.now() - 2 * HOUR,
      },
      {
        channel: 'webhook',
        topic: '*',
        granted: true,
        source: 'segment',
        updatedAt: env.clock.now() - 2 * HOUR,
      },
    ])
    expect((await sendNews()).json().delivery.status).toBe('sent')

    // A withdrawal from 30 minutes ago, then (arriving later) a grant from an hour ago.
    expect(
      (await batch([consentUpdated(at(-HOUR / 2), { channel: 'email', granted: false })]))
        .statusCode,
    ).toBe(200)
    expect((await track(segmentConsent(at(-HOUR), { Marketing: true }))).statusCode).toBe(200)
    const after = await consents()
    expect(after.find((c) => c.channel === 'email')).toMatchObject({
      granted: false,
      updatedAt: env.clock.now() - HOUR / 2,
    })
    expect(after.find((c) => c.channel === 'webhook')).toMatchObject({
      granted: true,
      updatedAt: env.clock.now() - HOUR,
    })
    expect((await sendNews()).json().error.code).toBe('no_consent')

    // An answer given through the API now stands against an event from before it.
    await env.app.inject({
      method: 'PUT',
      url: '/v1/customers/u1/consents',
      headers: env.auth(env.admin),
      payload: { channel: 'email', topic: 'news', granted: true },
    })
    await track(consentUpdated(at(-60_000), { channel: 'email', topic: 'news', granted: false }))
    expect((await consents()).find((c) => c.topic === 'news')).toMatchObject({
      granted: true,
      source: 'api',
    })
    expect((await sendNews()).json().delivery.status).toBe('sent')
  })

  it('keeps the order of events within one batch by their time, not their place', async () => {
    const { at, batch, consents } = await start()
    const response = await batch([
      consentUpdated(at(-HOUR), { channel: 'in_app', topic: 'tips', granted: false }),
      consentUpdated(at(-2 * HOUR), { channel: 'in_app', topic: 'tips', granted: true }),
    ])
    expect(response.statusCode).toBe(200)
    expect(await consents()).toMatchObject([
      { channel: 'in_app', topic: 'tips', granted: false, source: 'segment' },
    ])
  })

  it('rejects a malformed consent event with its index and field, and keeps the good ones', async () => {
    const { at, batch, track, consents } = await start()
    const response = await batch([
      consentUpdated(at(0), { channel: 'email', topic: 'news', granted: true }),
      consentUpdated(at(0), { channel: 'email', granted: 'yes' }),
    ])
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toBe(
      '1 of 2 events rejected; the other 1 were stored (event 1: properties.granted: must be true or false)',
    )
    expect(response.json().error.details.rejected).toMatchObject([
      { index: 1, path: 'properties.granted' },
    ])
    const single = await track({
      userId: 'u1',
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { Marketing: 'yes' } } },
    })
    expect(single.statusCode).toBe(400)
    expect(single.json().error.message).toMatch(
      /context\.consent\.categoryPreferences\.Marketing: must be true or false/,
    )
    expect(await consents()).toMatchObject([{ channel: 'email', topic: 'news', granted: true }])
  })

  it('maps consent categories as IDIC_CONSENT_CATEGORIES says', async () => {
    const { at, track, consents, sendNews } = await start({
      IDIC_CONSENT_CATEGORIES: '{"C0004": ["email:news", "in_app:*"]}',
    })
    await track(segmentConsent(at(0), { C0004: true, Marketing: true }))
    expect(await consents()).toMatchObject([
      { channel: 'email', topic: 'news', granted: true, source: 'segment' },
      { channel: 'in_app', topic: '*', granted: true, source: 'segment' },
    ])
    expect((await sendNews()).json().delivery.status).toBe('sent')
    expect(() => loadConfig({ IDIC_CONSENT_CATEGORIES: '{"marketing": "sms:*"}' })).toThrow(
      /IDIC_CONSENT_CATEGORIES: marketing: "sms:\*" is not/,
    )
  })
})
