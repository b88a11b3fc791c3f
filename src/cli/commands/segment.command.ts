import { readFile } from 'node:fs/promises'
import { Command } from 'commander'
import { invalidInput, RequestError } from '../../core/errors.js'
import {
  previewMatching,
  type SegmentSampleRow,
} from '../../customize/segments/compile-segment-rule.js'
import type { SegmentRuleError } from '../../customize/segments/parse-segment-rule.js'
import { refreshModeOf } from '../../customize/segments/segment-rule.js'
import { unwrapSegmentResult } from '../../customize/segments/segment-request-error.js'
import {
  createSegment,
  deleteSegment,
  getSegment,
  refreshAllSegments,
  refreshDueSegments,
  refreshSegment,
  updateSegment,
  type RefreshOutcome,
} from '../../customize/segments/segment-service.js'
import { listSegmentMembers, listSegments } from '../../customize/segments/segments.repository.js'
import { validateSegmentRule } from '../../customize/segments/validate-segment-rule.js'
import {
  printResult,
  runWithStore,
  type CommandContext,
  type GlobalOptions,
} from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

interface RuleOptions {
  readonly rule?: string
  readonly file?: string
}

const when = (ms: number | null): string =>
  ms === null ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16)

/** The rule given with --rule JSON or --file PATH, parsed as JSON (checked later). */
async function readRule(options: RuleOptions, required: boolean): Promise<unknown> {
  if (options.rule !== undefined && options.file !== undefined) {
    throw invalidInput('Give the rule with --rule or --file, not both')
  }
  let text: string
  let source: string
  if (options.rule !== undefined) {
    text = options.rule
    source = '--rule'
  } else if (options.file !== undefined) {
    try {
      text = await readFile(options.file, 'utf8')
    } catch (error) {
      throw invalidInput(
        `Cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
    source = options.file
  } else {
    if (required) throw invalidInput('Give the rule with --rule JSON or --file rule.json')
    return undefined
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw invalidInput(
      `${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/**
 * Runs a segment command; a refused rule is printed problem by problem with its path (as JSON
 * with --json) and exits with EXIT.usage.
 */
async function runSegment(
  options: GlobalOptions,
  body: (ctx: CommandContext) => Promise<ExitCode | undefined>,
): Promise<void> {
  await runWithStore(options, async (ctx) => {
    try {
      return await body(ctx)
    } catch (error) {
      if (error instanceof RequestError && error.code === 'invalid_segment_rule' && !ctx.json) {
        const { errors } = error.details as { errors: readonly SegmentRuleError[] }
        console.error('idic: the segment rule is invalid:')
        for (const e of errors) console.error(`  ${e.path}: ${e.message}`)
        return EXIT.usage
      }
      throw error
    }
  })
}

function sampleLines(sample: readonly SegmentSampleRow[]): string[] {
  return sample.map((s) => `  ${s.customerId}  ${s.email ?? '(no email)'}`)
}

function outcomeLines(outcomes: readonly RefreshOutcome[]): string {
  if (outcomes.length === 0) return 'No segment was due.'
  return outcomes
    .map((o) =>
      o.ok
        ? `${o.name.padEnd(28)} ${String(o.count).padStart(7)} members  +${o.added} −${o.removed}`
        : `${o.name.padEnd(28)} failed: ${o.error}`,
    )
    .join('\n')
}

const ruleOptions = (command: Command): Command =>
  command
    .option('--rule <json>', 'the rule as JSON, e.g. \'{"score":"tier","op":"eq","value":"mvc"}\'')
    .option('--file <path>', 'a file holding the rule as JSON')

const common = (command: Command): Command =>
  command.option('--json', 'print JSON').option('--database <url>', 'database URL')

export function segmentCommand(): Command {
  const segment = new Command('segment').description(
    'segments: rules over traits, events, orders, value and tastes, with members kept current',
  )

  common(
    ruleOptions(
      segment
        .command('preview')
        .description('count the customers a rule matches now and show a sample; stores nothing')
        .option('--sample <n>', 'customers to show', (v) => Number.parseInt(v, 10), 10),
    ),
  ).action(async (options: GlobalOptions & RuleOptions & { sample: number }) => {
    await runSegment(options, async (ctx) => {
      const rule = unwrapSegmentResult(
        await validateSegmentRule(ctx.store.db, await readRule(options, true)),
      )
      const preview = await previewMatching(
        ctx.store.db,
        rule,
        ctx.clock.now(),
        Math.max(0, options.sample),
      )
      const report = { ...preview, refreshMode: refreshModeOf(rule) }
      printResult(ctx, report, () =>
        [
          `${report.count} customers match (membership would be ${report.refreshMode}).`,
          ...(report.sample.length > 0 ? ['Sample:', ...sampleLines(report.sample)] : []),
        ].join('\n'),
      )
      return EXIT.ok
    })
  })

  common(
    ruleOptions(
      segment
        .command('create')
        .description('save a segment and compute its members')
        .requiredOption('--name <name>', 'a unique name')
        .option('--description <text>', 'what the segment is for'),
    ),
  ).action(
    async (options: GlobalOptions & RuleOptions & { name: string; description?: string }) => {
      await runSegment(options, async (ctx) => {
        const rule = await readRule(options, true)
        const created = unwrapSegmentResult(
          await createSegment(
            ctx.store.db,
            { name: options.name, description: options.description, rule },
            ctx.clock.now(),
          ),
        )
        const sample = await listSegmentMembers(ctx.store.db, created.id, { limit: 5 })
        printResult(ctx, { ...created, sample: sample.members }, () =>
          [
            `Segment ${created.name} (${created.id}): ${created.memberCount} members, ${created.refreshMode}.`,
            ...sampleLines(sample.members),
          ].join('\n'),
        )
        return EXIT.ok
      })
    },
  )

  common(
    ruleOptions(
      segment
        .command('update')
        .description('change a segment’s name, description or rule (a new rule recomputes members)')
        .argument('<segment>', 'segment id or name')
        .option('--name <name>', 'a new name')
        .option('--description <text>', 'a new description'),
    ),
  ).action(
    async (
      idOrName: string,
      options: GlobalOptions & RuleOptions & { name?: string; description?: string },
    ) => {
      await runSegment(options, async (ctx) => {
        const rule = await readRule(options, false)
        const updated = unwrapSegmentResult(
          await updateSegment(
            ctx.store.db,
            idOrName,
            { name: options.name, description: options.description, rule },
            ctx.clock.now(),
          ),
        )
        printResult(
          ctx,
          updated,
          () => `Segment ${updated.name}: ${updated.memberCount} members, ${updated.refreshMode}.`,
        )
        return EXIT.ok
      })
    },
  )

  common(segment.command('list').description('list segments with member counts')).action(
    async (options: GlobalOptions) => {
      await runSegment(options, async (ctx) => {
        const all = await listSegments(ctx.store.db)
        printResult(ctx, all, () =>
          all.length === 0
            ? 'No segments yet. Try: idic segment preview --rule \'{"score":"tier","op":"eq","value":"mvc"}\''
            : all
                .map(
                  (s) =>
                    `${s.id}  ${s.name.padEnd(28)} ${String(s.memberCount).padStart(7)} members  ` +
                    `${s.refreshMode.padEnd(9)} refreshed ${when(s.refreshedAt)}`,
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    },
  )

  common(
    segment
      .command('show')
      .description('a segment’s rule, counts and first members')
      .argument('<segment>', 'segment id or name')
      .option('--members <n>', 'members to list', (v) => Number.parseInt(v, 10), 10),
  ).action(async (idOrName: string, options: GlobalOptions & { members: number }) => {
    await runSegment(options, async (ctx) => {
      const found = unwrapSegmentResult(await getSegment(ctx.store.db, idOrName))
      const page = await listSegmentMembers(ctx.store.db, found.id, {
        limit: Math.max(1, Math.min(1000, options.members)),
      })
      printResult(ctx, { ...found, members: page.members }, () =>
        [
          `${found.name} (${found.id})${found.description === '' ? '' : `: ${found.description}`}`,
          `${found.memberCount} members, ${found.refreshMode}, refreshed ${when(found.refreshedAt)}`,
          `rule: ${JSON.stringify(found.rule)}`,
          ...sampleLines(page.members),
        ].join('\n'),
      )
      return EXIT.ok
    })
  })

  common(
    segment
      .command('refresh')
      .description('recompute members: one segment, --all, or (neither) the ones that are due')
      .argument('[segment]', 'segment id or name')
      .option('--all', 'every segment'),
  ).action(async (idOrName: string | undefined, options: GlobalOptions & { all?: boolean }) => {
    await runSegment(options, async (ctx) => {
      if (idOrName !== undefined && options.all === true) {
        throw invalidInput('Give a segment or --all, not both')
      }
      const now = ctx.clock.now()
      let outcomes: readonly RefreshOutcome[]
      if (idOrName !== undefined) {
        const found = unwrapSegmentResult(await getSegment(ctx.store.db, idOrName))
        outcomes = [{ ok: true, ...(await refreshSegment(ctx.store.db, found, now)) }]
      } else if (options.all === true) {
        outcomes = await refreshAllSegments(ctx.store.db, now)
      } else {
        outcomes = await refreshDueSegments(ctx.store.db, now, {
          intervalMs: ctx.config.segmentRefreshSeconds * 1000,
        })
      }
      printResult(ctx, outcomes, () => outcomeLines(outcomes))
      return outcomes.some((o) => !o.ok) ? EXIT.partial : EXIT.ok
    })
  })

  common(
    segment
      .command('delete')
      .description('delete a segment and its memberships')
      .argument('<segment>', 'segment id or name'),
  ).action(async (idOrName: string, options: GlobalOptions) => {
    await runSegment(options, async (ctx) => {
      const deleted = unwrapSegmentResult(await deleteSegment(ctx.store.db, idOrName))
      printResult(ctx, { deleted: deleted.id }, () => `Deleted segment ${deleted.name}.`)
      return EXIT.ok
    })
  })

  return segment
}
