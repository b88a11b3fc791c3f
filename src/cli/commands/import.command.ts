import cliProgress from 'cli-progress'
import { Command, InvalidArgumentError, Option } from 'commander'
import { invalidInput } from '../../core/errors.js'
import { CUSTOMER_FIELDS, PRODUCT_FIELDS } from '../../identify/import/catalog-row.js'
import { importCustomers } from '../../identify/import/import-customers.js'
import { importOrders, type ImportProgress } from '../../identify/import/import-orders.js'
import { importProducts } from '../../identify/import/import-products.js'
import { renderImportReport, type ImportReport } from '../../identify/import/import-report.js'
import { ORDER_FIELDS, ORDER_FORMATS, type OrderFormat } from '../../identify/import/order-row.js'
import { attributeConversions } from '../../interact/attribute-conversions.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

function collectMap(value: string, previous: readonly string[]): string[] {
  if (!/^[a-z_]+=.+$/.test(value)) throw new InvalidArgumentError('expected FIELD=COLUMN')
  return [...previous, value]
}

/** `--map FIELD=COLUMN …` as a record, with every field checked against the known ones. */
function parseMap(entries: readonly string[], fields: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {}
  for (const entry of entries) {
    const at = entry.indexOf('=')
    const field = entry.slice(0, at)
    if (!fields.includes(field)) {
      throw invalidInput(`--map: unknown field "${field}"; fields are ${fields.join(', ')}`)
    }
    map[field] = entry.slice(at + 1)
  }
  return map
}

/** A progress bar on a terminal; nothing for --json or when stdout is a pipe or a file. */
function progressBar(json: boolean): {
  update: (progress: ImportProgress) => void
  stop: () => void
} {
  if (json || !process.stdout.isTTY) return { update: () => undefined, stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    {
      format: 'importing [{bar}] {percentage}% | {rows} rows | {eta_formatted} left',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update: (p) => {
      if (!started) {
        bar.start(p.totalBytes, 0, { rows: 0 })
        started = true
      }
      bar.update(p.bytesRead, { rows: p.rowsRead.toLocaleString('en-US') })
    },
    stop: () => {
      if (started) bar.stop()
      started = false
    },
  }
}

/** EXIT.partial when broken rows were skipped (the rest was imported), EXIT.ok otherwise. */
function finish(context: { readonly json: boolean }, report: ImportReport): ExitCode {
  printResult(context, report, () => renderImportReport(report))
  return report.brokenRows > 0 ? EXIT.partial : EXIT.ok
}

interface ImportFlags extends GlobalOptions {
  readonly map: string[]
}

export function importCommand(): Command {
  const command = new Command('import').description(
    'import order history, a product catalog or a customer list from CSV (plain or .gz)',
  )

  command
    .command('orders')
    .description(
      'import orders and order items; customers become user_id identities, unknown products are created.\n' +
        'All or nothing (one transaction); importing the same file again adds nothing.\n' +
        `Fields for --map: ${ORDER_FIELDS.join(', ')}`,
    )
    .argument('<file>', 'CSV file, CDNOW text file, or either gzip-compressed')
    .addOption(new Option('--format <format>', 'file layout').choices(ORDER_FORMATS).default('csv'))
    .option('--map <FIELD=COLUMN>', 'column of a field (repeatable)', collectMap, [])
    .option(
      '--currency <code>',
      'ISO 4217 currency of the amounts (default: GBP for online-retail, else USD)',
    )
    .option(
      '--time-zone <zone>',
      'IANA zone of timestamps without an offset (default: Europe/London for online-retail, else UTC)',
    )
    .option(
      '--keep-anonymous',
      'keep rows without a customer (each order becomes a guest customer)',
    )
    .option('--json', 'print the report as JSON')
    .option('--database <url>', 'database URL (default: IDIC_DATABASE_URL or sqlite:./idic.db)')
    .action(
      async (
        file: string,
        options: ImportFlags & {
          format: OrderFormat
          currency?: string
          timeZone?: string
          keepAnonymous?: boolean
        },
      ) => {
        await runWithStore(options, async (ctx) => {
          const bar = progressBar(ctx.json)
          try {
            const importStarted = ctx.clock.now()
            const report = await importOrders({ store: ctx.store, clock: ctx.clock }, file, {
              format: options.format,
              map: parseMap(options.map, ORDER_FIELDS),
              keepAnonymous: options.keepAnonymous === true,
              ...(options.currency === undefined ? {} : { currency: options.currency }),
              ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
              onProgress: bar.update,
            })
            bar.stop()
            // The new orders convert the marketing messages sent within the window before them.
            await attributeConversions(
              ctx.store.db,
              { createdSince: importStarted },
              { windowMs: ctx.config.attributionWindowMs, nowMs: ctx.clock.now() },
            )
            return finish(ctx, report)
          } finally {
            bar.stop()
          }
        })
      },
    )

  for (const [name, fields, run, help] of [
    [
      'products',
      PRODUCT_FIELDS,
      importProducts,
      'import a product catalog: id, name, category path, price, cost or margin, in stock, repeatable, attributes; other columns become attributes',
    ],
    [
      'customers',
      CUSTOMER_FIELDS,
      importCustomers,
      'import a customer list: id (a user_id identity), email; other columns become traits',
    ],
  ] as const) {
    command
      .command(name)
      .description(`${help}.\nFields for --map: ${fields.join(', ')}`)
      .argument('<file>', 'CSV file, plain or gzip-compressed')
      .option('--map <FIELD=COLUMN>', 'column of a field (repeatable)', collectMap, [])
      .option('--json', 'print the report as JSON')
      .option('--database <url>', 'database URL (default: IDIC_DATABASE_URL or sqlite:./idic.db)')
      .action(async (file: string, options: ImportFlags) => {
        await runWithStore(options, async (ctx) => {
          const bar = progressBar(ctx.json)
          try {
            const report = await run({ store: ctx.store, clock: ctx.clock }, file, {
              map: parseMap(options.map, fields),
              onProgress: bar.update,
            })
            bar.stop()
            return finish(ctx, report)
          } finally {
            bar.stop()
          }
        })
      })
  }
  return command
}
