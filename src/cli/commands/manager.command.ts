import { Command } from 'commander'
import { assignManagers } from '../../interact/managers/assign-managers.js'
import {
  createManager,
  findManager,
  listManagers,
  listPortfolio,
} from '../../interact/managers/managers.repository.js'
import { runTaskRules } from '../../interact/managers/task-rules.js'
import {
  listTasks,
  TASK_STATUSES,
  type TaskStatus,
} from '../../interact/managers/tasks.repository.js'
import { notFound } from '../../core/errors.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16)

export function managerCommand(): Command {
  const manager = new Command('manager').description(
    'customer managers: portfolios of valuable customers and the tasks rules raise for them',
  )

  manager
    .command('create')
    .description(
      'add a manager (then give them a key: idic keys create --role manager --manager ID)',
    )
    .requiredOption('--name <name>', 'the manager’s name')
    .option('--email <email>', 'their email')
    .option('--capacity <n>', 'most customers they should own', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(
      async (options: GlobalOptions & { name: string; email?: string; capacity?: number }) => {
        await runWithStore(options, async (ctx) => {
          const created = await createManager(
            ctx.store.db,
            {
              name: options.name,
              email: options.email ?? null,
              capacity: options.capacity ?? null,
            },
            ctx.clock.now(),
          )
          printResult(ctx, created, () => `Manager ${created.name}: ${created.id}`)
          return EXIT.ok
        })
      },
    )

  manager
    .command('list')
    .description('list managers with their portfolio sizes')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const all = await listManagers(ctx.store.db)
        printResult(ctx, all, () =>
          all.length === 0
            ? 'No managers yet. Add one with: idic manager create --name "Ana"'
            : all
                .map(
                  (m) =>
                    `${m.id}  ${m.name.padEnd(20)} ${String(m.portfolioSize).padStart(5)} customers` +
                    (m.capacity === null ? '' : ` (capacity ${m.capacity})`),
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    })

  manager
    .command('assign')
    .description('assign most valuable and most growable customers to managers, balanced')
    .option(
      '--mvc-share <share>',
      'without value scores: top share of customers by revenue',
      Number.parseFloat,
      0.2,
    )
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { mvcShare: number }) => {
      await runWithStore(options, async (ctx) => {
        const report = await assignManagers(ctx.store.db, { mvcShare: options.mvcShare })
        printResult(ctx, report, () =>
          [
            `Tiers from ${report.tierSource}: ${report.assigned} assigned, ${report.kept} kept` +
              (report.unassigned.length > 0
                ? `, ${report.unassigned.length} left (no capacity)`
                : ''),
            ...Object.entries(report.perManager).map(([id, n]) => `  ${id}  ${n} customers`),
          ].join('\n'),
        )
        return report.unassigned.length > 0 ? EXIT.partial : EXIT.ok
      })
    })

  manager
    .command('rules')
    .description('run the task rules: P(alive) drop, negative feedback, unanswered questions')
    .option('--p-alive <p>', 'P(alive) threshold', Number.parseFloat, 0.5)
    .option('--unanswered-hours <h>', 'hours a question may wait', Number.parseFloat, 24)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { pAlive: number; unansweredHours: number }) => {
      await runWithStore(options, async (ctx) => {
        const reports = await runTaskRules(ctx.store.db, ctx.clock.now(), {
          pAliveThreshold: options.pAlive,
          unansweredHours: options.unansweredHours,
        })
        printResult(ctx, reports, () =>
          reports
            .map(
              (r) =>
                `${r.rule.padEnd(20)} ${r.skipped === null ? `${r.raised} raised` : `skipped: ${r.skipped}`}`,
            )
            .join('\n'),
        )
        return EXIT.ok
      })
    })

  manager
    .command('portfolio <managerId>')
    .description('a manager’s customers, most valuable first')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (managerId: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        if ((await findManager(ctx.store.db, managerId)) === null)
          throw notFound(`Manager "${managerId}"`)
        const customers = await listPortfolio(ctx.store.db, managerId)
        printResult(ctx, customers, () =>
          customers.length === 0
            ? 'No customers yet: run idic manager assign'
            : customers
                .map(
                  (c) =>
                    `${c.customerId}  ${(c.email ?? '').padEnd(28)} ${c.revenue.toFixed(2).padStart(10)}` +
                    `  open threads ${c.openThreads}, tasks ${c.openTasks}`,
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    })

  manager
    .command('tasks <managerId>')
    .description('a manager’s tasks, soonest due first')
    .option('--status <status>', `one of ${TASK_STATUSES.join(', ')}`, 'open')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (managerId: string, options: GlobalOptions & { status: string }) => {
      await runWithStore(options, async (ctx) => {
        if ((await findManager(ctx.store.db, managerId)) === null)
          throw notFound(`Manager "${managerId}"`)
        const status = (TASK_STATUSES as readonly string[]).includes(options.status)
          ? (options.status as TaskStatus)
          : 'open'
        const tasks = await listTasks(ctx.store.db, { managerId, status })
        printResult(ctx, tasks, () =>
          tasks.length === 0
            ? 'Nothing to do.'
            : tasks
                .map((t) => `${when(t.dueAt)}  ${t.rule.padEnd(20)} ${t.customerId}  ${t.reason}`)
                .join('\n'),
        )
        return EXIT.ok
      })
    })
  return manager
}
