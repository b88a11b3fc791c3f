// npm run bench:dashboard -- [--json] [--customers 100000] [--database sqlite:PATH] [--requests 200]
//
// The dashboard on a large demo shop: the first paint of each page in headless Chromium (the
// browser's first-contentful-paint, and the time until the page's data is drawn), and p50/p95
// latency of the API calls behind each page over loopback HTTP. The demo shop is loaded through
// the real ingestion and scored; with --database pointing at a file that already holds customers
// the load is skipped, so a second run measures at once.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Page } from 'playwright-core'
import { buildApp } from '../src/api/app.js'
import { loadConfig } from '../src/config/config.js'
import { manualClock } from '../src/core/clock.js'
import { scoreCustomers } from '../src/differentiate/value/score-customers.js'
import { loadDemoShop } from '../src/identify/demo/load-demo-shop.js'
import { setConsent } from '../src/interact/consents.repository.js'
import { createApiKey } from '../src/store/api-keys.repository.js'
import { openMigratedStore } from '../src/store/open-migrated.js'
import { buildWebIfStale, launchChromium, WEB_ROOT } from '../test-support/dashboard-fixture.js'

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    customers: { type: 'string', default: '100000' },
    database: { type: 'string' },
    requests: { type: 'string', default: '200' },
  },
})
const CUSTOMERS = Number(args.customers)
const REQUESTS = Number(args.requests)
const TARGET_FIRST_PAINT_MS = 1000
const TARGET_API_P95_MS = 100
const NOW = Date.UTC(2026, 5, 1)

function log(message: string): void {
  if (!args.json) console.error(message)
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

const round = (x: number): number => Math.round(x * 10) / 10

const databaseUrl =
  args.database ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'idic-dash-')), 'bench.db')}`
const store = await openMigratedStore(databaseUrl)
const clock = manualClock(NOW)
const existing = await store.db
  .selectFrom('customers')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow()
if (existing.n === 0) {
  log(`loading the demo shop with ${CUSTOMERS} customers into ${databaseUrl} …`)
  const t0 = performance.now()
  await loadDemoShop(
    { store, clock },
    {
      customers: CUSTOMERS,
      seed: 7,
      onProgress: (done, total) => {
        if (done % 10_000 === 0) log(`  ${done}/${total}`)
      },
    },
  )
  log(`  loaded in ${round((performance.now() - t0) / 1000)} s; scoring …`)
  const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
  if (!scored.ok) throw new Error(`scoring failed: ${scored.error.message}`)
}
const counts = await store.db
  .selectFrom('customers')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirstOrThrow()
const top = await store.db
  .selectFrom('scores')
  .select('customer_id')
  .orderBy('actual_value', 'desc')
  .executeTakeFirstOrThrow()
const someone = await store.db
  .selectFrom('customers')
  .select(['id', 'email'])
  .where('email', 'is not', null)
  .orderBy('last_seen_at')
  .executeTakeFirstOrThrow()

await buildWebIfStale()
const app = await buildApp({ store, clock, config: loadConfig({}) }, { webRoot: WEB_ROOT })
const { key } = await createApiKey(store.db, { name: 'bench', role: 'admin' }, clock.now())
const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })

/** POSTs through the app in-process; throws with the body on anything but 2xx. */
async function post(url: string, payload?: object): Promise<Record<string, unknown>> {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload === undefined ? {} : { payload }),
  })
  if (response.statusCode >= 300)
    throw new Error(`${url} answered ${response.statusCode}: ${response.body}`)
  return response.json<Record<string, unknown>>()
}

// A segment and a small campaign on it (500 consenting members, sent), made once per database.
const SEGMENT_RULE = { orders: 'count', op: 'gte', value: 3 }
const storedSegment = await store.db
  .selectFrom('segments')
  .select('id')
  .where('name', '=', 'bench-repeat')
  .executeTakeFirst()
const segmentId =
  storedSegment?.id ??
  String((await post('/v1/segments', { name: 'bench-repeat', rule: SEGMENT_RULE }))['id'])
const storedCampaign = await store.db
  .selectFrom('campaigns')
  .select('id')
  .where('name', '=', 'bench-campaign')
  .executeTakeFirst()
let campaignId = storedCampaign?.id
if (campaignId === undefined) {
  log('creating a segment campaign (500 consenting members) …')
  const members = await store.db
    .selectFrom('segment_members')
    .select('customer_id')
    .where('segment_id', '=', segmentId)
    .orderBy('customer_id')
    .limit(500)
    .execute()
  for (const m of members) {
    await setConsent(
      store.db,
      m.customer_id,
      { channel: 'in_app', topic: 'news', granted: true, source: 'bench' },
      clock.now(),
    )
  }
  const template = await store.db
    .selectFrom('templates')
    .select('name')
    .where('name', '=', 'bench-thanks')
    .executeTakeFirst()
  if (template === undefined) {
    await post('/v1/templates', {
      name: 'bench-thanks',
      kind: 'message',
      subject: 'Thank you',
      html: '<p>Thank you {{ customer.firstName | default: "there" }}</p>',
    })
  }
  campaignId = String(
    (
      await post('/v1/campaigns', {
        name: 'bench-campaign',
        strategy: 'concentrated',
        channel: 'in_app',
        topic: 'news',
        templateName: 'bench-thanks',
        segmentId,
      })
    )['id'],
  )
  await post(`/v1/campaigns/${campaignId}/launch`)
  await post('/v1/campaigns/process', {})
}
// A customer manager with a portfolio (the most valuable customers), made once per database.
const storedManager = await store.db
  .selectFrom('managers')
  .select('id')
  .where('name', '=', 'bench-manager')
  .executeTakeFirst()
let managerId = storedManager?.id
if (managerId === undefined) {
  managerId = String((await post('/v1/managers', { name: 'bench-manager', capacity: 500 }))['id'])
  await post('/v1/managers/assign')
}
const manager = encodeURIComponent(managerId)
const seg = encodeURIComponent(segmentId)
const camp = encodeURIComponent(campaignId)

const customer = encodeURIComponent(top.customer_id)
const PAGES = [
  {
    name: 'overview',
    path: '/',
    ready: '.chart canvas',
    apis: ['/v1/me', '/v1/stats', '/v1/value/summary', '/v1/value/charts?bins=20'],
  },
  {
    name: 'customers',
    path: '/customers',
    ready: 'table.list tbody tr',
    apis: ['/v1/customers?limit=25'],
  },
  {
    name: 'customers-ranked',
    path: '/customers?sort=value&tier=mvc',
    ready: 'table.list tbody tr',
    apis: [
      '/v1/value/customers?by=value&tier=mvc&limit=25',
      '/v1/value/customers?by=p_alive&limit=25',
    ],
  },
  {
    name: 'customer-search',
    path: `/customers?query=${encodeURIComponent(someone.email ?? someone.id)}`,
    ready: 'table.list tbody tr',
    apis: [`/v1/customers?limit=25&query=${encodeURIComponent(someone.email ?? someone.id)}`],
  },
  {
    name: 'customer-360',
    path: `/customers/${customer}`,
    // The profile drawn; the recommendation list has its own API line below.
    ready: '#identities-title',
    apis: [
      `/v1/customers/${customer}?timeline=30`,
      `/v1/customers/${customer}/value`,
      `/v1/customers/${customer}/recommendations?list=for-you&n=8`,
      `/v1/customers/${customer}/tasks`,
    ],
  },
  {
    name: 'customers-manager',
    path: `/customers?sort=growth_potential&manager=${manager}`,
    ready: 'table.list tbody tr',
    apis: [
      `/v1/value/customers?by=growth_potential&manager=${manager}&limit=25`,
      '/v1/value/customers?by=share_of_wallet&limit=25',
      '/v1/managers',
    ],
  },
  {
    name: 'recommendations',
    path: '/recommendations',
    ready: '#evaluation-title',
    apis: ['/v1/recommendations/models', '/v1/recommendations/evaluations?limit=1'],
  },
  {
    name: 'customers-segment',
    path: `/customers?sort=value&segment=${seg}`,
    ready: 'table.list tbody tr',
    apis: [`/v1/value/customers?by=value&segment=${seg}&limit=25`, '/v1/segments'],
  },
  { name: 'segments', path: '/segments', ready: 'table.list tbody tr', apis: ['/v1/segments'] },
  {
    name: 'segment',
    path: `/segments/${seg}`,
    ready: 'ul.members li',
    apis: [`/v1/segments/${seg}`, `/v1/segments/${seg}/members?limit=20`],
  },
  {
    name: 'segment-preview',
    path: '/segments/new',
    ready: '#segment-rule',
    apis: [{ path: '/v1/segments/preview', body: { rule: SEGMENT_RULE, sampleSize: 10 } }],
  },
  {
    name: 'campaigns',
    path: '/campaigns',
    ready: 'table.list tbody tr',
    apis: ['/v1/campaigns?limit=200'],
  },
  {
    name: 'campaign-report',
    path: `/campaigns/${camp}`,
    ready: '.chart canvas',
    apis: [`/v1/campaigns/${camp}/report`],
  },
  {
    name: 'campaign-compare',
    path: `/campaigns/compare?ids=${camp}`,
    ready: '.chart canvas',
    apis: [`/v1/campaigns/compare?ids=${camp}`],
  },
] as const

/** Latency of one API call (a GET path, or a POST with its body): REQUESTS calls after 10 warm-up ones, at most 20 s of calls. */
async function timeApi(
  call: string | { readonly path: string; readonly body: object },
): Promise<{ p50: number; p95: number; max: number; requests: number }> {
  const path = typeof call === 'string' ? call : call.path
  const init: RequestInit =
    typeof call === 'string'
      ? { headers: { authorization: `Bearer ${key}` } }
      : {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(call.body),
        }
  const times: number[] = []
  const started = performance.now()
  for (let i = 0; i < REQUESTS + 10 && performance.now() - started < 20_000; i += 1) {
    const t0 = performance.now()
    const response = await fetch(baseUrl + path, init)
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`${path} answered ${response.status}`)
    if (i >= 10) times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return {
    p50: round(quantile(times, 0.5)),
    p95: round(quantile(times, 0.95)),
    max: round(times.at(-1) ?? 0),
    requests: times.length,
  }
}

const browser = await launchChromium()
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
await context.addInitScript(`sessionStorage.setItem('idic.secretKey', ${JSON.stringify(key)})`)
const page: Page = await context.newPage()
// One warm-up load, as a returning user has the bundle cached.
await page.goto(baseUrl + '/')
await page.locator('.chart canvas').first().waitFor()

const results = []
for (const p of PAGES) {
  const paints: number[] = []
  const ready: number[] = []
  for (let i = 0; i < 5; i += 1) {
    const t0 = Date.now()
    await page.goto(baseUrl + p.path)
    try {
      await page.locator(p.ready).first().waitFor({ timeout: 10_000 })
      ready.push(Date.now() - t0)
    } catch {
      ready.push(Number.POSITIVE_INFINITY)
    }
    const fcp = await page.evaluate<number>(
      `performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1`,
    )
    paints.push(fcp)
  }
  paints.sort((a, b) => a - b)
  ready.sort((a, b) => a - b)
  const apis = []
  for (const call of p.apis) {
    apis.push({
      path: typeof call === 'string' ? call : `POST ${call.path}`,
      ...(await timeApi(call)),
    })
  }
  const firstPaintMs = round(quantile(paints, 0.5))
  const dataDrawnMs = round(quantile(ready, 0.5))
  results.push({
    page: p.name,
    firstContentfulPaintMs: firstPaintMs,
    dataDrawnMs,
    apis,
    meetsTargets:
      dataDrawnMs < TARGET_FIRST_PAINT_MS && apis.every((a) => a.p95 < TARGET_API_P95_MS),
  })
  log(`${p.name}: first paint ${firstPaintMs} ms, data drawn ${dataDrawnMs} ms`)
}
await browser.close()
await app.close()
await store.close()

const report = {
  benchmark: 'dashboard',
  engine: 'sqlite',
  customers: counts.n,
  requestsPerApi: REQUESTS,
  targets: { firstPaintMs: TARGET_FIRST_PAINT_MS, apiP95Ms: TARGET_API_P95_MS },
  pages: results,
  allMeetTargets: results.every((r) => r.meetsTargets),
}
console.log(JSON.stringify(report, null, args.json ? 0 : 2))
