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

    await page.getByRole('link', { name: 'Recommendations', exact: true }).click()
    await page.getByRole('heading', { name: 'Recommendations' }).waitFor()
    await page
      .getByText(/No trained model yet|live/)
      .first()
      .waitFor()
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

  it('shows a manager their portfolio and refuses a customer outside it', async () => {
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

    await page.locator('table.list tbody tr a').first().click()
    await page.getByRole('heading', { name: 'Identities' }).waitFor()
    await page.getByRole('heading', { name: 'Conversation' }).waitFor()
    await page.screenshot({ path: `${SHOTS}/customer-360-manager.png`, fullPage: true })

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
