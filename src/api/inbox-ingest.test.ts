import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTestApp, type TestApp } from '../../test-support/test-app.js'
import { systemClock } from '../core/clock.js'
import { loadConfig } from '../config/config.js'
import { getDatabaseStats } from '../identify/customer-list.js'
import { encodeInboxBatch } from '../identify/inbox-payload.js'
import { validateBatch } from '../identify/validate-batch.js'
import { openStore, type Store } from '../store/engine.js'
import { InboxFile, inboxPathFor } from '../store/inbox-file.js'
import { readProcessedSeq } from '../store/ingest-progress.repository.js'
import { migrateToLatest } from '../store/migrate.js'
import { createApiKey } from '../store/api-keys.repository.js'
import { buildApp } from './app.js'
import { drainLeftInbox } from './open-ingest-pipeline.js'

// The inbox needs a database file a second thread can open: these run on SQLite files only
// (PostgreSQL and in-memory SQLite take the direct path, which every other API test covers).
describe('ingestion through the inbox [sqlite file]', () => {
  let dir = ''
  let path = ''
  let store: Store | null = null
  let t: TestApp | null = null
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idic-inbox-app-'))
    path = join(dir, 'shop.db')
    store = await openStore(`sqlite:${path}`)
    await migrateToLatest(store.db)
  })
  afterEach(async () => {
    await t?.app.close()
    t = null
    await store?.close()
    store = null
    rmSync(dir, { recursive: true, force: true })
  })
  const theStore = (): Store => {
    if (store === null) throw new Error('no store')
    return store
  }
  const open = async (): Promise<TestApp> => (t = await openTestApp(theStore()))
  /** The app on the real clock with these settings, and a write and an admin key. */
  const openWithSettings = async (settings: Record<string, string>) => ({
    app: await buildApp({ store: theStore(), clock: systemClock, config: loadConfig(settings) }),
    write: await createApiKey(theStore().db, { name: 'w', role: 'write' }, 0),
    admin: await createApiKey(theStore().db, { name: 'a', role: 'admin' }, 0),
  })
  const batch = (app: TestApp, events: readonly unknown[]) =>
    app.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: app.basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ batch: events }),
    })
  const get = (app: TestApp, url: string) =>
    app.app.inject({ method: 'GET', url, headers: { authorization: app.bearer } })

  it('answers once the batch is in the inbox, and every read waits until it is processed', async () => {
    const app = await open()
    const sent = await batch(app, [
      { type: 'identify', userId: 'ann', anonymousId: 'a1', traits: { email: 'ann@x.io' } },
      { type: 'track', anonymousId: 'a1', event: 'Product Viewed', messageId: 'v1' },
      { type: 'track', event: 'No id', messageId: 'bad' },
    ])
    expect(sent.statusCode).toBe(400)
    expect(sent.json().error.details).toMatchObject({ accepted: 2, duplicates: 0 })
    for (let i = 0; i < 20; i += 1) {
      const ok = await batch(app, [
        { type: 'track', userId: 'ann', event: 'Page Read', messageId: `r${i}` },
      ])
      expect(ok.json()).toEqual({ success: true, accepted: 1, duplicates: 0 })
    }
    // No waiting in the test: the reads themselves wait for the inbox.
    const profile = await get(app, '/v1/customers/ann@x.io')
    expect(profile.statusCode).toBe(200)
    expect(profile.json().eventCounts).toMatchObject({ 'Page Read': 20, 'Product Viewed': 1 })
    expect((await get(app, '/v1/stats')).json()).toMatchObject({ customers: 1, events: 22 })
    const backlog = (await get(app, '/v1/ingest/backlog')).json()
    expect(backlog).toMatchObject({ mode: 'inbox', pendingEvents: 0, failedBatches: 0 })
    expect(backlog.processedSeq).toBe(backlog.appendedSeq)
    // A repeat of a processed event is answered as a duplicate, as on the direct path.
    const again = await batch(app, [
      { type: 'track', anonymousId: 'a1', event: 'Product Viewed', messageId: 'v1' },
    ])
    expect(again.json()).toEqual({ success: true, accepted: 0, duplicates: 1 })
  })

  it('answers a read 503 ingest_behind while the processor cannot write, and serves it after', async () => {
    const { app, write, admin } = await openWithSettings({ IDIC_INGEST_READ_WAIT_SECONDS: '0.3' })
    // Another connection holds the database's write lock: the processor cannot store the batch.
    const locker = new BetterSqlite3(path)
    locker.exec('BEGIN IMMEDIATE')
    try {
      const sent = await app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: {
          authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify({ batch: [{ type: 'identify', userId: 'locked-out' }] }),
      })
      expect(sent.statusCode).toBe(200)
      const read = () =>
        app.inject({
          method: 'GET',
          url: '/v1/customers/locked-out',
          headers: { authorization: `Bearer ${admin.key}` },
        })
      const refused = await read()
      expect(refused.statusCode).toBe(503)
      expect(refused.headers['retry-after']).toBe('1')
      expect(refused.json()).toMatchObject({
        error: { code: 'ingest_behind', details: { pendingEvents: 1, pendingBatches: 1 } },
      })
      locker.exec('ROLLBACK')
      // Once the lock is gone the processor goes on by itself (it retries a busy database).
      let answer = await read()
      for (let tries = 0; answer.statusCode === 503 && tries < 100; tries += 1)
        answer = await read()
      expect(answer.statusCode).toBe(200)
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK')
      locker.close()
      await app.close()
    }
  })

  it('holds new batches back while the backlog is full', async () => {
    const { app, write, admin } = await openWithSettings({ IDIC_INGEST_MAX_BACKLOG: '1000' })
    const basic = `Basic ${Buffer.from(`${write.key}:`).toString('base64')}`
    const pendingSeen: number[] = []
    try {
      await Promise.all(
        Array.from({ length: 30 }, async (_, b) => {
          const response = await app.inject({
            method: 'POST',
            url: '/v1/batch',
            headers: { authorization: basic, 'content-type': 'application/json' },
            payload: JSON.stringify({
              batch: Array.from({ length: 100 }, (_, i) => ({
                type: 'track',
                userId: `u${i}`,
                event: 'Clicked',
                messageId: `bp${b}-${i}`,
              })),
            }),
          })
          expect(response.statusCode).toBe(200)
          // Each acknowledgement found room: at most the limit is pending after it.
          const backlog = await app.inject({
            method: 'GET',
            url: '/v1/ingest/backlog',
            headers: { authorization: `Bearer ${admin.key}` },
          })
          pendingSeen.push(backlog.json<{ pendingEvents: number }>().pendingEvents)
        }),
      )
    } finally {
      await app.close()
    }
    expect(Math.max(...pendingSeen)).toBeLessThanOrEqual(1000)
    expect((await getDatabaseStats(theStore().db)).events).toBe(3000)
  })

  it('processes what was acknowledged before it closes', async () => {
    const app = await open()
    for (let i = 0; i < 10; i += 1) {
      await batch(
        app,
        Array.from({ length: 50 }, (_, j) => ({
          type: 'track',
          userId: `u${j}`,
          event: 'Clicked',
          messageId: `c${i}-${j}`,
        })),
      )
    }
    await app.app.close()
    t = null
    expect((await getDatabaseStats(theStore().db)).events).toBe(500)
  })

  it('processes at start-up, and in CLI commands, what an earlier run left in the inbox', async () => {
    const left = InboxFile.open(inboxPathFor(path))
    const append = (messageId: string): number => {
      const valid = validateBatch(
        { clock: systemClock },
        [{ type: 'track', userId: 'bo', event: 'Left', messageId }],
        {},
      ).valid
      return left.append(Date.now(), 1, encodeInboxBatch({ sentAt: null, events: valid }))
    }
    append('l1')
    const cliDrained = await drainLeftInbox(theStore(), systemClock, loadConfig({}))
    expect(cliDrained).toMatchObject({ batches: 1, failed: 0 })
    const last = append('l2')
    left.close()
    const app = await open()
    expect((await get(app, '/v1/stats')).json()).toMatchObject({ events: 2 })
    expect(await readProcessedSeq(theStore().db)).toBe(last)
  })
})
