import { buildApp } from '../src/api/app.js'
import type { ZodApp } from '../src/api/app-deps.js'
import { loadConfig } from '../src/config/config.js'
import { createApiKey } from '../src/store/api-keys.repository.js'
import type { Store } from '../src/store/engine.js'
import { sendFixture, type SendFixture } from './send-fixture.js'

export const TEST_SECRET = 'an-idic-test-secret-of-at-least-32-chars'

export interface InteractApp extends SendFixture {
  readonly app: ZodApp
  readonly admin: string
  readonly managerKey: (managerId: string) => Promise<string>
  /** Authorization header for a key. */
  readonly auth: (key: string) => { authorization: string }
}

/** The API in-process, with real SMTP and webhook receivers behind its channels. */
export async function startInteractApp(
  store: Store,
  options: Parameters<typeof sendFixture>[1] = {},
  /** More settings, as environment variables (IDIC_CONSENT_CATEGORIES …). */
  env: Readonly<Record<string, string>> = {},
): Promise<InteractApp> {
  const fixture = await sendFixture(store, options)
  const config = loadConfig({
    IDIC_SECRET: TEST_SECRET,
    IDIC_PUBLIC_URL: 'http://idic.test',
    ...env,
  })
  const app = await buildApp({
    store,
    clock: fixture.clock,
    config,
    channels: fixture.deps.channels,
    contactPolicy: fixture.deps.policy,
  })
  const admin = await createApiKey(store.db, { name: 'admin', role: 'admin' }, fixture.clock.now())
  return {
    ...fixture,
    app,
    admin: admin.key,
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    managerKey: async (managerId) =>
      (await createApiKey(store.db, { name: managerId, role: 'manager', managerId }, 0)).key,
    close: async () => {
      await app.close()
      await fixture.close()
    },
  }
}
