import { Command, Option } from 'commander'
import { invalidInput } from '../../core/errors.js'
import { attributeConversions } from '../../interact/attribute-conversions.js'
import { closeChannels } from '../../interact/channel.js'
import {
  parseReportPeriod,
  reportDeliveries,
  REPORT_KINDS,
  type DeliveryReport,
  type ReportKind,
} from '../../interact/delivery-report.js'
import { buildInteractDeps } from '../../interact/interact-deps.js'
import { processDueDeliveries, watchDueDeliveries } from '../../interact/process-due-deliveries.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description('outbound message deliveries')
  deliveries
    .command('process')
    .description(
      'send held messages whose time has come (frequency cap or quiet hours over), re-checking consent',
    )
    .option('--limit <n>', 'most deliveries to process', (v) => Number.parseInt(v, 10), 500)
    .option(
      '--watch',
      'keep running as a worker: a round every --every seconds until interrupted (several workers may run at once)',
    )
    .option('--every <seconds>', 'seconds between rounds with --watch', Number, 60)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { limit: number; watch?: boolean; every: number }) => {
      await runWithStore(options, async (ctx) => {
        if (!Number.isFinite(options.every) || options.every <= 0) {
          throw invalidInput('--every must be a positive number of seconds')
        }
        const deps = await buildInteractDeps(ctx.store, ctx.clock, ctx.config)
        if (options.watch === true) {
          const stop = new AbortController()
          const abort = () => {
            stop.abort()
          }
          process.once('SIGINT', abort)
          process.once('SIGTERM', abort)
          await watchDueDeliveries(deps, {
            everyMs: options.every * 1000,
            signal: stop.signal,
            limit: options.limit,
            onRound: (reports) => {
              for (const r of reports) {
                console.log(
                  ctx.json
                    ? JSON.stringify(r)
                    : `${r.deliveryId}  ${r.status.padEnd(9)} ${r.reason ?? ''}`,
                )
              }
            },
            onError: (error) => {
              console.error(`idic: ${error instanceof Error ? error.message : String(error)}`)
            },
          }).finally(() => {
            process.off('SIGINT', abort)
            process.off('SIGTERM', abort)
            return closeChannels(deps.channels)
          })
          return EXIT.ok
        }
        const reports = await processDueDeliveries(deps, { limit: options.limit }).finally(() =>
          closeChannels(deps.channels),
        )
        printResult(ctx, reports, () =>
          reports.length === 0
            ? 'Nothing due.'
            : reports
                .map((r) => `${r.deliveryId}  ${r.status.padEnd(9)} ${r.reason ?? ''}`)
                .join('\n'),
        )
        const failed = reports.some((r) => r.status === 'failed' || r.status === 'dead')
        return failed ? EXIT.partial : EXIT.ok
      })
    })
  deliveries
    .command('report')
    .description(
      'sent, opened, clicked and converted messages by channel and topic over a period, with the revenue credited to them',
    )
    .option('--from <date>', 'start (ISO date or date-time, UTC); default: --days before --to')
    .option('--to <date>', 'end, exclusive (default: now)')
    .option('--days <n>', 'days before --to when --from is not given', Number, 30)
    .addOption(
      new Option('--kind <kind>', 'marketing messages only, or all')
        .choices(REPORT_KINDS)
        .default('marketing'),
    )
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(
      async (
        options: GlobalOptions & { from?: string; to?: string; days: number; kind: ReportKind },
      ) => {
        await runWithStore(options, async (ctx) => {
          const period = parseReportPeriod(options, ctx.clock.now())
          if (!period.ok) throw invalidInput(`--${period.error.message}`)
          const report = await reportDeliveries(ctx.store.db, {
            ...period.value,
            kind: options.kind,
          })
          printResult(ctx, report, () => renderReport(report))
          return EXIT.ok
        })
      },
    )

  deliveries
    .command('attribute')
    .description(
      'credit orders (placed within the attribution window after a marketing message) to the messages; ingestion and `idic import orders` do this on their own',
    )
    .option('--since <date>', 'only orders stored since this date (default: all)')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { since?: string }) => {
      await runWithStore(options, async (ctx) => {
        const since =
          options.since === undefined
            ? 0
            : Date.parse(options.since.length === 10 ? `${options.since}T00:00:00Z` : options.since)
        if (!Number.isFinite(since))
          throw invalidInput(`--since: "${options.since ?? ''}" is not a date`)
        const converted = await attributeConversions(
          ctx.store.db,
          { createdSince: since },
          { windowMs: ctx.config.attributionWindowMs, nowMs: ctx.clock.now() },
        )
        printResult(ctx, { converted }, () =>
          converted.length === 0
            ? 'No new conversions.'
            : converted
                .map(
                  (c) =>
                    `${c.deliveryId}  order ${c.orderId}  ${c.revenue.toFixed(2)} ${c.currency}`,
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    })
  return deliveries
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`

function renderReport(report: DeliveryReport): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
  const head = `${report.kind === 'all' ? 'All messages' : 'Marketing'} sent ${day(report.from)} – ${day(report.to)} UTC`
  if (report.rows.length === 0) return `${head}\nNothing sent in this period.`
  const money = (list: DeliveryReport['total']['revenue']) =>
    list.map((r) => `${r.amount.toFixed(2)} ${r.currency}`).join(', ')
  const line = (label: string, r: DeliveryReport['total']) =>
    `${label.padEnd(28)} ${String(r.sent).padStart(7)} ${String(r.opened).padStart(7)} ${percent(r.openRate).padStart(6)} ` +
    `${String(r.clicked).padStart(7)} ${percent(r.clickRate).padStart(6)} ${String(r.converted).padStart(9)} ${percent(r.conversionRate).padStart(6)}  ${money(r.revenue)}`
  return [
    head,
    `${'channel / topic'.padEnd(28)} ${'sent'.padStart(7)} ${'opened'.padStart(7)} ${''.padStart(6)} ${'clicked'.padStart(7)} ${''.padStart(6)} ${'converted'.padStart(9)} ${''.padStart(6)}  revenue`,
    ...report.rows.map((r) => line(`${r.channel} / ${r.topic ?? '(none)'}`, r)),
    line('total', report.total),
  ].join('\n')
}
