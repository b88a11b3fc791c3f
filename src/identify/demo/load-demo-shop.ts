import { BulkStatements } from '../../store/bulk-statements.js'
import { ingestEvents, type IngestDeps } from '../ingest-events.js'
import {
  buildDemoCatalog,
  demoPopulation,
  simulateDemoPerson,
  type DemoShopOptions,
} from './demo-shop.js'

export interface LoadDemoOptions {
  readonly customers: number
  readonly seed: number
  /** Events per ingestion batch. */
  readonly batchEvents?: number
  readonly onProgress?: (done: number, total: number) => void
}

export interface DemoReport {
  readonly seed: number
  readonly customers: number
  readonly anonymousVisitors: number
  readonly products: number
  readonly events: number
  readonly duplicates: number
  readonly rejected: number
  readonly orders: number
  readonly elapsedMs: number
  readonly eventsPerSecond: number
}

/**
 * Fills the database with the demo shop: the catalog in one bulk write (with costs and
 * repeatable flags, which events cannot carry), then every person's events through the real
 * ingestion path, so identity resolution, merges of anonymous visitors, orders, products and
 * interactions are exactly what a live shop would produce. Loading the same seed again stores
 * nothing new: every event has a deterministic messageId.
 */
export async function loadDemoShop(
  deps: IngestDeps,
  options: LoadDemoOptions,
): Promise<DemoReport> {
  const started = performance.now()
  const shop: DemoShopOptions = {
    seed: options.seed,
    customers: options.customers,
    nowMs: deps.clock.now(),
  }
  const catalog = buildDemoCatalog(options.seed)
  await deps.store.db.transaction().execute(async (trx) => {
    const bulk = new BulkStatements(trx, deps.store.capabilities, deps.store.sqlite)
    await bulk.insert(
      'products',
      [
        'id',
        'sku',
        'name',
        'category',
        'price',
        'cost',
        'in_stock',
        'repeatable',
        'attributes',
        'created_at',
        'updated_at',
      ],
      catalog.products.map((p) => [
        p.id,
        p.id,
        p.name,
        p.category,
        p.price,
        p.cost,
        Number(p.inStock),
        Number(p.repeatable),
        JSON.stringify(p.attributes),
        shop.nowMs,
        shop.nowMs,
      ]),
      'ON CONFLICT (id) DO NOTHING',
    )
  })
  const population = demoPopulation(options.customers)
  const batchSize = options.batchEvents ?? 2000
  let batch: Record<string, unknown>[] = []
  let events = 0
  let duplicates = 0
  let rejected = 0
  let orders = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const report = await ingestEvents(deps, batch)
    events += report.accepted
    duplicates += report.duplicates
    rejected += report.rejected.length
    batch = []
  }
  for (let index = 0; index < population; index += 1) {
    const person = simulateDemoPerson(shop, catalog, index)
    orders += person.orders
    for (const event of person.events) batch.push(event)
    if (batch.length >= batchSize) {
      await flush()
      options.onProgress?.(index + 1, population)
    }
  }
  await flush()
  options.onProgress?.(population, population)
  const elapsedMs = performance.now() - started
  return {
    seed: options.seed,
    customers: options.customers,
    anonymousVisitors: population - options.customers,
    products: catalog.products.length,
    events,
    duplicates,
    rejected,
    orders,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: Math.round(((events + duplicates) * 1000) / elapsedMs),
  }
}

/** True when the database holds no customers, events or orders yet (a newcomer's first start). */
export async function isShopEmpty(db: IngestDeps['store']['db']): Promise<boolean> {
  for (const table of ['customers', 'events', 'orders'] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.lit(1).as('one'))
      .limit(1)
      .executeTakeFirst()
    if (row !== undefined) return false
  }
  return true
}
