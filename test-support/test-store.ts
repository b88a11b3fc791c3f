import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe } from 'vitest'
import pg from 'pg'
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
  const schema = `t_${randomBytes(6).toString('hex')}`
  const store =
    engine === 'sqlite'
      ? await openStore('sqlite::memory:')
      : await openStore(POSTGRES_URL, { schema, poolSize: 4 })
  await migrateToLatest(store.db, engine === 'sqlite' ? {} : { schema })
  return store
}

/** Drops what openTestStore made. */
export async function closeTestStore(store: Store): Promise<void> {
  if (store.capabilities.engine === 'postgres') {
    const schema = await store.db
      .selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('schema'))
      .executeTakeFirstOrThrow()
    await store.close()
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema.schema} CASCADE`)
    } finally {
      await admin.end()
    }
    return
  }
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
