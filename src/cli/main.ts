#!/usr/bin/env node
import { Command } from 'commander'
import { dbCommand } from './commands/db.command.js'
import { demoCommand } from './commands/demo.command.js'
import { importCommand } from './commands/import.command.js'
import { deliveriesCommand } from './commands/deliveries.command.js'
import { evaluateCommand } from './commands/evaluate.command.js'
import { keysCommand } from './commands/keys.command.js'
import { managerCommand } from './commands/manager.command.js'
import { offerCommand } from './commands/offer.command.js'
import { profileCommand } from './commands/profile.command.js'
import { reportCommand } from './commands/report.command.js'
import { scoreCommand } from './commands/score.command.js'
import { segmentCommand } from './commands/segment.command.js'
import { recommendCommand } from './commands/recommend.command.js'
import { serveCommand } from './commands/serve.command.js'
import { statsCommand } from './commands/stats.command.js'
import { trainCommand } from './commands/train.command.js'
import { templateCommand } from './commands/template.command.js'
import { campaignCommand } from './commands/campaign.command.js'
import { EXIT } from './exit-codes.js'

/** Usage errors anywhere in the command tree exit with EXIT.usage, help with EXIT.ok. */
function exitWithMeaning(command: Command): void {
  command.exitOverride((error) => {
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage)
  })
  for (const sub of command.commands) exitWithMeaning(sub)
}

/** The `idic` command: one subcommand per file in ./commands. */
export function buildProgram(): Command {
  const program = new Command('idic')
    .description(
      'idic: one-to-one marketing engine. Identify customers, differentiate them by value and needs,\n' +
        'interact with each, and customize what each is offered.\n\n' +
        'Database: IDIC_DATABASE_URL (default sqlite:./idic.db; postgres://… for scale).',
    )
    .version('0.1.0')
    .showHelpAfterError()
  for (const command of [
    serveCommand(),
    keysCommand(),
    profileCommand(),
    statsCommand(),
    importCommand(),
    demoCommand(),
    scoreCommand(),
    reportCommand(),
    dbCommand(),
    managerCommand(),
    deliveriesCommand(),
    recommendCommand(),
    trainCommand(),
    evaluateCommand(),
    templateCommand(),
    segmentCommand(),
    campaignCommand(),
    offerCommand(),
  ]) {
    program.addCommand(command)
  }
  exitWithMeaning(program)
  return program
}

await buildProgram().parseAsync(process.argv)
