import { Command, InvalidArgumentError } from 'commander'
import { invalidInput } from '../../core/errors.js'
import { DATASET_FORMATS, type DatasetFormat } from '../../customize/recommend/dataset-files.js'
import { SPLIT_KINDS, type SplitKind } from '../../customize/recommend/evaluate.js'
import { isModelKind, MODEL_KINDS, type ModelKind } from '../../customize/recommend/recommender.js'
import { runEvaluation, type EvaluationReport } from '../../customize/recommend/run-evaluation.js'
import { evaluateShopAndStore } from '../../customize/recommend/evaluations.repository.js'
import { reportFailure, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

interface EvaluateOptions extends GlobalOptions {
  readonly data?: string
  readonly format?: DatasetFormat
  readonly shop?: boolean
  readonly test?: string
  readonly split?: SplitKind
  readonly seed: number
  readonly k: readonly number[]
  readonly models: readonly ModelKind[]
  readonly holdoutDays: number
}

function oneOf<T extends string>(values: readonly T[], what: string) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}`)
    }
    return v as T
  }
}

function positiveInts(v: string): number[] {
  const ks = v.split(',').map((s) => Number(s.trim()))
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k > 1000)) {
    throw new InvalidArgumentError('--k takes positive integers, e.g. 10,20')
  }
  return ks
}

function modelList(v: string): ModelKind[] {
  const names = v.split(',').map((s) => s.trim())
  for (const n of names) {
    if (!isModelKind(n))
      throw new InvalidArgumentError(`unknown model ${n}: use ${MODEL_KINDS.join(', ')}`)
  }
  return names as ModelKind[]
}

export function evaluateCommand(): Command {
  return new Command('evaluate')
    .description(
      'fit recommenders on a data file (--data) or on the shop itself (--shop) and compare ranking metrics on held-out interactions',
    )
    .option('--data <file>', 'interactions file (.gz read as gzip)')
    .option('--format <format>', DATASET_FORMATS.join('|'), oneOf(DATASET_FORMATS, '--format'))
    .option(
      '--shop',
      "evaluate on the shop's own interactions (purchases in the last --holdout-days held out) and keep the table for the dashboard",
    )
    .option('--database <url>', 'database URL (with --shop)')
    .option('--test <file>', 'fixed test file (then --data is the training file)')
    .option('--split <kind>', SPLIT_KINDS.join('|'), oneOf(SPLIT_KINDS, '--split'))
    .option('--seed <n>', 'seed of the random split', (v) => Number.parseInt(v, 10), 42)
    .option('--k <list>', 'cut-offs', positiveInts, [10, 20])
    .option('--models <list>', 'models to compare', modelList, [...MODEL_KINDS])
    .option('--holdout-days <n>', 'time split: days held out at the end', (v) => Number(v), 30)
    .option('--json', 'print JSON')
    .action(async (options: EvaluateOptions) => {
      const json = options.json === true
      const progress = json
        ? {}
        : {
            progress: (name: string) => {
              process.stderr.write(`fitting ${name}…\n`)
              return () => undefined
            },
          }
      if (options.shop === true) {
        if (options.data !== undefined || options.test !== undefined) {
          reportFailure(
            invalidInput('--shop reads the database: leave out --data and --test'),
            json,
          )
          return
        }
        await runWithStore(options, async (ctx) => {
          const stored = await evaluateShopAndStore(
            { db: ctx.store.db, clock: ctx.clock },
            {
              holdoutDays: options.holdoutDays,
              ks: options.k,
              models: options.models,
              ...progress,
            },
          )
          console.log(
            json
              ? JSON.stringify({ id: stored.id, ...stored.report }, null, 2)
              : `${renderReport(stored.report, options.k)}\nkept as ${stored.id}: the dashboard's Recommendations page shows it`,
          )
          return undefined
        })
        return
      }
      try {
        if (options.data === undefined || options.format === undefined) {
          throw invalidInput('give --data FILE with --format, or --shop')
        }
        if (!Number.isFinite(options.seed)) throw invalidInput('--seed must be an integer')
        const report = runEvaluation({
          data: options.data,
          format: options.format,
          ...(options.test === undefined ? {} : { test: options.test }),
          ...(options.split === undefined ? {} : { split: options.split }),
          seed: options.seed,
          ks: options.k,
          models: options.models,
          holdoutDays: options.holdoutDays,
          ...progress,
        })
        console.log(json ? JSON.stringify(report, null, 2) : renderReport(report, options.k))
        process.exitCode = EXIT.ok
      } catch (error) {
        const wrapped =
          error instanceof Error && 'code' in error && error.code === 'ENOENT'
            ? invalidInput(error.message)
            : error
        reportFailure(wrapped, json)
      }
    })
}

export function renderReport(r: EvaluationReport, ks: readonly number[]): string {
  const columns = ks.flatMap((k) => [
    `precision@${k}`,
    `recall@${k}`,
    `ndcg@${k}`,
    `map@${k}`,
    `hitrate@${k}`,
    `coverage@${k}`,
  ])
  const head = [
    'model'.padEnd(12),
    ...columns.map((c) => c.padStart(12)),
    'fit ms'.padStart(9),
  ].join(' ')
  const lines = [
    `${r.data}: ${r.customers} customers, ${r.items} items, ${r.trainInteractions} train / ${r.testInteractions} test interactions`,
    `split: ${r.split}; ${r.evaluatedCustomers} customers evaluated`,
    '',
    head,
    ...Object.entries(r.models).map(([name, m]) =>
      [
        name.padEnd(12),
        ...columns.map((c) => (m[c] ?? NaN).toFixed(4).padStart(12)),
        String(m['fitMs'] ?? '').padStart(9),
      ].join(' '),
    ),
  ]
  for (const [name, why] of Object.entries(r.skipped)) lines.push(`${name}: skipped (${why})`)
  return lines.join('\n')
}
