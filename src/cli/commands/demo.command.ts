import cliProgress from 'cli-progress'
import { Command, InvalidArgumentError } from 'commander'
import { loadDemoShop, type DemoReport } from '../../identify/demo/load-demo-shop.js'
import type { Store } from '../../store/engine.js'
import type { Clock } from '../../core/clock.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

export const DEFAULT_DEMO_CUSTOMERS = 2000
export const DEFAULT_DEMO_SEED = 1

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a non-negative integer')
  return n
}

/** Loads the demo shop, with a progress bar when stdout is a terminal and not --json. */
export async function runDemo(
  deps: { readonly store: Store; readonly clock: Clock },
  options: { readonly customers: number; readonly seed: number; readonly json: boolean },
): Promise<DemoReport> {
  const bar =
    options.json || !process.stdout.isTTY
      ? null
      : new cliProgress.SingleBar(
          {
            format:
              'demo shop [{bar}] {percentage}% | {value}/{total} people | {eta_formatted} left',
          },
          cliProgress.Presets.shades_classic,
        )
  bar?.start(options.customers + Math.floor(options.customers / 5), 0)
  try {
    return await loadDemoShop(deps, {
      customers: options.customers,
      seed: options.seed,
      onProgress: (done) => bar?.update(done),
    })
  } finally {
    bar?.stop()
  }
}

export function renderDemoReport(report: DemoReport): string {
  const n = (value: number): string => value.toLocaleString('en-US')
  return [
    `Demo shop (seed ${report.seed}) loaded in ${(report.elapsedMs / 1000).toFixed(1)} s:`,
    `  ${n(report.customers)} customers, ${n(report.anonymousVisitors)} anonymous visitors, ${n(report.products)} products`,
    `  ${n(report.orders)} orders in ${n(report.events)} events (${n(report.eventsPerSecond)} events/s)` +
      (report.duplicates > 0 ? `, ${n(report.duplicates)} already loaded` : ''),
  ].join('\n')
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'fill the database with a believable demo shop (customers, catalog, browsing, orders, likes),\n' +
        'sent through the real event ingestion. Same seed, same shop; loading it again adds nothing.',
    )
    .option('--customers <n>', 'how many customers', positiveInt, DEFAULT_DEMO_CUSTOMERS)
    .option('--seed <s>', 'random seed', nonNegativeInt, DEFAULT_DEMO_SEED)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL (default: IDIC_DATABASE_URL or sqlite:./idic.db)')
    .action(async (options: GlobalOptions & { customers: number; seed: number }) => {
      await runWithStore(options, async (ctx) => {
        const report = await runDemo(ctx, {
          customers: options.customers,
          seed: options.seed,
          json: ctx.json,
        })
        printResult(ctx, report, () => renderDemoReport(report))
        return report.rejected > 0 ? EXIT.partial : EXIT.ok
      })
    })
}
