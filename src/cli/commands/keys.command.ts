import { Command, Option } from 'commander'
import { ROLES, type Role } from '../../core/roles.js'
import { createApiKey, listApiKeys, revokeApiKey } from '../../store/api-keys.repository.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

export function keysCommand(): Command {
  const keys = new Command('keys').description('create, list and revoke API keys')

  keys
    .command('create')
    .description('create a key and print it (shown once; only its hash is stored)')
    .requiredOption('--name <name>', 'what the key is for, e.g. "website" or "Ana (manager)"')
    .addOption(
      new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory(),
    )
    .option('--manager <id>', 'for --role manager: the manager id the key acts as')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL (default: IDIC_DATABASE_URL or sqlite:./idic.db)')
    .action(async (options: GlobalOptions & { name: string; role: Role; manager?: string }) => {
      await runWithStore(options, async (ctx) => {
        const created = await createApiKey(
          ctx.store.db,
          { name: options.name, role: options.role, managerId: options.manager ?? null },
          ctx.clock.now(),
        )
        printResult(
          ctx,
          { key: created.key, id: created.id, name: created.name, role: created.role },
          () =>
            [
              `${created.role} key "${created.name}" (${created.id}):`,
              '',
              `  ${created.key}`,
              '',
              created.role === 'write'
                ? 'Use it as the write key of a Segment or RudderStack SDK (HTTP Basic user name).'
                : 'Send it as "Authorization: Bearer <key>". It is shown only this once.',
            ].join('\n'),
        )
        return EXIT.ok
      })
    })

  keys
    .command('list')
    .description('list live keys (never their secrets)')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const all = await listApiKeys(ctx.store.db)
        printResult(ctx, all, () =>
          all.length === 0
            ? 'No keys yet. Create one with: idic keys create --name website --role write'
            : all.map((k) => `${k.id}  ${k.role.padEnd(8)} ${k.name}`).join('\n'),
        )
        return EXIT.ok
      })
    })

  keys
    .command('revoke <id>')
    .description('revoke a key by its id')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (id: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const revoked = await revokeApiKey(ctx.store.db, id, ctx.clock.now())
        printResult(ctx, { id, revoked }, () => (revoked ? `Revoked ${id}` : `No live key ${id}`))
        return revoked ? EXIT.ok : EXIT.notFound
      })
    })
  return keys
}
