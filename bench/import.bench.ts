// npm run bench:import -- [--json] [--engines sqlite,postgres] [--file PATH] [--repeats 3]
//   [--source]
//
// Rows per second importing the UCI Online Retail file (541,909 rows, gzip) with
// `importOrders`, on SQLite (a fresh file) and PostgreSQL (a fresh schema, dropped afterwards),
// with the peak resident memory of the importing process; each engine's figure is the median of
// `--repeats` runs. Memory flatness: the same import of the file's first tenth and of the file
// twice over run too, and the peaks are compared (the full file's is the median of its repeats). Each case runs in its own child process, so one
// case's heap does not count in another's peak.
//
// The code measured is what `idic import orders` runs: the built JavaScript in dist/ (compiled
// first, with tsconfig.build.json, so it is never stale). `--source` measures the TypeScript
// sources through tsx instead; there the parsing worker also starts tsx's loader (~1 s).
import { execFileSync, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { createGunzip } from 'node:zlib'
import pg from 'pg'

const TARGET_ROWS_PER_SECOND_SQLITE = 100_000
const DEFAULT_FILE = new URL(
  '../../shared/data/online-retail/online_retail_I.csv.gz',
  import.meta.url,
).pathname

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'sqlite,postgres' },
    file: { type: 'string', default: DEFAULT_FILE },
    'postgres-url': {
      type: 'string',
      default: process.env['IDIC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    repeats: { type: 'string', default: '3' },
    source: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
})
const REPEATS = Number(args.repeats)
if (!Number.isInteger(REPEATS) || REPEATS < 1) {
  throw new Error(`--repeats must be a positive integer, got ${args.repeats}`)
}
/** Where the measured modules come from: the build (dist/, .js) or the sources (src/, .ts). */
const CODE = args.source ? { root: 'src', ext: 'ts' } : { root: 'dist', ext: 'js' }

interface MeasuredModules {
  readonly systemClock: (typeof import('../src/core/clock.js'))['systemClock']
  readonly importOrders: (typeof import('../src/identify/import/import-orders.js'))['importOrders']
  readonly openStore: (typeof import('../src/store/engine.js'))['openStore']
  readonly migrateToLatest: (typeof import('../src/store/migrate.js'))['migrateToLatest']
}

/** The modules the import runs, from CODE's tree (same exports in both). */
async function measuredModules(): Promise<MeasuredModules> {
  const load = async <T>(path: string): Promise<T> =>
    (await import(new URL(`../${CODE.root}/${path}.${CODE.ext}`, import.meta.url).href)) as T
  const [clock, importing, engine, migrate] = await Promise.all([
    load<typeof import('../src/core/clock.js')>('core/clock'),
    load<typeof import('../src/identify/import/import-orders.js')>('identify/import/import-orders'),
    load<typeof import('../src/store/engine.js')>('store/engine'),
    load<typeof import('../src/store/migrate.js')>('store/migrate'),
  ])
  return {
    systemClock: clock.systemClock,
    importOrders: importing.importOrders,
    openStore: engine.openStore,
    migrateToLatest: migrate.migrateToLatest,
  }
}

interface CaseResult {
  readonly engine: string
  readonly file: string
  readonly rowsRead: number
  readonly orders: number
  readonly items: number
  readonly seconds: number
  readonly rowsPerSecond: number
  /** CPU time of the importing process (user + system); PostgreSQL's own work is not in it. */
  readonly cpuSeconds: number
  readonly peakRssMb: number
}

function log(message: string): void {
  if (!args.json) console.error(message)
}

/** Child: import one file into one engine and print the result as one JSON line. */
async function runCase(engine: string, file: string): Promise<void> {
  const { systemClock, importOrders, openStore, migrateToLatest } = await measuredModules()
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  const dir = mkdtempSync(join(tmpdir(), 'idic-import-bench-'))
  const schema = `bench_import_${randomBytes(4).toString('hex')}`
  const url = args['postgres-url']
  const store =
    engine === 'sqlite'
      ? await openStore(`sqlite:${join(dir, 'bench.db')}`)
      : await openStore(url, { schema, poolSize: 2 })
  try {
    await migrateToLatest(store.db)
    const cpuBefore = process.cpuUsage()
    const report = await importOrders({ store, clock: systemClock }, file, {
      format: 'online-retail',
    })
    peak = Math.max(peak, process.memoryUsage().rss)
    const cpu = process.cpuUsage(cpuBefore)
    const result: CaseResult = {
      engine,
      file,
      rowsRead: report.rowsRead,
      orders: report.inserted['orders'] ?? 0,
      items: report.inserted['order_items'] ?? 0,
      seconds: report.elapsedMs / 1000,
      rowsPerSecond: report.rowsPerSecond,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      peakRssMb: Math.round(peak / 1e5) / 10,
    }
    process.stdout.write(`${JSON.stringify(result)}\n`)
  } finally {
    clearInterval(sampler)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
    if (engine === 'postgres') {
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
    }
  }
}

function runChild(engine: string, file: string): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      new URL(import.meta.url).pathname,
      [
        '--child',
        engine,
        '--file',
        file,
        '--postgres-url',
        args['postgres-url'],
        ...(args.source ? ['--source'] : []),
      ],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    )
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? ''
      if (code !== 0 || line === '') reject(new Error(`${engine} case failed (exit ${code})`))
      else resolve(JSON.parse(line) as CaseResult)
    })
  })
}

/** The file's header and first tenth of its rows, as a plain CSV beside the temp files. */
async function firstTenth(file: string, dir: string): Promise<string> {
  const path = join(dir, 'online_retail_tenth.csv')
  const out = createWriteStream(path)
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()) })
  let n = 0
  for await (const line of lines) {
    if (n > 54_191) break
    out.write(`${line}\n`)
    n += 1
  }
  await new Promise<void>((resolve) => out.end(resolve))
  return path
}

/**
 * The file twice over (1,083,818 rows): the second copy's invoices and customers renamed
 * (`536365` → `9536365`, `C536379` → `C9536379`, customer `17850` → `117850`), so it is a
 * million-row history of twice the customers, not a re-import.
 */
async function doubled(file: string, dir: string): Promise<string> {
  const path = join(dir, 'online_retail_doubled.csv')
  const out = createWriteStream(path)
  const copies: string[] = []
  for (let copy = 0; copy < 2; copy += 1) {
    const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()) })
    let header = true
    for await (const line of lines) {
      if (header) {
        header = false
        if (copy === 0) out.write(`${line}\n`)
        continue
      }
      let row = line
      if (copy === 1) {
        const last = row.lastIndexOf(',')
        const before = row.lastIndexOf(',', last - 1)
        const customer = row.slice(before + 1, last)
        row =
          row.replace(/^([A-Z]?)/, '$19').slice(0, before + 2) +
          (customer === '' ? '' : `1${customer}`) +
          row.slice(last)
      }
      copies.push(row)
      if (copies.length >= 10_000) {
        if (!out.write(`${copies.join('\n')}\n`))
          await new Promise<void>((resolve) => {
            out.once('drain', () => {
              resolve()
            })
          })
        copies.length = 0
      }
    }
  }
  if (copies.length > 0) out.write(`${copies.join('\n')}\n`)
  await new Promise<void>((resolve) => out.end(resolve))
  return path
}

/** The median of some numbers (the lower middle one of an even count). */
function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!
}

/** The run with the median rate (the lower middle one of an even count). */
function medianRun(runs: readonly CaseResult[]): CaseResult {
  const sorted = [...runs].sort((a, b) => a.rowsPerSecond - b.rowsPerSecond)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

async function main(): Promise<void> {
  if (args.child !== undefined) {
    await runCase(args.child, args.file)
    return
  }
  if (!existsSync(args.file)) throw new Error(`${args.file} not found (needs ../shared/data)`)
  const engines = args.engines.split(',').filter((e) => e !== '')
  if (!args.source) {
    log('building dist/ (tsc -p tsconfig.build.json)…')
    const root = new URL('..', import.meta.url).pathname
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    })
  }
  const dir = mkdtempSync(join(tmpdir(), 'idic-import-bench-'))
  const results: CaseResult[] = []
  try {
    const runs: CaseResult[] = []
    for (const engine of engines) {
      const ofEngine: CaseResult[] = []
      for (let run = 1; run <= REPEATS; run += 1) {
        log(`${engine}: importing ${args.file} (run ${run} of ${REPEATS})…`)
        ofEngine.push(await runChild(engine, args.file))
      }
      runs.push(...ofEngine)
      results.push(medianRun(ofEngine))
    }
    let tenth: CaseResult | null = null
    let twice: CaseResult | null = null
    if (engines.includes('sqlite')) {
      log('sqlite: importing the first tenth of the file (memory flatness)…')
      tenth = await runChild('sqlite', await firstTenth(args.file, dir))
      log('sqlite: importing the file twice over, 1,083,818 rows (memory flatness)…')
      twice = await runChild('sqlite', await doubled(args.file, dir))
    }
    const sqlite = results.find((r) => r.engine === 'sqlite')
    // A peak RSS moves by ±10% between runs of the same import (when the collector runs): the
    // full file's figure is the median peak of its repeats, not the median-rate run's peak.
    const fullPeakMb = median(runs.filter((r) => r.engine === 'sqlite').map((r) => r.peakRssMb))
    const summary = {
      code: CODE.root,
      repeats: REPEATS,
      results,
      runs,
      target: {
        sqliteRowsPerSecond: TARGET_ROWS_PER_SECOND_SQLITE,
        sqliteMet:
          sqlite === undefined ? null : sqlite.rowsPerSecond >= TARGET_ROWS_PER_SECOND_SQLITE,
        sqliteRatio:
          sqlite === undefined
            ? null
            : Math.round((sqlite.rowsPerSecond / TARGET_ROWS_PER_SECOND_SQLITE) * 100) / 100,
      },
      memoryFlatness:
        sqlite === undefined || tenth === null || twice === null
          ? null
          : {
              peakRssMbByRows: {
                [tenth.rowsRead]: tenth.peakRssMb,
                [sqlite.rowsRead]: fullPeakMb,
                [twice.rowsRead]: twice.peakRssMb,
              },
              doubledOverFull: Math.round((twice.peakRssMb / fullPeakMb) * 100) / 100,
              doubledRowsPerSecond: twice.rowsPerSecond,
            },
    }
    if (args.json) console.log(JSON.stringify(summary, null, 2))
    else {
      console.table(results)
      console.log(
        JSON.stringify({ target: summary.target, memoryFlatness: summary.memoryFlatness }, null, 2),
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
