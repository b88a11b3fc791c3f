import { manualClock, type ManualClock } from '../src/core/clock.js'
import { buildApp } from '../src/api/app.js'
import type { LightMyRequestResponse } from 'fastify'
import type { ZodApp } from '../src/api/app-deps.js'
import { loadConfig } from '../src/config/config.js'
import type { Store } from '../src/store/engine.js'
import { createApiKey } from '../src/store/api-keys.repository.js'

export interface TestApp {
  readonly app: ZodApp
  readonly clock: ManualClock
  readonly writeKey: string
  readonly adminKey: string
  /** `authorization` header value for HTTP Basic with the write key, as Segment SDKs send it. */
  readonly basic: string
  readonly bearer: string
}

/** The API over a test store, with a write key and an admin key. */
export async function openTestApp(
  store: Store,
  startMs = Date.parse('2026-01-05T10:00:00Z'),
): Promise<TestApp> {
  const clock = manualClock(startMs)
  const app = await buildApp({ store, clock, config: loadConfig({}) })
  const write = await createApiKey(store.db, { name: 'site', role: 'write' }, startMs)
  const admin = await createApiKey(store.db, { name: 'ops', role: 'admin' }, startMs)
  return {
    app,
    clock,
    writeKey: write.key,
    adminKey: admin.key,
    basic: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}`,
    bearer: `Bearer ${admin.key}`,
  }
}

/**
 * One request to the test app as an admin (or with `authorization`), with `body` sent as JSON
 * when given.
 */
export function callApi(
  t: TestApp,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  authorization = t.bearer,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    headers: {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  })
}
