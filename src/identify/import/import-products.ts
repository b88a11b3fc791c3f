import { access } from 'node:fs/promises'
import { invalidInput } from '../../core/errors.js'
import { BulkStatements, type SqlValue } from '../../store/bulk-statements.js'
import type { Store } from '../../store/engine.js'
import {
  parseProductRow,
  planProductColumns,
  type CatalogProduct,
  type ColumnPlan,
  type ProductField,
} from './catalog-row.js'
import type { ImportDeps, ImportProgress } from './import-orders.js'
import { ImportTally, type ImportReport } from './import-report.js'
import { openRecordFile } from './read-records.js'

export interface ImportCatalogOptions {
  readonly map?: Readonly<Partial<Record<string, string>>>
  readonly batchRows?: number
  readonly onProgress?: (progress: ImportProgress) => void
}

const PRODUCT_COLUMNS = [
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
] as const

/** Product columns a catalog file may set, and the field that sets each. */
const UPDATABLE: readonly (readonly [string, ProductField])[] = [
  ['name', 'name'],
  ['category', 'category'],
  ['price', 'price'],
  ['cost', 'cost'],
  ['in_stock', 'in_stock'],
  ['repeatable', 'repeatable'],
]

/**
 * Imports a product catalog (CSV, plain or gzip): id, name, category path, price, cost or
 * margin, in stock, repeatable, attributes (a JSON column, and every column no field claims).
 * A product already stored (from an earlier catalog, or created by an order import with what
 * was known) is updated with what the file says; what the file does not say is kept. One
 * transaction, like the order import: all or nothing, and a re-import changes nothing.
 */
export async function importProducts(
  deps: ImportDeps,
  path: string,
  options: ImportCatalogOptions = {},
): Promise<ImportReport> {
  return importCatalogFile(deps, path, options, {
    kind: 'products',
    tables: ['products'],
    plan: planProductColumns,
    parseRow: parseProductRow,
    makeWriter: (plan) => productWriter(plan),
  })
}

function productWriter(plan: ColumnPlan<ProductField>): CatalogBatchWriter<CatalogProduct> {
  const written = UPDATABLE.filter(([, field]) => plan.index[field] >= 0).map(([column]) =>
    column === 'cost' || column === 'price' || column === 'name' || column === 'category'
      ? `${column} = COALESCE(excluded.${column}, products.${column})`
      : `${column} = excluded.${column}`,
  )
  if (plan.index.cost < 0 && plan.index.margin >= 0) {
    written.push('cost = COALESCE(excluded.cost, products.cost)')
  }
  if (plan.index.attributes >= 0 || plan.extra.length > 0) {
    written.push('attributes = excluded.attributes')
  }
  written.push('updated_at = excluded.updated_at')
  const conflict = `ON CONFLICT (id) DO UPDATE SET ${written.join(', ')}`
  return async (store, bulk, rows, tally, nowMs) => {
    const products = rows.map((r) => r.value)
    const ids = [...new Set(products.map((p) => p.id))]
    const known = new Set<string>()
    for (let start = 0; start < ids.length; start += 1000) {
      const found = await store
        .selectFrom('products')
        .select('id')
        .where('id', 'in', ids.slice(start, start + 1000))
        .execute()
      for (const row of found) known.add(row.id)
    }
    // Last row wins when a file lists a product twice.
    const byId = new Map(products.map((p) => [p.id, p]))
    const values: SqlValue[][] = [...byId.values()].map((p) => [
      p.id,
      null,
      p.name,
      p.category,
      p.price,
      p.cost,
      p.inStock === null ? 1 : Number(p.inStock),
      p.repeatable === null ? 0 : Number(p.repeatable),
      JSON.stringify(p.attributes),
      nowMs,
      nowMs,
    ])
    await bulk.insert('products', PRODUCT_COLUMNS, values, conflict)
    tally.addInserted('products', [...byId.keys()].filter((id) => !known.has(id)).length)
    tally.rowsImported += products.length
  }
}

/** Writes one batch of parsed rows inside the import's transaction. */
export type CatalogBatchWriter<T> = (
  db: Store['db'],
  bulk: BulkStatements,
  rows: readonly { readonly line: number; readonly value: T }[],
  tally: ImportTally,
  nowMs: number,
) => Promise<void>

/** How one kind of catalog file is read and written. */
export interface CatalogFileKind<F extends string, T> {
  readonly kind: string
  readonly tables: readonly string[]
  readonly plan: (
    header: readonly string[],
    map?: Readonly<Partial<Record<string, string>>>,
  ) =>
    | { readonly ok: true; readonly plan: ColumnPlan<F> }
    | { readonly ok: false; readonly message: string }
  readonly parseRow: (
    plan: ColumnPlan<F>,
    cells: readonly string[],
  ) => { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }
  readonly makeWriter: (plan: ColumnPlan<F>) => CatalogBatchWriter<T>
}

/**
 * The shared frame of the catalog and customer imports: stream the CSV, plan columns from the
 * header, parse each row (skips reported with their line), write in batches in one transaction.
 */
export async function importCatalogFile<F extends string, T>(
  deps: ImportDeps,
  path: string,
  options: ImportCatalogOptions,
  spec: CatalogFileKind<F, T>,
): Promise<ImportReport> {
  const started = performance.now()
  try {
    await access(path)
  } catch {
    throw invalidInput(`cannot read ${path}`)
  }
  const file = await openRecordFile(path, 'csv')
  const tally = new ImportTally()
  const batchRows = options.batchRows ?? 5000
  const nowMs = deps.clock.now()
  await deps.store.db.transaction().execute(async (trx) => {
    const bulk = new BulkStatements(trx, deps.store.capabilities, deps.store.sqlite)
    let columns: ColumnPlan<F> | null = null
    let write: CatalogBatchWriter<T> | null = null
    let batch: { line: number; value: T }[] = []
    const flush = async (): Promise<void> => {
      if (write !== null && batch.length > 0) await write(trx, bulk, batch, tally, nowMs)
      batch = []
      options.onProgress?.({
        rowsRead: tally.rowsRead,
        bytesRead: file.bytesRead(),
        totalBytes: file.totalBytes,
      })
    }
    for await (const record of file.records) {
      if ('malformed' in record) {
        tally.rowsRead += 1
        tally.skip('malformed_record', record.line, true)
        continue
      }
      if (columns === null) {
        const planned = spec.plan(record.cells, options.map)
        if (!planned.ok) throw invalidInput(planned.message)
        columns = planned.plan
        write = spec.makeWriter(columns)
        continue
      }
      tally.rowsRead += 1
      const parsed = spec.parseRow(columns, record.cells)
      if (!parsed.ok) {
        tally.skip(parsed.reason, record.line, true)
        continue
      }
      batch.push({ line: record.line, value: parsed.value })
      if (batch.length >= batchRows) await flush()
    }
    await flush()
  })
  return tally.report(path, spec.kind, performance.now() - started, spec.tables)
}
