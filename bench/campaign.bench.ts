// npm run bench:campaign -- [--json] [--customers 100000] [--seed 1] [--repeats 3] [--batch 500]
//   [--max-sends N] [--cache-dir DIR]
//
// Personalized one-to-one messages rendered AND queued per second, beside the raw liquidjs render
// rate of the same template over the same contexts, in the same run.
//
// The demo shop (src/identify/demo, through the real ingestion) with N customers is built once,
// scored, given an item-kNN recommender, three offers, the message template and every customer's
// consent to in-app news, and cached as a SQLite file keyed by N and seed (generating 100,000
// customers takes a long while; later runs reuse the file). Each repeat works on a fresh copy.
//
// Measured path ("personalized"): a one-to-one campaign launched (not timed: launch is reported on
// its own), then runCampaignWorker until the queue is empty (timed): claim jobs from the durable
// queue, read the assignments, choose each batch's next-best offers (Thompson sampling), build the
// batch's template contexts (profile, value figures, recommendation lists from the live model,
// signed links), render subject, HTML (outputs escaped) and text (generated from the HTML: the
// template has no text part), call interact's sendMessages once per batch (consent, frequency cap,
// message and delivery records, in-app channel, contact log), record presentations, and record
// each assignment's outcome and acknowledge the jobs in one transaction.
// Raw ("liquidjs"): `new Liquid()`, the same subject and HTML sources parsed once, renderSync over
// the same customers' contexts (built beforehand, not timed). It does less than the pipeline's
// render: no output escaping and no text part; it is kept as the plain liquidjs rate.
// CPU figures (`*CpuMs`, `ratioByCpuMedian`) divide by this process's CPU time instead of wall
// time: on a machine shared with other jobs they move less than the wall-clock figures.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Liquid } from 'liquidjs'
import { manualClock, systemClock, type Clock } from '../src/core/clock.js'
import { scoreCustomers } from '../src/differentiate/value/score-customers.js'
import { loadDemoShop } from '../src/identify/demo/load-demo-shop.js'
import { createInAppChannel } from '../src/interact/channels/in-app-channel.js'
import { DEFAULT_CONTACT_POLICY } from '../src/interact/contact-pressure.js'
import type { InteractDeps } from '../src/interact/interact-deps.js'
import { createMessageLinks } from '../src/interact/message-links.js'
import { buildCampaignDeps } from '../src/customize/campaigns/campaign-services.js'
import { runCampaignWorker } from '../src/customize/campaigns/campaign-worker.js'
import { createCampaign, launchCampaign } from '../src/customize/campaigns/launch-campaign.js'
import { createOffer } from '../src/customize/offers/offer-service.js'
import { trainAndStoreRecommender } from '../src/customize/recommend/recommendation-service.js'
import { withLiveRecommendations } from '../src/customize/templates/recommendation-source.js'
import { buildTemplateContexts } from '../src/customize/templates/template-context.js'
import { saveTemplate } from '../src/customize/templates/template-service.js'
import type { TemplateSettings } from '../src/customize/templates/template-settings.js'
import { listStoredTemplates } from '../src/customize/templates/templates.repository.js'
import { compileMessageTemplate } from '../src/customize/templates/render-message.js'
import { createTemplateSet } from '../src/customize/templates/liquid-engine.js'
import { openMigratedStore } from '../src/store/open-migrated.js'
import { grantInAppNewsToAll } from '../test-support/in-app-consents.js'

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    customers: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '1' },
    'max-sends': { type: 'string' },
    'cache-dir': { type: 'string' },
  },
})
const CUSTOMERS = Number(args.customers)
const SEED = Number(args.seed)
const REPEATS = Number(args.repeats)
const BATCH = Number(args.batch)
const CONCURRENCY = Number(args.concurrency)
const MAX_SENDS = args['max-sends'] === undefined ? undefined : Number(args['max-sends'])
for (const [name, v] of [
  ['customers', CUSTOMERS],
  ['seed', SEED],
  ['repeats', REPEATS],
  ['batch', BATCH],
  ['concurrency', CONCURRENCY],
] as const) {
  if (!Number.isInteger(v) || v < (name === 'seed' ? 0 : 1)) {
    throw new Error(`--${name} must be a positive integer, got ${String(v)}`)
  }
}
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`)
}
const SETTINGS: TemplateSettings = {
  shopName: 'Demo shop',
  shopUrl: 'https://shop.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}
const SECRET = 'bench-secret-bench-secret-bench-secret'
const DEMO_NOW = Date.UTC(2026, 5, 1)
const TEMPLATE = {
  name: 'one-to-one-picks',
  kind: 'message' as const,
  subject: '{{ customer.firstName | default: "Hello" }}, picked for you',
  html: [
    '<p>Hi {{ customer.firstName | default: "there" }},</p>',
    '{% if value.scored %}<p>As one of our {{ value.tierName }} customers, these are for you.</p>{% endif %}',
    '<ul>{% for item in recommendations.forYou limit: 4 %}<li><a href="{{ item.url }}">{{ item.name }}</a> {{ item.price }} ({{ item.reason }})</li>{% endfor %}</ul>',
    '{% if offer %}<p>Just for you: {{ offer.name }}{% if offer.discountPercent %}, {{ offer.discountPercent }}% off{% endif %}</p>{% endif %}',
    '<p><a href="{{ links.unsubscribe }}">Unsubscribe</a> · <a href="{{ links.preferences }}">Preferences</a></p>',
  ].join('\n'),
  text: null,
  layout: null,
  channel: 'in_app' as const,
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Builds (or reuses) the cached demo database for N customers and this seed. */
async function cachedShop(): Promise<{ path: string; built: boolean; buildMs: number }> {
  const dir = args['cache-dir'] ?? join(tmpdir(), 'idic-bench-campaign')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `demo-${CUSTOMERS}-seed${SEED}.db`)
  if (existsSync(path)) return { path, built: false, buildMs: 0 }
  const partial = `${path}.partial`
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true })
  const started = performance.now()
  const store = await openMigratedStore(`sqlite:${partial}`)
  const clock = manualClock(DEMO_NOW)
  log(`building the demo shop: ${CUSTOMERS} customers, seed ${SEED} (cached as ${path}) …`)
  let shown = 0
  await loadDemoShop(
    { store, clock },
    {
      customers: CUSTOMERS,
      seed: SEED,
      onProgress: (done, total) => {
        if (done - shown >= total / 20) {
          shown = done
          log(`  ${done}/${total} people`)
        }
      },
    },
  )
  log('scoring …')
  const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
  if (!scored.ok) throw new Error(`scoring failed: ${JSON.stringify(scored.error)}`)
  log('training item-kNN …')
  await trainAndStoreRecommender({ db: store.db, clock }, { kind: 'item-knn' })
  await grantInAppNewsToAll(store.db, clock.now(), 'bench')
  const saved = await saveTemplate({ db: store.db, clock, settings: SETTINGS }, TEMPLATE)
  if (!saved.ok) throw new Error(`template: ${JSON.stringify(saved.error)}`)
  const products = await store.db
    .selectFrom('products')
    .select('id')
    .orderBy('id')
    .limit(3)
    .execute()
  for (const offer of [
    { name: 'Ten percent off', kind: 'discount', discountPercent: 10, margin: 6, cost: 0.2 },
    { name: 'Brewing guide', kind: 'content', margin: 1, cost: 0.05 },
    { name: 'Featured pick', kind: 'product', productIds: [products[0]!.id], margin: 4, cost: 0.1 },
  ]) {
    const created = await createOffer(store.db, offer, clock.now())
    if (!created.ok) throw new Error(`offer: ${JSON.stringify(created.error)}`)
  }
  store.sqlite?.pragma('wal_checkpoint(TRUNCATE)')
  await store.close()
  renameSync(partial, path)
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true })
  return { path, built: true, buildMs: Math.round(performance.now() - started) }
}

interface RepeatResult {
  readonly customers: number
  readonly treated: number
  readonly launchMs: number
  readonly sent: number
  readonly workerMs: number
  readonly personalizedPerSecond: number
  readonly rawRenders: number
  readonly rawMs: number
  readonly rawPerSecond: number
  readonly ratio: number
  /** CPU time of this process while the worker ran, and while the raw renders ran. */
  readonly workerCpuMs: number
  readonly rawCpuMs: number
  /** The ratio over CPU time instead of wall time. */
  readonly ratioByCpu: number
  /** Where the worker's time went (ms): queue, offers, contexts + render, sendMessage, records. */
  readonly workerTimings: Readonly<Record<string, number>>
}

async function repeat(cache: string, index: number): Promise<RepeatResult> {
  const work = join(tmpdir(), `idic-bench-campaign-work-${process.pid}-${index}.db`)
  copyFileSync(cache, work)
  const store = await openMigratedStore(`sqlite:${work}`)
  try {
    // Real time: the worker's rounds, leases and the reports use it; the shop is from the past.
    const clock: Clock = systemClock
    const links = createMessageLinks('http://idic.test', SECRET, clock)
    const interact: InteractDeps = {
      db: store.db,
      clock,
      channels: { in_app: createInAppChannel(clock) },
      links,
      policy: DEFAULT_CONTACT_POLICY,
    }
    const deps = buildCampaignDeps(store, interact, SETTINGS)
    const created = await createCampaign(
      deps,
      {
        name: `bench ${index}`,
        strategy: 'one-to-one',
        channel: 'in_app',
        topic: 'news',
        templateName: TEMPLATE.name,
        seed: `bench-${SEED}`,
      },
      clock.now(),
    )
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const t0 = performance.now()
    const launched = await launchCampaign(deps, created.value.id, clock.now())
    if (!launched.ok) throw new Error(JSON.stringify(launched.error))
    const launchMs = performance.now() - t0
    const t1 = performance.now()
    const cpu1 = process.cpuUsage()
    const report = await runCampaignWorker(deps, {
      workerId: 'bench',
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      ...(MAX_SENDS === undefined ? {} : { maxJobs: MAX_SENDS }),
    })
    const workerMs = performance.now() - t1
    const workerCpuMs = cpuMsSince(cpu1)
    if (report.failed > 0 || report.sent === 0) {
      throw new Error(`worker report: ${JSON.stringify(report)}`)
    }

    // The raw rate: the same sources, the same customers' contexts (offers chosen again).
    const treated = (
      await store.db
        .selectFrom('campaign_assignments')
        .select('customer_id')
        .where('campaign_id', '=', created.value.id)
        .where('send_status', '=', 'sent')
        .orderBy('customer_id')
        .execute()
    ).map((r) => r.customer_id)
    const stored = await listStoredTemplates(store.db)
    const template = stored.find((t) => t.name === TEMPLATE.name)!
    const compiled = compileMessageTemplate(createTemplateSet(stored, SETTINGS), template)
    if (!compiled.ok) throw new Error('template does not compile')
    const contextDeps = withLiveRecommendations({ db: store.db, clock, settings: SETTINGS, links })
    const liquid = new Liquid()
    const subject = liquid.parse(TEMPLATE.subject)
    const html = liquid.parse(TEMPLATE.html)
    let rawMs = 0
    let rawCpuMs = 0
    let rawRenders = 0
    let bytes = 0
    for (let start = 0; start < treated.length; start += 2000) {
      const ids = treated.slice(start, start + 2000)
      const offers = await deps.offers.chooseBatch(ids, created.value, clock.now())
      const { contexts } = await buildTemplateContexts(contextDeps, ids, {
        campaign: { id: created.value.id, name: created.value.name },
        channel: 'in_app',
        topic: 'news',
        needs: compiled.value.needs,
        offerFor: (id) => offers.get(id) ?? null,
      })
      const list = [...contexts.values()]
      const r0 = performance.now()
      const c0 = process.cpuUsage()
      for (const context of list) {
        const s = liquid.renderSync(subject, context) as string
        const h = liquid.renderSync(html, context) as string
        bytes += s.length + h.length
      }
      rawMs += performance.now() - r0
      rawCpuMs += cpuMsSince(c0)
      rawRenders += list.length
    }
    if (bytes === 0) throw new Error('raw renders produced nothing')
    const personalizedPerSecond = report.sent / (workerMs / 1000)
    const rawPerSecond = rawRenders / (rawMs / 1000)
    return {
      customers: launched.value.eligible,
      treated: launched.value.treatment,
      launchMs: Math.round(launchMs),
      sent: report.sent,
      workerMs: Math.round(workerMs),
      personalizedPerSecond: Math.round(personalizedPerSecond),
      rawRenders,
      rawMs: Math.round(rawMs),
      rawPerSecond: Math.round(rawPerSecond),
      ratio: personalizedPerSecond / rawPerSecond,
      workerCpuMs: Math.round(workerCpuMs),
      rawCpuMs: Math.round(rawCpuMs),
      ratioByCpu: report.sent / workerCpuMs / (rawRenders / rawCpuMs),
      workerTimings: Object.fromEntries(
        Object.entries(report.timings).map(([k, v]) => [k, Math.round(v)]),
      ),
    }
  } finally {
    await store.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${work}${suffix}`, { force: true })
  }
}

const cache = await cachedShop()
const runs: RepeatResult[] = []
for (let i = 0; i < REPEATS; i++) {
  const r = await repeat(cache.path, i)
  log(
    `repeat ${i + 1}/${REPEATS}: ${r.sent} sent in ${r.workerMs} ms (${r.personalizedPerSecond}/s), raw liquidjs ${r.rawPerSecond}/s, ratio ${r.ratio.toFixed(3)}; launch ${r.launchMs} ms`,
  )
  runs.push(r)
}
const result = {
  benchmark: 'campaign',
  engine: 'sqlite',
  customers: CUSTOMERS,
  seed: SEED,
  repeats: REPEATS,
  batch: BATCH,
  concurrency: CONCURRENCY,
  database: cache.path,
  databaseBuiltMs: cache.built ? cache.buildMs : null,
  measuredPath:
    'one-to-one campaign worker: claim jobs (durable queue), assignments, next-best offers (Thompson), batch template contexts (profile, value, recommendation lists, links), render subject+HTML (escaped)+text (from the HTML), interact sendMessages per batch (consent, caps, message+delivery, in-app channel, contact log), presentations, outcomes + acks',
  rawPath:
    'liquidjs new Liquid(), subject and HTML parsed once, renderSync per context (no escaping, no text part)',
  personalizedPerSecondMedian: median(runs.map((r) => r.personalizedPerSecond)),
  rawRenderPerSecondMedian: median(runs.map((r) => r.rawPerSecond)),
  ratioMedian: median(runs.map((r) => r.ratio)),
  ratioByCpuMedian: median(runs.map((r) => r.ratioByCpu)),
  target: 0.5,
  launchMsMedian: median(runs.map((r) => r.launchMs)),
  runs,
}
if (args.json) {
  console.log(JSON.stringify(result, null, 2))
} else {
  console.log(
    `${result.personalizedPerSecondMedian} personalized messages/s (rendered and queued) vs ${result.rawRenderPerSecondMedian} raw liquidjs renders/s: ratio ${result.ratioMedian.toFixed(3)} (target ≥ 0.5), median of ${REPEATS}`,
  )
}
