// Child process of ingest.bench.ts: serves the real API on a loopback port and reports its
// address and keys; on "stop" it answers with its peak resident memory. The IDIC_INGEST_*
// settings of the environment reach it (IDIC_INGEST_INBOX=off: the direct path;
// IDIC_INGEST_MAX_BACKLOG=N: backpressure from N pending events on); nothing else does.
import { readFileSync } from 'node:fs'
import { buildApp } from '../src/api/app.js'
import { systemClock } from '../src/core/clock.js'
import { loadConfig } from '../src/config/config.js'
import { createApiKey } from '../src/store/api-keys.repository.js'
import { openStore } from '../src/store/engine.js'
import { migrateToLatest } from '../src/store/migrate.js'

const [url, schema] = process.argv.slice(2)
if (url === undefined) throw new Error('usage: ingest-server.ts DATABASE_URL [SCHEMA]')
const store = await openStore(url, schema === undefined ? {} : { schema, poolSize: 10 })
await migrateToLatest(store.db)
const key = await createApiKey(store.db, { name: 'bench', role: 'write' }, Date.now())
const admin = await createApiKey(store.db, { name: 'bench-admin', role: 'admin' }, Date.now())
const ingestSettings = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name.startsWith('IDIC_INGEST_')),
)
const app = await buildApp({ store, clock: systemClock, config: loadConfig(ingestSettings) })
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ address, writeKey: key.key, adminKey: admin.key })
process.on('message', (message) => {
  if (message !== 'stop') return
  const status = readFileSync('/proc/self/status', 'utf8')
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  void app.close().then(async () => {
    await store.close()
    process.send?.({ peakRssMb: peakKb / 1024 }, () => process.exit(0))
  })
})
