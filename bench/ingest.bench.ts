// npm run bench:ingest -- [--json] [--events N] [--engines sqlite,postgres]
// IDIC_BENCH_PROFILE=DIR writes a V8 CPU profile of the server process into DIR. IDIC_INGEST_*
// settings reach the server: IDIC_INGEST_MAX_BACKLOG=20000 measures the regime where
// backpressure holds acknowledgements to the processing rate (by default the 200,000 events fit
// in the backlog), IDIC_INGEST_INBOX=off the direct path.
//
// Events per second through POST /v1/batch on loopback (batches of 100 typical track, identify
// and page events, 8 concurrent keep-alive connections), for SQLite and PostgreSQL, each beside
// the raw batched-insert rate of the same engine into the same events table in the same run.
//
// eventsPerSecond counts events fully processed: the clock stops when a read (GET /v1/stats,
// which waits for the ingestion inbox to drain) answers after the last batch was acknowledged,
// and the events it counts must be every event sent. p50Ms/p99Ms are the batches' answer
// (acknowledgement) latencies; acknowledgedPerSecond, drainMs and the backlog's peak (sampled
// from GET /v1/ingest/backlog) say how far processing ran behind.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Agent, request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import BetterSqlite3 from 'better-sqlite3'
import { openStore } from '../src/store/engine.js'
import { migrateToLatest } from '../src/store/migrate.js'

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    events: { type: 'string', default: '200000' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    'postgres-url': {
      type: 'string',
      default: process.env['IDIC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
})
const TOTAL = Number(args.events)
const BATCH = 100
const CONCURRENCY = 8
const USERS = 20_000

function log(message: string): void {
  if (!args.json) console.error(message)
}

/** A deterministic mix of what a shop's SDK sends: 70% track, 15% page, 15% identify. */
function makeBatch(batchIndex: number, runId: string): object[] {
  const events: object[] = []
  for (let i = 0; i < BATCH; i += 1) {
    const n = batchIndex * BATCH + i
    const user = (n * 7919) % USERS
    const known = user % 3 !== 0
    const ids = known
      ? { userId: `user-${user}`, anonymousId: `anon-${user}` }
      : { anonymousId: `anon-${user}` }
    const messageId = `${runId}-${n}`
    const timestamp = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString()
    const kind = n % 20
    if (kind < 14) {
      events.push({
        type: 'track',
        event: kind < 10 ? 'Product Viewed' : 'Product Added',
        properties: {
          product_id: `sku-${n % 5000}`,
          name: `Product ${n % 5000}`,
          category: `Cat ${n % 40}`,
          price: 5 + (n % 90),
        },
        context: { library: { name: 'analytics-node', version: '3.1.0' }, ip: '127.0.0.1' },
        messageId,
        timestamp,
        ...ids,
      })
    } else if (kind < 17) {
      events.push({
        type: 'page',
        name: 'Category',
        properties: { path: `/c/${n % 40}`, referrer: '' },
        messageId,
        timestamp,
        ...ids,
      })
    } else {
      events.push({
        type: 'identify',
        traits: {
          email: `user-${user}@example.com`,
          name: `User ${user}`,
          plan: user % 5 === 0 ? 'pro' : 'free',
        },
        messageId,
        timestamp,
        ...ids,
      })
    }
  }
  return events
}

function getJson(agent: Agent, address: URL, adminKey: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: address.hostname,
        port: address.port,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${adminKey}` },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)))
          }
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function post(agent: Agent, address: URL, writeKey: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: address.hostname,
        port: address.port,
        path: '/v1/batch',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => {
          resolve(res.statusCode ?? 0)
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

async function measureIngestion(url: string, schema: string | undefined) {
  const child = fork(
    new URL('./ingest-server.ts', import.meta.url),
    [url, ...(schema === undefined ? [] : [schema])],
    {
      execArgv: [
        '--import',
        'tsx',
        ...(process.env['IDIC_BENCH_PROFILE'] === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${process.env['IDIC_BENCH_PROFILE']}`]),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  const ready = await new Promise<{ address: string; writeKey: string; adminKey: string }>(
    (resolve) =>
      child.once('message', (m) => {
        resolve(m as never)
      }),
  )
  const address = new URL(ready.address)
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const runId = randomBytes(4).toString('hex')
  const batches = Math.ceil(TOTAL / BATCH)
  // Warm up (JIT, caches) with 20 batches outside the measurement.
  for (let b = 0; b < 20; b += 1)
    await post(
      agent,
      address,
      ready.writeKey,
      JSON.stringify({ batch: makeBatch(batches + b, runId) }),
    )
  // The warm-up's events count in the total read back at the end; its backlog drains first.
  await getJson(agent, address, ready.adminKey, '/v1/stats')
  const latencies: number[] = []
  let next = 0
  let failed = 0
  let peakBacklogEvents = 0
  let peakLagMs = 0
  let mode = 'unknown'
  const sampler = new Agent({ keepAlive: true, maxSockets: 1 })
  const stopSampling = new AbortController()
  const sampled = (async () => {
    while (!stopSampling.signal.aborted) {
      const backlog = (await getJson(sampler, address, ready.adminKey, '/v1/ingest/backlog')) as {
        mode: string
        pendingEvents: number
        lagMs: number
      }
      mode = backlog.mode
      peakBacklogEvents = Math.max(peakBacklogEvents, backlog.pendingEvents)
      peakLagMs = Math.max(peakLagMs, backlog.lagMs)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches) {
        const b = next
        next += 1
        const body = JSON.stringify({ batch: makeBatch(b, runId) })
        const t0 = performance.now()
        const status = await post(agent, address, ready.writeKey, body)
        latencies.push(performance.now() - t0)
        if (status !== 200) failed += 1
        if (b % 200 === 0) log(`  ${b}/${batches} batches`)
      }
    }),
  )
  const acknowledged = performance.now()
  // A read waits until every acknowledged batch is processed (the drain barrier).
  const stats = (await getJson(agent, address, ready.adminKey, '/v1/stats')) as { events: number }
  const processed = performance.now()
  stopSampling.abort()
  await sampled
  sampler.destroy()
  const expectedEvents = (batches + 20) * BATCH
  if (stats.events !== expectedEvents) {
    throw new Error(`read back ${stats.events} events after the run, sent ${expectedEvents}`)
  }
  const seconds = (processed - started) / 1000
  agent.destroy()
  const peak = await new Promise<{ peakRssMb: number }>((resolve) => {
    child.once('message', (m) => {
      resolve(m as never)
    })
    child.send('stop')
  })
  latencies.sort((a, b) => a - b)
  return {
    mode,
    eventsPerSecond: (batches * BATCH) / seconds,
    acknowledgedPerSecond: (batches * BATCH) / ((acknowledged - started) / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    drainMs: processed - acknowledged,
    peakBacklogEvents,
    peakLagMs,
    peakRssMb: peak.peakRssMb,
    failedBatches: failed,
  }
}

/** Event rows as the ingestion path writes them, for the raw-insert ceiling. */
function rawRows(batchIndex: number, runId: string) {
  return makeBatch(batchIndex, runId).map((e, i) => {
    const event = e as Record<string, unknown>
    return [
      `raw-${runId}-${batchIndex}-${i}`,
      `cus-${String(event['anonymousId'])}`,
      String(event['type']),
      (event['event'] ?? event['name'] ?? null) as string | null,
      (event['userId'] ?? null) as string | null,
      String(event['anonymousId']),
      Date.now(),
      Date.now(),
      JSON.stringify(event['properties'] ?? event['traits'] ?? {}),
      JSON.stringify(event['context'] ?? {}),
    ]
  })
}

const EVENT_COLUMNS =
  'message_id, customer_id, type, name, user_id, anonymous_id, occurred_at, received_at, properties, context'

function rawSqlite(path: string): number {
  const db = new BetterSqlite3(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const placeholders = Array.from({ length: BATCH }, () => '(?,?,?,?,?,?,?,?,?,?)').join(',')
  const insert = db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES ${placeholders}`)
  const runId = randomBytes(4).toString('hex')
  const batches = Math.ceil(TOTAL / BATCH)
  const started = performance.now()
  for (let b = 0; b < batches; b += 1) {
    const params = rawRows(b, runId).flat()
    db.transaction(() => insert.run(params))()
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return (batches * BATCH) / seconds
}

async function rawPostgres(url: string, schema: string): Promise<number> {
  const pool = new pg.Pool({
    connectionString: url,
    max: CONCURRENCY,
    options: `-c search_path=${schema}`,
  })
  const placeholders = Array.from(
    { length: BATCH },
    (_, r) => `(${Array.from({ length: 10 }, (_, c) => `$${r * 10 + c + 1}`).join(',')})`,
  ).join(',')
  const text = `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${placeholders}`
  const runId = randomBytes(4).toString('hex')
  const batches = Math.ceil(TOTAL / BATCH)
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches) {
        const b = next
        next += 1
        await pool.query(text, rawRows(b, runId).flat())
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await pool.end()
  return (batches * BATCH) / seconds
}

const results: object[] = []
for (const engine of args.engines.split(',')) {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'idic-bench-'))
    try {
      const rawPath = join(dir, 'raw.db')
      const rawStore = await openStore(`sqlite:${rawPath}`)
      await migrateToLatest(rawStore.db)
      await rawStore.close()
      log('sqlite: raw inserts…')
      const raw = rawSqlite(rawPath)
      log('sqlite: ingestion over HTTP…')
      const ingest = await measureIngestion(`sqlite:${join(dir, 'ingest.db')}`, undefined)
      results.push({
        engine,
        ...ingest,
        rawInsertsPerSecond: raw,
        ratio: ingest.eventsPerSecond / raw,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  } else if (engine === 'postgres') {
    const url = args['postgres-url']
    const rawSchema = `bench_raw_${randomBytes(4).toString('hex')}`
    const ingestSchema = `bench_ingest_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    try {
      const rawStore = await openStore(url, { schema: rawSchema })
      await migrateToLatest(rawStore.db)
      await rawStore.close()
      log('postgres: raw inserts…')
      const raw = await rawPostgres(url, rawSchema)
      log('postgres: ingestion over HTTP…')
      const ingest = await measureIngestion(url, ingestSchema)
      results.push({
        engine,
        ...ingest,
        rawInsertsPerSecond: raw,
        ratio: ingest.eventsPerSecond / raw,
      })
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${rawSchema} CASCADE`)
      await admin.query(`DROP SCHEMA IF EXISTS ${ingestSchema} CASCADE`)
      await admin.end()
    }
  } else {
    throw new Error(`unknown engine ${engine}`)
  }
}

const rounded = results.map((r) =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]),
  ),
)
if (args.json) {
  console.log(JSON.stringify(rounded, null, 2))
} else {
  console.table(rounded)
  console.log('Target on SQLite: ratio >= 0.5 and p99 < 50 ms')
}
