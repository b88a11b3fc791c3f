import { evaluateShopAndStore } from '../customize/recommend/evaluations.repository.js'
import { existsSync, mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { closeTestStore, openTestStore } from '../../test-support/test-store.js'
import {
  buildWebIfStale,
  CHROMIUM,
  launchChromium,
  openDashboard,
  type DashboardFixture,
} from '../../test-support/dashboard-fixture.js'
import type { Store } from '../store/engine.js'
import { ingestEvents } from '../identify/ingest-events.js'
import { setConsent } from '../interact/consents.repository.js'

const SHOTS = 'artifacts/screenshots'
const HAS_CHROMIUM = existsSync(CHROMIUM)
if (!HAS_CHROMIUM) {
  process.stderr.write(
    `dashboard browser tests skipped: ${CHROMIUM} is absent (apt-get install chromium)\n`,
  )
}

/** Fails the test on any console error or uncaught page error. */
function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  return problems
}

/** For each chart canvas, whether it has a non-transparent pixel (run in the page; no DOM types here). */
const CANVASES_DRAWN = `[...document.querySelectorAll('.chart canvas')].map((canvas) => {
  const ctx = canvas.getContext('2d')
  if (ctx === null || canvas.width === 0) return false
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true
  return false
})`
/** Overview: CLV, value and P(alive) charts, the tier pyramid and the value quantiles. */
const OVERVIEW_CHARTS = `document.querySelectorAll('.chart canvas').length >= 5`

async function canvasesDrawn(page: Page): Promise<boolean[]> {
  return page.evaluate<boolean[]>(CANVASES_DRAWN)
}

describe.skipIf(!HAS_CHROMIUM)('dashboard in headless Chromium [sqlite]', () => {
  let store: Store
  let fixture: DashboardFixture
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    await buildWebIfStale()
    store = await openTestStore('sqlite')
    fixture = await openDashboard(store, { customers: 150 })
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser.close()
    await fixture.app.close()
    await closeTestStore(store)
  })

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(fixture.baseUrl)
    await page.getByLabel('Secret key').fill(key)
    await page.keyboard.press('Enter')
  }

  it('signs in, draws the overview, finds a customer, opens the 360 page and skips a recommendation', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)

    await signIn(page, fixture.adminKey)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByText('Tier pyramid').waitFor()
    await page.waitForFunction(OVERVIEW_CHARTS)
    expect(await canvasesDrawn(page)).toEqual([true, true, true, true, true])
    await page.getByText('Active share').waitFor()
    await page.screenshot({ path: `${SHOTS}/overview.png`, fullPage: true })

    // Search by an identity the demo shop gave out, with the keyboard only.
    const customer = await store.db
      .selectFrom('customers')
      .innerJoin('scores', 'scores.customer_id', 'customers.id')
      .select(['customers.id', 'customers.email'])
      .where('customers.email', 'is not', null)
      .orderBy('scores.actual_value', 'desc')
      .executeTakeFirstOrThrow()
    await page.getByRole('link', { name: 'Customers' }).click()
    await page.getByRole('heading', { name: 'Customers' }).waitFor()
    await page.locator('table.list tbody tr').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/customers.png`, fullPage: true })

    // Ranked by value within the most valuable tier, from the server's ranked list.
    await page.getByLabel('Sort by').selectOption('value')
    await page.waitForURL(/sort=value/)
    await page.getByLabel('Tier').selectOption('mvc')
    await page.waitForURL(/tier=mvc/)
    await page.locator('table.list tbody tr').first().waitFor()
    const tiers = await page.locator('table.list tbody .tier').allInnerTexts()
    expect(new Set(tiers)).toEqual(new Set(['Most valuable']))
    await page.screenshot({ path: `${SHOTS}/customers-ranked.png`, fullPage: true })
    await page.getByLabel('Sort by').selectOption('recent')
    await page.waitForURL((url) => !url.search.includes('sort='))
    await page.getByLabel(/Search by id/).fill(customer.email!)
    await page.keyboard.press('Enter')
    await page.waitForURL(/query=/)
    const rows = page.locator('table.list tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    await rows.first().getByRole('link').click()

    await page.waitForURL(`**/customers/${customer.id}`)
    await page.getByRole('heading', { name: 'Identities' }).waitFor()
    await page.locator('.tier').waitFor()
    await page.locator('.recs li').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/customer-360.png`, fullPage: true })

    const before = await page
      .locator('.recs li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-product')))
    const skipped = before[0]!
    await page.getByRole('button', { name: `skip ${skipped}` }).click()
    // The list reloads (its loading state replaces it) and comes back without the skipped item.
    const listed = (): Promise<(string | null)[]> =>
      page
        .locator('.recs li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-product')))
    await expect
      .poll(async () => {
        const now = await listed()
        return now.length === before.length && !now.includes(skipped)
      })
      .toBe(true)
    const after = await listed()
    expect(after).not.toContain(skipped)
    expect(after.length).toBe(before.length)
    await page.screenshot({ path: `${SHOTS}/customer-360-after-skip.png`, fullPage: true })

    // The shop's own evaluation table, as `idic evaluate --shop` keeps it.
    const evaluation = await evaluateShopAndStore(
      { db: store.db, clock: fixture.clock },
      { models: ['popularity', 'item-knn'] },
    )
    await page.getByRole('link', { name: 'Recommendations', exact: true }).click()
    await page.getByRole('heading', { name: 'Recommendations', exact: true }).waitFor()
    await page
      .getByText(/No trained model yet|live/)
      .first()
      .waitFor()
    const table = page.locator('table.evaluation')
    await table.getByRole('rowheader', { name: 'item-knn' }).waitFor()
    await table.getByRole('rowheader', { name: 'popularity' }).waitFor()
    const ndcg = evaluation.report.models['item-knn']?.['ndcg@10']
    expect(ndcg).toBeDefined()
    await table.getByText(ndcg!.toFixed(4)).first().waitFor()
    await page.screenshot({ path: `${SHOTS}/recommendations.png`, fullPage: true })
    await page.goBack()

    // A deep link survives a reload (the server answers index.html) and the session is kept.
    await page.reload()
    await page.getByRole('heading', { name: 'Identities' }).waitFor()

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Secret key').waitFor()
    expect(problems).toEqual([])
    await context.close()
  })

  it('is readable on a phone', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, fixture.analystKey)
    await page
      .getByText('Tier pyramid')
      .waitFor({ timeout: 5000 })
      .catch((e: unknown) => {
        throw new Error(`${String(e)}\n${problems.join('\n')}`)
      })
    await page.waitForFunction(OVERVIEW_CHARTS)
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    )
    await page.screenshot({ path: `${SHOTS}/overview-phone.png`, fullPage: true })
    expect(overflow).toBeLessThanOrEqual(0)
    expect(problems).toEqual([])
    await context.close()
  })

  it('refuses a wrong key, saying why', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'sk_not_a_key')
    await page.getByRole('alert').filter({ hasText: 'Unknown or revoked API key' }).waitFor()
    await page.screenshot({ path: `${SHOTS}/sign-in-refused.png` })
    await context.close()
  })

  it('shows a manager their portfolio, closes a task on a 360 page, and refuses a customer outside it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, fixture.managerKey)
    await page
      .getByRole('heading', { name: 'My portfolio' })
      .waitFor({ timeout: 10_000 })
      .catch(async (e: unknown) => {
        await page.screenshot({ path: `${SHOTS}/portfolio-failed.png` })
        throw new Error(`${String(e)}\n${problems.join('\n')}`)
      })
    const mine = await store.db
      .selectFrom('customers')
      .select('id')
      .where('manager_id', '=', fixture.managerId)
      .execute()
    expect(mine.length).toBeGreaterThan(0)
    await expect.poll(() => page.locator('table.list tbody tr').count()).toBe(mine.length)
    await page.screenshot({ path: `${SHOTS}/portfolio.png`, fullPage: true })

    // A task on every customer of the portfolio; the 360 page names the manager and lets them
    // close it.
    const now = fixture.clock.now()
    await store.db
      .insertInto('tasks')
      .values(
        mine.map((c) => ({
          id: `task_e2e_${c.id}`,
          customer_id: c.id,
          manager_id: fixture.managerId,
          rule: 'unanswered_question',
          status: 'open',
          reason: 'Asked about delivery times two days ago',
          dedupe_key: 'e2e',
          due_at: now + 86_400_000,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute()
    const first = page.locator('table.list tbody tr a').first()
    const firstId = decodeURIComponent((await first.getAttribute('href')) ?? '').replace(
      '/customers/',
      '',
    )
    await first.click()
    await page.getByRole('heading', { name: 'Identities' }).waitFor()
    await page.getByRole('heading', { name: 'Conversation' }).waitFor()
    const care = page.locator('section[aria-labelledby="care-title"]')
    await care.getByText('Managed by').waitFor()
    await care.getByText('Asked about delivery times').waitFor()
    await page.screenshot({ path: `${SHOTS}/customer-360-manager.png`, fullPage: true })
    await care.getByRole('button', { name: 'Done' }).click()
    await care.getByText('done ·').waitFor()
    const settled = await store.db
      .selectFrom('tasks')
      .select('status')
      .where('id', '=', `task_e2e_${firstId}`)
      .executeTakeFirstOrThrow()
    expect(settled.status).toBe('done')

    const outsider = await store.db
      .selectFrom('customers')
      .select('id')
      .where('manager_id', 'is', null)
      .executeTakeFirstOrThrow()
    await page.goto(`${fixture.baseUrl}/customers/${outsider.id}`)
    await page.getByRole('alert').filter({ hasText: 'not in your portfolio' }).waitFor()
    await page.screenshot({ path: `${SHOTS}/customer-360-refused.png` })
    // The refusal is the API's 403, which the browser logs as a failed resource; nothing else.
    expect(problems.filter((p) => !p.includes('403'))).toEqual([])
    await context.close()
  })

  it('creates a segment in the browser, filters customers by it, and draws campaign reports', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, fixture.adminKey)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()

    await page.getByRole('link', { name: 'Segments' }).click()
    await page.getByRole('heading', { name: 'Segments' }).waitFor()
    await page.getByText('No segment yet').waitFor()
    await page.getByRole('link', { name: 'New segment' }).click()
    await page.getByRole('heading', { name: 'New segment' }).waitFor()
    await page.getByLabel('Name').fill('Repeat buyers')
    // A rule the API refuses: its problem comes back with its path.
    await page
      .getByLabel('Rule (JSON)')
      .fill('{"all":[{"orders":"count","op":"gte","value":"two"}]}')
    await page.getByRole('button', { name: 'Preview' }).click()
    await page.locator('ul.problems li').filter({ hasText: 'all[0].value' }).waitFor()
    await page.screenshot({ path: `${SHOTS}/segment-rule-error.png`, fullPage: true })

    const rule = { orders: 'count', op: 'gte', value: 2 }
    const expected = await store.db
      .selectFrom('orders')
      .select('customer_id')
      .groupBy('customer_id')
      .having((eb) => eb.fn.countAll(), '>=', 2)
      .execute()
    expect(expected.length).toBeGreaterThan(3)
    await page.getByLabel('Rule (JSON)').fill(JSON.stringify(rule))
    await page.getByRole('button', { name: 'Preview' }).click()
    const count = page.locator('.preview .figure dd').first()
    await count.waitFor()
    expect(Number((await count.innerText()).replace(/\D/g, ''))).toBe(expected.length)
    expect(await page.locator('.preview ul.members li').count()).toBe(Math.min(10, expected.length))
    await page.screenshot({ path: `${SHOTS}/segment-preview.png`, fullPage: true })
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: 'Repeat buyers' }).waitFor()
    await page.getByText('orders count ≥ 2').waitFor()
    await page.locator('ul.members li').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/segment.png`, fullPage: true })
    const segment = await store.db
      .selectFrom('segments')
      .select(['id', 'member_count'])
      .where('name', '=', 'Repeat buyers')
      .executeTakeFirstOrThrow()
    expect(segment.member_count).toBe(expected.length)
    await page.getByRole('button', { name: 'Refresh now' }).click()
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Refreshed' }).innerText())
      .toMatch(/0\s+joined,\s+0\s+left/)

    // Customers ranked by value within the segment, through the segment filter.
    await page.getByRole('link', { name: /All members ranked by value/ }).click()
    await page.waitForURL(/segment=/)
    await page.locator('table.list tbody tr').first().waitFor()
    const scoredMembers = await store.db
      .selectFrom('segment_members')
      .innerJoin('scores', 'scores.customer_id', 'segment_members.customer_id')
      .select('segment_members.customer_id')
      .where('segment_members.segment_id', '=', segment.id)
      .where('scores.actual_value', 'is not', null)
      .execute()
    await expect
      .poll(() => page.locator('table.list tbody tr').count())
      .toBe(Math.min(25, scoredMembers.length))
    const members = new Set(scoredMembers.map((m) => m.customer_id))
    const hrefs = await page
      .locator('table.list tbody tr a')
      .evaluateAll((as) =>
        as.map((a) => decodeURIComponent(a.getAttribute('href') ?? '').replace('/customers/', '')),
      )
    expect(hrefs.every((id) => members.has(id))).toBe(true)
    await page.screenshot({ path: `${SHOTS}/customers-segment.png`, fullPage: true })

    // A manager's portfolio ranked by growth potential, through the manager filter.
    await page.getByLabel('Segment').selectOption('')
    await page.getByLabel('Manager').selectOption(fixture.managerId)
    await page.waitForURL(/manager=/)
    await page.getByLabel('Sort by').selectOption('growth_potential')
    await page.waitForURL(/sort=growth_potential/)
    const portfolio = await store.db
      .selectFrom('customers')
      .innerJoin('scores', 'scores.customer_id', 'customers.id')
      .select(['customers.id', 'scores.growth_potential'])
      .where('customers.manager_id', '=', fixture.managerId)
      .where('scores.growth_potential', 'is not', null)
      .orderBy('scores.growth_potential', 'desc')
      .orderBy('customers.id', 'desc')
      .limit(25)
      .execute()
    expect(portfolio.length).toBeGreaterThan(0)
    await expect
      .poll(() =>
        page
          .locator('table.list tbody tr a')
          .evaluateAll((as) =>
            as.map((a) =>
              decodeURIComponent(a.getAttribute('href') ?? '').replace('/customers/', ''),
            ),
          ),
      )
      .toEqual(portfolio.map((c) => c.id))
    await page.screenshot({ path: `${SHOTS}/customers-manager.png`, fullPage: true })
    const auth = { authorization: `Bearer ${fixture.adminKey}` }
    const unknown = await fixture.app.inject({
      method: 'GET',
      url: '/v1/value/customers?segment=no-such-segment',
      headers: auth,
    })
    expect(unknown.statusCode).toBe(404)

    // Two small campaigns through the API: consent, a template, create, launch, send.
    const now = fixture.clock.now()
    for (const id of members) {
      await setConsent(
        store.db,
        id,
        { channel: 'in_app', topic: 'news', granted: true, source: 'e2e' },
        now,
      )
    }
    const call = async (url: string, payload?: object): Promise<Record<string, unknown>> => {
      const response = await fixture.app.inject({
        method: 'POST',
        url,
        headers: auth,
        ...(payload === undefined ? {} : { payload }),
      })
      expect(response.statusCode, response.body).toBeLessThan(300)
      return response.json<Record<string, unknown>>()
    }
    await call('/v1/templates', {
      name: 'thanks',
      kind: 'message',
      subject: 'Thank you',
      html: '<p>Thank you {{ customer.firstName | default: "there" }}</p>',
    })
    const ids: string[] = []
    for (const [name, strategy] of [
      ['Repeat thanks', 'concentrated'],
      ['Everyone thanks', 'mass'],
    ] as const) {
      const created = await call('/v1/campaigns', {
        name,
        strategy,
        channel: 'in_app',
        topic: 'news',
        templateName: 'thanks',
        holdoutShare: 0.3,
        ...(strategy === 'concentrated' ? { segmentId: 'Repeat buyers' } : {}),
      })
      ids.push(String(created['id']))
      await call(`/v1/campaigns/${String(created['id'])}/launch`)
    }
    const processed = await call('/v1/campaigns/process', {})
    expect(processed['sent']).toBeGreaterThan(0)
    // Orders after the send from some treated and some held customers.
    const assigned = await store.db
      .selectFrom('campaign_assignments')
      .innerJoin('identities', 'identities.customer_id', 'campaign_assignments.customer_id')
      .select(['campaign_assignments.grp', 'identities.value'])
      .where('campaign_assignments.campaign_id', '=', ids[0]!)
      .where('identities.kind', '=', 'user_id')
      .execute()
    const buyers = [
      ...assigned.filter((a) => a.grp === 'treatment').slice(0, 3),
      ...assigned.filter((a) => a.grp === 'holdout').slice(0, 1),
    ]
    expect(buyers.length).toBeGreaterThan(1)
    fixture.clock.advance(3 * 86_400_000)
    await ingestEvents(
      { store, clock: fixture.clock },
      buyers.map((b, i) => ({
        type: 'track',
        userId: b.value,
        event: 'Order Completed',
        messageId: `e2e-after-${i}`,
        timestamp: new Date(now + 86_400_000).toISOString(),
        properties: { order_id: `e2e-after-${i}`, total: 40 + 10 * i, currency: 'EUR' },
      })),
    )

    await page.getByRole('link', { name: 'Campaigns' }).click()
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor()
    await expect.poll(() => page.locator('table.list tbody tr').count()).toBe(2)
    await page.screenshot({ path: `${SHOTS}/campaigns.png`, fullPage: true })
    await page.getByRole('link', { name: 'Repeat thanks' }).click()
    await page.getByRole('heading', { name: 'Repeat thanks' }).waitFor()
    await page.waitForFunction(`document.querySelectorAll('.chart canvas').length >= 4`)
    expect(await canvasesDrawn(page)).toEqual([true, true, true, true])
    await page.getByText('Uplift, revenue per customer').waitFor()
    await page.screenshot({ path: `${SHOTS}/campaign-report.png`, fullPage: true })

    await page.goBack()
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor()
    await page.getByLabel('compare Repeat thanks').check()
    await page.getByLabel('compare Everyone thanks').check()
    await page.getByRole('button', { name: /Compare 2 campaigns/ }).click()
    await page.getByRole('heading', { name: 'Which strategy wins' }).waitFor()
    await page.waitForFunction(`document.querySelectorAll('.chart canvas').length >= 1`)
    expect(await canvasesDrawn(page)).toEqual([true])
    await page.getByText(/wins with|No winner yet/).waitFor()
    expect(await page.locator('table.list tbody tr').count()).toBe(2)
    await page.screenshot({ path: `${SHOTS}/campaigns-compare.png`, fullPage: true })

    // The report is readable on a phone too.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${fixture.baseUrl}/campaigns/${ids[0]!}`)
    await page.waitForFunction(`document.querySelectorAll('.chart canvas').length >= 4`)
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    )
    await page.screenshot({ path: `${SHOTS}/campaign-report-phone.png`, fullPage: true })
    expect(overflow).toBeLessThanOrEqual(0)
    await page.goto(`${fixture.baseUrl}/segments`)
    await page.locator('table.list tbody tr').first().waitFor()
    await page.screenshot({ path: `${SHOTS}/segments-phone.png`, fullPage: true })
    // The refused rule's preview is a 400 the browser logs as a failed resource; nothing else.
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ])
    await context.close()
  })

  it('keeps the API answering JSON 404s and serves index.html for page paths', async () => {
    const api = await fixture.app.inject({ method: 'GET', url: '/v1/nope' })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ error: { code: 'route_not_found' } })
    const unknown = await fixture.app.inject({
      method: 'GET',
      url: '/v2/everything',
      headers: { accept: 'text/html' },
    })
    expect(unknown.statusCode).toBe(404)
    const page = await fixture.app.inject({
      method: 'GET',
      url: '/customers/someone',
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toContain('text/html')
    const health = await fixture.app.inject({ method: 'GET', url: '/health' })
    expect(health.json()).toMatchObject({ status: 'ok' })
  })
})
