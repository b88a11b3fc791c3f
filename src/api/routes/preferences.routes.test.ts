import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { DAY_MS } from '../../core/clock.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { startInteractApp, type InteractApp } from '../../../test-support/interact-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

const CHROMIUM = '/usr/bin/chromium'
const HAVE_CHROMIUM = existsSync(CHROMIUM)
const SKIP_NOTE = HAVE_CHROMIUM
  ? ''
  : ` (SKIPPED: ${CHROMIUM} is missing; apt-get install -y chromium)`

let browser: Browser | null = null
beforeAll(async () => {
  if (!HAVE_CHROMIUM) return
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
})
afterAll(async () => {
  await browser?.close()
})

describeEachEngine('preference page', (current) => {
  let env: InteractApp | null = null
  afterEach(async () => {
    await env?.close()
    env = null
  })

  async function start() {
    env = await startInteractApp(current())
    await ingestEvents({ store: env.store, clock: env.clock }, [
      { type: 'identify', userId: 'u1', traits: { name: 'Ana', city: 'Porto' } },
      {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: {
          order_id: 'o1',
          total: 42.5,
          currency: 'EUR',
          products: [{ product_id: 'p1', price: 42.5, quantity: 1, category: 'Shoes' }],
        },
      },
    ])
    return env
  }

  async function linkPath(app: InteractApp): Promise<string> {
    const response = await app.app.inject({
      url: '/v1/customers/u1/preference-link?days=7',
      headers: app.auth(app.admin),
    })
    expect(response.statusCode).toBe(200)
    return new URL(response.json<{ url: string }>().url).pathname
  }

  it('refuses expired and tampered links', async () => {
    const app = await start()
    const path = await linkPath(app)
    expect((await app.app.inject({ url: path })).statusCode).toBe(200)
    const [payload, signature] = path.slice('/p/'.length).split('.')
    // Another customer's id under the same signature.
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        c: 'cus_other',
      }),
    ).toString('base64url')
    const tampered = await app.app.inject({ url: `/p/${forgedPayload}.${signature}` })
    expect(tampered.statusCode).toBe(403)
    expect(tampered.body).toContain('This link is not valid')
    expect((await app.app.inject({ url: '/p/not-a-token' })).statusCode).toBe(403)
    // A forged link cannot erase anyone.
    const erase = await app.app.inject({
      method: 'POST',
      url: `/p/${forgedPayload}.${signature}/erase`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'confirm=yes',
    })
    expect(erase.statusCode).toBe(403)
    app.clock.advance(7 * DAY_MS + 1)
    const expired = await app.app.inject({ url: path })
    expect(expired.statusCode).toBe(410)
    expect(expired.body).toContain('This link has expired')
    const lateErase = await app.app.inject({
      method: 'POST',
      url: `${path}/erase`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'confirm=yes',
    })
    expect(lateErase.statusCode).toBe(410)
    expect(await app.store.db.selectFrom('customers').select('id').execute()).toHaveLength(1)
  })

  it.skipIf(!HAVE_CHROMIUM)(
    `shows what is known, changes consents, exports and erases, in a real browser${SKIP_NOTE}`,
    async () => {
      const app = await start()
      await app.app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.app.server.address() as AddressInfo
      const url = `http://127.0.0.1:${port}${await linkPath(app)}`
      const context = await browser!.newContext({ acceptDownloads: true })
      try {
        const page = await context.newPage()
        const response = await page.goto(url)
        expect(response?.status()).toBe(200)
        expect(await page.textContent('h1')).toBe('Your data and preferences')
        expect(await page.textContent('#traits')).toContain('Porto')
        expect(await page.textContent('#purchases')).toContain('1 orders, 42.50 EUR')
        expect(await page.textContent('#purchases')).toContain('Shoes')

        // Opt in to all email, submit, and see it saved.
        const everyEmail = page.locator('input[data-channel="email"][data-topic="*"]')
        expect(await everyEmail.isChecked()).toBe(false)
        await everyEmail.check()
        await Promise.all([page.waitForURL(/saved=1/), page.click('#consents button')])
        expect(await page.textContent('#saved')).toContain('saved')
        expect(await page.locator('input[data-channel="email"][data-topic="*"]').isChecked()).toBe(
          true,
        )
        const consents = await app.store.db.selectFrom('consents').selectAll().execute()
        expect(consents.filter((c) => c.granted === 1)).toMatchObject([
          { channel: 'email', topic: '*', source: 'preference_page' },
        ])

        // Download everything as JSON.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')])
        const exported = JSON.parse(await readFile(await download.path(), 'utf8'))
        expect(exported.customers[0].traits).toMatchObject({ name: 'Ana', city: 'Porto' })
        expect(exported.orders).toHaveLength(1)
        expect(exported.consents).toHaveLength(1)

        // Erase: the browser refuses without the confirmation box; with it, everything goes.
        await page.check('#erase input[name="confirm"]')
        await Promise.all([page.waitForLoadState('load'), page.click('#erase button')])
        await page.waitForSelector('#message')
        expect(await page.textContent('h1')).toBe('Your data is erased')
        expect(await app.store.db.selectFrom('customers').select('id').execute()).toEqual([])
        expect(await app.store.db.selectFrom('events').select('message_id').execute()).toEqual([])
        const again = await page.goto(url)
        expect(again?.status()).toBe(404)
      } finally {
        await context.close()
      }
    },
  )
})
