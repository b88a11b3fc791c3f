import { Command } from 'commander'
import { getDatabaseStats } from '../../identify/customer-list.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

export function statsCommand(): Command {
  return new Command('stats')
    .description('count customers, events, orders, order items and products')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const stats = await getDatabaseStats(ctx.store.db)
        printResult(ctx, stats, () =>
          Object.entries(stats as unknown as Record<string, number>)
            .map(([name, n]) => `${name.padEnd(11)} ${n.toLocaleString('en-US')}`)
            .join('\n'),
        )
        return undefined
      })
    })
}
