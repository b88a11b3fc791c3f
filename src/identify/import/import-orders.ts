import { access } from 'node:fs/promises'
import type { Clock } from '../../core/clock.js'
import { invalidInput } from '../../core/errors.js'
import type { Store } from '../../store/engine.js'
import { ImportTally, type ImportReport } from './import-report.js'
import { ORDER_IMPORT_TABLES, OrderImportWriter } from './order-import-writer.js'
import { HeaderError, isBrokenReason, type OrderField, type OrderFormat } from './order-row.js'
import { isTimeZone } from './parse-timestamp.js'
import type { ReadOrderBatchesOptions } from './order-batches.js'
import { readOrderBatchesInWorker } from './order-batches-in-worker.js'

export interface ImportDeps {
  readonly store: Store
  readonly clock: Clock
}

export interface ImportProgress {
  readonly rowsRead: number
  readonly bytesRead: number
  readonly totalBytes: number
}

export interface ImportOrdersOptions {
  readonly format: OrderFormat
  readonly map?: Readonly<Partial<Record<OrderField, string>>>
  /** ISO 4217 code for the amounts; defaults to the layout's (GBP, USD). */
  readonly currency?: string
  readonly keepAnonymous?: boolean
  /** Zone of timestamps without an offset; defaults to the layout's. */
  readonly timeZone?: string
  /** Rows per write batch. */
  readonly batchRows?: number
  readonly onProgress?: (progress: ImportProgress) => void
}

/** What each layout assumes when the command line says nothing. */
const FORMAT_DEFAULTS: Readonly<Record<OrderFormat, { currency: string; timeZone: string }>> = {
  // UCI Online Retail: amounts in pounds sterling, InvoiceDate in UK local time.
  'online-retail': { currency: 'GBP', timeZone: 'Europe/London' },
  cdnow: { currency: 'USD', timeZone: 'UTC' },
  csv: { currency: 'USD', timeZone: 'UTC' },
}

const DEFAULT_BATCH_ROWS = 10_000

/**
 * Imports an order history file (plain or gzip) as orders, order items, returns, customers and
 * products, streaming it in batches so memory stays flat whatever the file's size.
 *
 * All or nothing: the whole import runs in one transaction, so a failure (the database, a
 * truncated gzip, an interrupt) leaves the database as it was, and running the command again
 * starts over. Broken rows are not failures: they are counted in the report with their line
 * numbers and the rest is imported. Every write is keyed (see OrderImportWriter), so importing the
 * same file again adds nothing.
 */
export async function importOrders(
  deps: ImportDeps,
  path: string,
  options: ImportOrdersOptions,
): Promise<ImportReport> {
  const started = performance.now()
  const defaults = FORMAT_DEFAULTS[options.format]
  const currency = (options.currency ?? defaults.currency).toUpperCase()
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw invalidInput(`--currency must be a three-letter ISO 4217 code, not "${currency}"`)
  }
  const timeZone = options.timeZone ?? defaults.timeZone
  if (!isTimeZone(timeZone)) throw invalidInput(`unknown time zone "${timeZone}"`)
  try {
    await access(path)
  } catch {
    throw invalidInput(`cannot read ${path}`)
  }
  const readOptions: ReadOrderBatchesOptions = {
    format: options.format,
    ...(options.map === undefined ? {} : { map: options.map }),
    keepAnonymous: options.keepAnonymous === true,
    timeZone,
    batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
  }
  const batches = readOrderBatchesInWorker(path, readOptions)
  const tally = new ImportTally()
  try {
    await deps.store.db.transaction().execute(async (trx) => {
      const writer = new OrderImportWriter(
        trx,
        deps.store.capabilities,
        deps.store.sqlite,
        { currency, nowMs: deps.clock.now() },
        tally,
      )
      for await (const batch of batches) {
        tally.rowsRead += batch.rowsRead
        for (const { reason, line } of batch.skips) tally.skip(reason, line, isBrokenReason(reason))
        if (batch.lines.length > 0) await writer.write(batch.lines)
        options.onProgress?.({
          rowsRead: tally.rowsRead,
          bytesRead: batch.bytesRead,
          totalBytes: batch.totalBytes,
        })
      }
    })
  } catch (error) {
    if (error instanceof HeaderError) throw invalidInput(error.message)
    throw error
  }
  return tally.report(path, options.format, performance.now() - started, ORDER_IMPORT_TABLES)
}
