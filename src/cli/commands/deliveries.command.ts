import { Command } from 'commander'
import { closeChannels } from '../../interact/channel.js'
import { buildInteractDeps } from '../../interact/interact-deps.js'
import { processDueDeliveries } from '../../interact/process-due-deliveries.js'
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
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { limit: number }) => {
      await runWithStore(options, async (ctx) => {
        const deps = await buildInteractDeps(ctx.store, ctx.clock, ctx.config)
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
  return deliveries
}
