import { readFile, writeFile } from 'node:fs/promises'
import cliProgress from 'cli-progress'
import { Command, InvalidArgumentError } from 'commander'
import { notFound, RequestError } from '../../core/errors.js'
import { closeChannels } from '../../interact/channel.js'
import { buildInteractDeps } from '../../interact/interact-deps.js'
import { CAMPAIGN_STATUSES, type Campaign } from '../../customize/campaigns/campaign-definition.js'
import type { CampaignDeps } from '../../customize/campaigns/campaign-ports.js'
import {
  renderCampaignReportHtml,
  renderComparisonHtml,
} from '../../customize/campaigns/campaign-report-html.js'
import {
  campaignReport,
  compareStrategies,
  type CampaignReport,
  type ReportInterval,
  type StrategyComparison,
} from '../../customize/campaigns/campaign-report.js'
import { buildCampaignDeps } from '../../customize/campaigns/campaign-services.js'
import { runCampaignWorker, type WorkerReport } from '../../customize/campaigns/campaign-worker.js'
import {
  campaignProgress,
  getCampaign,
  listCampaigns,
} from '../../customize/campaigns/campaigns.repository.js'
import { countJobs } from '../../customize/campaigns/job-queue.js'
import {
  CAMPAIGN_QUEUE,
  createCampaign,
  launchCampaign,
} from '../../customize/campaigns/launch-campaign.js'
import {
  printResult,
  runWithStore,
  type CommandContext,
  type GlobalOptions,
} from '../command-context.js'
import { EXIT } from '../exit-codes.js'

function share(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be from 0 to 1')
  return n
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

function variant(value: string, previous: { segmentId: string; templateName: string }[] = []) {
  const at = value.indexOf('=')
  if (at <= 0 || at === value.length - 1) {
    throw new InvalidArgumentError('expected SEGMENT=TEMPLATE')
  }
  return [...previous, { segmentId: value.slice(0, at), templateName: value.slice(at + 1) }]
}

async function withCampaignDeps<T>(
  ctx: CommandContext,
  body: (deps: CampaignDeps) => Promise<T>,
): Promise<T> {
  const interact = await buildInteractDeps(ctx.store, ctx.clock, ctx.config)
  try {
    const settings = ctx.config.templates
    return await body(buildCampaignDeps(ctx.store, interact, settings))
  } finally {
    await closeChannels(interact.channels)
  }
}

function campaignLine(c: Campaign): string {
  return `${c.id}  ${c.status.padEnd(9)} ${c.strategy.padEnd(14)} ${c.channel}/${c.topic}  ${c.name}`
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`)
const num = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(2))
const ci = (i: ReportInterval, f: (v: number | null) => string): string =>
  `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`

export function renderReportText(report: CampaignReport): string {
  const c = report.campaign
  const lines = [
    `Campaign ${c.name} (${c.id}) · ${c.strategy} · ${c.channel}/${c.topic} · ${c.status}`,
    `Attribution: ${report.attribution.days} days (${report.attribution.basis}; ${report.attribution.closed ? 'closed' : 'open'})`,
    ...(c.pilotDecision === null
      ? []
      : [
          `Pilot decision: ${c.pilotDecision.promoted ? 'rest sent' : 'rest not sent'}: ${c.pilotDecision.reason}`,
        ]),
    '',
    'group                                  customers  converted  conversion [95% CI]            revenue/customer [95% CI]',
  ]
  for (const g of report.groups) {
    lines.push(
      `${g.label.padEnd(38)} ${String(g.customers).padStart(9)}  ${String(g.conversions).padStart(9)}  ${ci(g.conversionRate, pct).padEnd(30)} ${ci(g.revenuePerCustomer, num)}`,
    )
  }
  const uplift = (label: string, u: CampaignReport['uplift']): void => {
    if (u === null) return
    lines.push(
      `${label} (against ${u.against}): conversion ${ci(u.conversion, pct)}, relative ${ci(u.relativeLift, pct)}, revenue/customer ${ci(u.revenuePerCustomer, num)}, incremental revenue ${ci(u.incrementalRevenue, num)}`,
    )
  }
  lines.push('')
  uplift('Uplift over the holdout', report.uplift)
  uplift('Pilot uplift', report.pilotUplift)
  uplift('Rest uplift', report.restUplift)
  for (const v of report.variants) uplift(`Variant ${v.segmentId}`, v.uplift)
  lines.push(
    '',
    `Sends: ${Object.entries(report.sends)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  )
  return lines.join('\n')
}

export function renderComparisonText(comparison: StrategyComparison): string {
  const lines = [
    'strategy        treated  holdout  conversion uplift [95% CI]       revenue/customer uplift [95% CI]   campaign',
  ]
  for (const r of comparison.rows) {
    lines.push(
      `${r.strategy.padEnd(15)} ${String(r.treated).padStart(7)}  ${String(r.held).padStart(7)}  ${(r.uplift === null ? 'n/a' : ci(r.uplift.conversion, pct)).padEnd(32)} ${(r.uplift === null ? 'n/a' : ci(r.uplift.revenuePerCustomer, num)).padEnd(34)} ${r.name} (${r.campaignId})`,
    )
  }
  const w = comparison.winner
  lines.push(
    '',
    w === null
      ? 'No campaign has an uplift estimate yet.'
      : `Largest revenue uplift per treated customer: ${w.strategy} (${w.campaignId}), ${w.revenuePerCustomerUplift.toFixed(2)}${w.significant ? '' : ' — its interval includes zero'}`,
  )
  return lines.join('\n')
}

/** Works off due sends with a progress bar on a terminal. */
async function processWithProgress(
  ctx: CommandContext,
  deps: CampaignDeps,
  options: { maxJobs?: number; batch: number; concurrency: number },
): Promise<WorkerReport> {
  const counts = await countJobs(ctx.store.db, CAMPAIGN_QUEUE)
  const total = Math.min(counts.queued + counts.running, options.maxJobs ?? Infinity)
  const bar =
    ctx.json || !process.stdout.isTTY || total === 0
      ? null
      : new cliProgress.SingleBar(
          {
            format:
              'campaign sends [{bar}] {percentage}% | {value}/{total} | sent {sent} held {held} skipped {skipped} failed {failed} | {eta_formatted} left',
          },
          cliProgress.Presets.shades_classic,
        )
  bar?.start(total, 0, { sent: 0, held: 0, skipped: 0, failed: 0 })
  try {
    return await runCampaignWorker(deps, {
      workerId: `cli-${process.pid}`,
      batchSize: options.batch,
      concurrency: options.concurrency,
      ...(options.maxJobs === undefined ? {} : { maxJobs: options.maxJobs }),
      onProgress: (r) => {
        bar?.update(Math.min(r.claimed, total), {
          sent: r.sent,
          held: r.held,
          skipped: r.skipped,
          failed: r.failed,
        })
      },
    })
  } finally {
    bar?.stop()
  }
}

/** `idic campaign create|list|show|launch|process|report|compare`. */
export function campaignCommand(): Command {
  const campaign = new Command('campaign').description(
    'campaigns with a targeting strategy (mass, concentrated, differentiated, one-to-one), a\n' +
      'holdout, and uplift reports',
  )

  campaign
    .command('create')
    .description(
      'create a draft campaign from flags or a JSON file (--file); every problem is listed\n' +
        'before anything is stored: unknown or invalid templates, unknown or empty segments,\n' +
        'no consenting customer, offers with a negative margin',
    )
    .option('--file <file>', 'campaign as JSON (the API body); flags below override it')
    .option('--name <name>', 'campaign name')
    .option('--strategy <s>', 'mass | concentrated | differentiated | one-to-one')
    .option('--channel <c>', 'email | webhook | in_app')
    .option('--topic <t>', 'consent topic the messages go out under')
    .option('--template <name>', 'template (mass, concentrated, one-to-one)')
    .option('--segment <id>', 'segment id or name (concentrated)')
    .option('--variant <segment=template>', 'differentiated: repeat, first match wins', variant)
    .option('--holdout <share>', 'holdout share, stratified by tier (default 0.1)', share)
    .option(
      '--attribution-days <n>',
      'days that orders count after a customer is due: the launch, or the end of the pilot wait (default 14)',
      positiveInt,
    )
    .option('--seed <seed>', 'holdout draw seed (default: the campaign id)')
    .option('--pilot <share>', 'send first to this share of the treated, the most active', share)
    .option('--pilot-wait-hours <h>', 'hours the rest waits after the pilot', Number)
    .option(
      '--pilot-promote-if <rule>',
      'send the rest: always (default); not-worse: unless the pilot did significantly worse than its holdout counterpart; better: only if significantly better',
    )
    .option(
      '--pilot-promote-on <metric>',
      'the uplift the rule judges: conversion (default), revenue, or feedback (likes minus skips and dismissals per customer)',
    )
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(
      async (
        options: GlobalOptions & {
          file?: string
          name?: string
          strategy?: string
          channel?: string
          topic?: string
          template?: string
          segment?: string
          variant?: { segmentId: string; templateName: string }[]
          holdout?: number
          attributionDays?: number
          seed?: string
          pilot?: number
          pilotWaitHours?: number
          pilotPromoteIf?: string
          pilotPromoteOn?: string
        },
      ) => {
        await runWithStore(options, async (ctx) => {
          let base: Record<string, unknown> = {}
          if (options.file !== undefined) {
            const parsed: unknown = JSON.parse(await readFile(options.file, 'utf8'))
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
              throw new RequestError(
                'invalid_input',
                400,
                `${options.file} must hold a JSON object`,
              )
            }
            base = parsed as Record<string, unknown>
          }
          const set = (key: string, value: unknown): void => {
            if (value !== undefined) base[key] = value
          }
          set('name', options.name)
          set('strategy', options.strategy)
          set('channel', options.channel)
          set('topic', options.topic)
          set('templateName', options.template)
          set('segmentId', options.segment)
          set('variants', options.variant)
          set('holdoutShare', options.holdout)
          set('attributionDays', options.attributionDays)
          set('seed', options.seed)
          const pilotOnly = [
            ['--pilot-wait-hours', options.pilotWaitHours],
            ['--pilot-promote-if', options.pilotPromoteIf],
            ['--pilot-promote-on', options.pilotPromoteOn],
          ] as const
          // Flags refine the file's pilot, if it has one, or the one --pilot starts.
          const filePilot =
            typeof base['pilot'] === 'object' && base['pilot'] !== null
              ? (base['pilot'] as Record<string, unknown>)
              : null
          for (const [flag, value] of pilotOnly) {
            if (value !== undefined && options.pilot === undefined && filePilot === null) {
              throw new RequestError('invalid_input', 400, `${flag} needs --pilot <share>`)
            }
          }
          if (options.pilot !== undefined || filePilot !== null) {
            set('pilot', {
              ...filePilot,
              ...(options.pilot === undefined ? {} : { share: options.pilot }),
              ...(options.pilotWaitHours === undefined
                ? {}
                : { waitHours: options.pilotWaitHours }),
              ...(options.pilotPromoteIf === undefined
                ? {}
                : { promoteIf: options.pilotPromoteIf }),
              ...(options.pilotPromoteOn === undefined
                ? {}
                : { promoteOn: options.pilotPromoteOn }),
            })
          }
          const created = await withCampaignDeps(ctx, (deps) =>
            createCampaign(deps, base, ctx.clock.now()),
          )
          if (!created.ok) {
            const problems = created.error.problems
            throw new RequestError(
              'invalid_campaign',
              400,
              `The campaign has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems
                .map((p) => `  ${p.path === '' ? '(campaign)' : p.path}: ${p.message}`)
                .join('\n')}`,
              { problems },
            )
          }
          printResult(ctx, created.value, () => `Created ${campaignLine(created.value)}`)
          return EXIT.ok
        })
      },
    )

  campaign
    .command('list')
    .description('campaigns, newest first')
    .option('--status <s>', `only one status: ${CAMPAIGN_STATUSES.join(', ')}`)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { status?: string }) => {
      await runWithStore(options, async (ctx) => {
        const status = CAMPAIGN_STATUSES.find((s) => s === options.status)
        if (options.status !== undefined && status === undefined) {
          throw new RequestError(
            'invalid_input',
            400,
            `--status must be one of ${CAMPAIGN_STATUSES.join(', ')}`,
          )
        }
        const campaigns = await listCampaigns(ctx.store.db, status === undefined ? {} : { status })
        printResult(ctx, { campaigns }, () =>
          campaigns.length === 0 ? 'No campaigns.' : campaigns.map(campaignLine).join('\n'),
        )
        return EXIT.ok
      })
    })

  campaign
    .command('show <id>')
    .description('a campaign and its progress')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (id: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const found = await getCampaign(ctx.store.db, id)
        if (found === null) throw notFound(`Campaign "${id}"`)
        const progress = await campaignProgress(ctx.store.db, id)
        printResult(ctx, { campaign: found, progress }, () =>
          [
            campaignLine(found),
            ...Object.entries(progress).map(([k, n]) => `  ${k.padEnd(24)} ${n}`),
          ].join('\n'),
        )
        return EXIT.ok
      })
    })

  campaign
    .command('launch <id>')
    .description('assign treatment and holdout (stratified by tier) and queue the sends')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (id: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const result = await withCampaignDeps(ctx, (deps) =>
          launchCampaign(deps, id, ctx.clock.now()),
        )
        if (!result.ok) {
          const e = result.error
          if (e.type === 'not_found') throw notFound(`Campaign "${id}"`)
          if (e.type === 'not_launchable') {
            throw new RequestError(
              'campaign_not_draft',
              409,
              `Campaign ${id} is ${e.status}; only a draft launches`,
            )
          }
          throw new RequestError(
            'invalid_campaign',
            400,
            `The campaign has ${e.problems.length} problem(s):\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
            { problems: e.problems },
          )
        }
        const r = result.value
        printResult(ctx, r, () =>
          [
            `Launched ${r.campaignId}: ${r.eligible} eligible of ${r.consenting} consenting; ${r.treatment} treatment (${r.pilot} in the pilot), ${r.holdout} holdout; ${r.enqueued} sends queued.`,
            ...Object.entries(r.strata).map(
              ([s, n]) => `  ${s.padEnd(16)} treatment ${n.treatment}, holdout ${n.holdout}`,
            ),
            'Send them with: idic campaign process (or keep idic serve running)',
          ].join('\n'),
        )
        return EXIT.ok
      })
    })

  campaign
    .command('process')
    .description('send the campaign messages that are due (retries included), with a progress bar')
    .option('--max-jobs <n>', 'stop after this many sends', positiveInt)
    .option('--batch <n>', 'sends per batch (contexts are built per batch)', positiveInt, 200)
    .option('--concurrency <n>', 'sends in flight at once (helps on PostgreSQL)', positiveInt, 1)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(
      async (options: GlobalOptions & { maxJobs?: number; batch: number; concurrency: number }) => {
        await runWithStore(options, async (ctx) => {
          const report = await withCampaignDeps(ctx, (deps) =>
            processWithProgress(ctx, deps, {
              batch: options.batch,
              concurrency: options.concurrency,
              ...(options.maxJobs === undefined ? {} : { maxJobs: options.maxJobs }),
            }),
          )
          printResult(ctx, report, () =>
            report.claimed === 0
              ? 'Nothing due.'
              : `Processed ${report.claimed}: sent ${report.sent}, held ${report.held}, dropped ${report.dropped}, skipped ${report.skipped}, failed ${report.failed}, retried later ${report.retried}, already sent ${report.duplicates}`,
          )
          return report.failed > 0 ? EXIT.partial : EXIT.ok
        })
      },
    )

  campaign
    .command('report <id>')
    .description('groups, sends and uplift with 95% CIs; --out writes a self-contained HTML report')
    .option('--out <file>', 'write the HTML report (inline SVG charts, no scripts) here')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (id: string, options: GlobalOptions & { out?: string }) => {
      await runWithStore(options, async (ctx) => {
        const report = await campaignReport(ctx.store.db, id, ctx.clock.now())
        if (options.out !== undefined) {
          await writeFile(options.out, renderCampaignReportHtml(report), 'utf8')
        }
        printResult(
          ctx,
          report,
          () =>
            renderReportText(report) +
            (options.out === undefined ? '' : `\n\nWrote ${options.out}`),
        )
        return EXIT.ok
      })
    })

  campaign
    .command('compare <ids...>')
    .description('campaigns side by side (e.g. one per strategy): which one wins')
    .option('--out <file>', 'write the comparison as HTML here')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (ids: string[], options: GlobalOptions & { out?: string }) => {
      await runWithStore(options, async (ctx) => {
        const comparison = await compareStrategies(ctx.store.db, ids, ctx.clock.now())
        if (options.out !== undefined) {
          await writeFile(options.out, renderComparisonHtml(comparison), 'utf8')
        }
        printResult(
          ctx,
          comparison,
          () =>
            renderComparisonText(comparison) +
            (options.out === undefined ? '' : `\n\nWrote ${options.out}`),
        )
        return EXIT.ok
      })
    })

  return campaign
}
