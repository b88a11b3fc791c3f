import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe } from 'vitest'
import { openStore, type Engine, type Store } from '../src/store/engine.js'
import { migrateToLatest } from '../src/store/migrate.js'

/**
 * Store tests run on every engine. SQLite always; PostgreSQL when IDIC_TEST_POSTGRES_URL is set
 * (`.ci/run` sets it and IDIC_REQUIRE_POSTGRES=1, which turns a skipped engine into a failure).
 */
export const POSTGRES_URL = process.env['IDIC_TEST_POSTGRES_URL'] ?? ''
const REQUIRE_POSTGRES = process.env['IDIC_REQUIRE_POSTGRES'] === '1'

export const TEST_ENGINES: readonly Engine[] =
  POSTGRES_URL === '' ? ['sqlite'] : ['sqlite', 'postgres']

if (REQUIRE_POSTGRES && POSTGRES_URL === '') {
  throw new Error('IDIC_REQUIRE_POSTGRES=1 but IDIC_TEST_POSTGRES_URL is not set')
}

/** A fresh, migrated database: an in-memory SQLite file or a new PostgreSQL schema. */
export async function openTestStore(engine: Engine): Promise<Store> {
  const store =
    engine === 'sqlite'
      ? await openStore('sqlite::memory:')
      : await openStore(POSTGRES_URL, {
          schema: `t_${process.env['IDIC_TEST_RUN_ID'] ?? 'adhoc'}_${randomBytes(6).toString('hex')}`,
          poolSize: 4,
        })
  await migrateToLatest(store.db)
  return store
}

/**
 * Closes a test store. PostgreSQL schemas stay until the run ends (see global-setup.ts), since
 * dropping one while a parallel test migrates breaks that migration.
 */
export async function closeTestStore(store: Store): Promise<void> {
  await store.close()
}

/**
 * Declares a suite once per engine; `current()` inside a test gives that test's own fresh store.
 *
 * ```ts
 * describeEachEngine('identities', (current) => {
 *   it('…', async () => { const { db } = current() })
 * })
 * ```
 */
export function describeEachEngine(
  name: string,
  body: (current: () => Store, engine: Engine) => void,
): void {
  for (const engine of TEST_ENGINES) {
    describe(`${name} [${engine}]`, () => {
      let store: Store | null = null
      beforeEach(async () => {
        store = await openTestStore(engine)
      })
      afterEach(async () => {
        if (store !== null) await closeTestStore(store)
        store = null
      })
      body(() => {
        if (store === null) throw new Error('store used outside a test')
        return store
      }, engine)
    })
  }
}
