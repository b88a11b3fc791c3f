import { writeFile } from 'node:fs/promises'
import { Command } from 'commander'
import { renderValueReport } from '../../differentiate/value/value-report.js'
import { loadValueReportInput } from '../../differentiate/value/value-queries.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

/** `idic report value --out FILE.html`: the value report as one self-contained HTML file. */
export function reportCommand(): Command {
  const report = new Command('report').description('write reports')
  report.addCommand(
    new Command('value')
      .description(
        'HTML report of the latest scoring run: value distribution, tier pyramid, P(alive) by\n' +
          'recency and frequency, calibration/holdout tracking curve (self-contained, no scripts)',
      )
      .requiredOption('--out <file>', 'where to write the HTML')
      .option('--json', 'print JSON')
      .option('--database <url>', 'database URL')
      .action(async (options: GlobalOptions & { out: string }) => {
        await runWithStore(options, async (ctx) => {
          const input = await loadValueReportInput(
            ctx.store.db,
            new Date(ctx.clock.now()).toISOString(),
          )
          const html = renderValueReport(input)
          await writeFile(options.out, html, 'utf8')
          printResult(
            ctx,
            { out: options.out, bytes: Buffer.byteLength(html), customers: input.customers.length },
            () => `Wrote ${options.out} (${input.customers.length} customers)`,
          )
          return undefined
        })
      }),
  )
  return report
}
