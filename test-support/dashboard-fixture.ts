import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import type { Browser, LaunchOptions } from 'playwright-core'
import { buildApp } from '../src/api/app.js'
import type { ZodApp } from '../src/api/app-deps.js'
import { loadConfig } from '../src/config/config.js'
import { manualClock, type ManualClock } from '../src/core/clock.js'
import { scoreCustomers } from '../src/differentiate/value/score-customers.js'
import { loadDemoShop, type DemoReport } from '../src/identify/demo/load-demo-shop.js'
import { createApiKey } from '../src/store/api-keys.repository.js'
import type { Store } from '../src/store/engine.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const WEB_ROOT = join(ROOT, 'dist/web')
export const CHROMIUM = '/usr/bin/chromium'

/** Debian's Chromium, headless, with nothing that reaches the network on its own. */
export const CHROMIUM_LAUNCH: LaunchOptions = {
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
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Builds the dashboard when dist/web is missing or older than its sources (about a second). */
export async function buildWebIfStale(): Promise<void> {
  const index = join(WEB_ROOT, 'index.html')
  const sources = Math.max(
    newestMtime(join(ROOT, 'web/src')),
    statSync(join(ROOT, 'web/index.html')).mtimeMs,
  )
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' })
}

export interface DashboardFixture {
  readonly app: ZodApp
  readonly baseUrl: string
  readonly clock: ManualClock
  readonly adminKey: string
  readonly analystKey: string
  readonly managerKey: string
  readonly managerId: string
  readonly demo: DemoReport
}

/** The demo shop loaded through the real ingestion, scored, and served with the dashboard. */
export async function openDashboard(
  store: Store,
  options: { readonly customers: number; readonly nowMs?: number },
): Promise<DashboardFixture> {
  const clock = manualClock(options.nowMs ?? Date.UTC(2026, 5, 1))
  const demo = await loadDemoShop({ store, clock }, { customers: options.customers, seed: 7 })
  const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
  if (!scored.ok) throw new Error(`scoring the demo shop failed: ${JSON.stringify(scored)}`)
  const app = await buildApp({ store, clock, config: loadConfig({}) }, { webRoot: WEB_ROOT })
  const now = clock.now()
  const admin = await createApiKey(store.db, { name: 'ops', role: 'admin' }, now)
  const analyst = await createApiKey(store.db, { name: 'ana', role: 'analyst' }, now)
  // One manager, given the valuable customers through the real assignment endpoint.
  const auth = { authorization: `Bearer ${admin.key}` }
  const created = await app.inject({
    method: 'POST',
    url: '/v1/managers',
    headers: auth,
    payload: { name: 'Max Manager' },
  })
  const managerId = created.json<{ id: string }>().id
  await app.inject({ method: 'POST', url: '/v1/managers/assign?mvcShare=0.1', headers: auth })
  const manager = await createApiKey(store.db, { name: 'max', role: 'manager', managerId }, now)
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    app,
    baseUrl,
    clock,
    adminKey: admin.key,
    analystKey: analyst.key,
    managerKey: manager.key,
    managerId,
    demo,
  }
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch(CHROMIUM_LAUNCH)
}
