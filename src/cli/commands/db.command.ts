import { Command } from 'commander'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { migrateToLatest } from '../../store/migrate.js'

export function dbCommand(): Command {
  const db = new Command('db').description('database maintenance')
  db.command('migrate')
    .description('bring the schema up to date (serve and every command also do this on start)')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const report = await migrateToLatest(ctx.store.db)
        printResult(ctx, report, () => 'Schema is up to date.')
        return undefined
      })
    })
  return db
}
