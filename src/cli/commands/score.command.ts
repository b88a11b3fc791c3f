import { Command, InvalidArgumentError } from 'commander'
import { RequestError, invalidInput } from '../../core/errors.js'
import { TIME_UNITS, type TimeUnit } from '../../differentiate/value/customer-summary.js'
import { VALUE_MODELS, type ValueModel } from '../../differentiate/value/purchase-model.js'
import {
  scoreCustomers,
  type ScoreError,
  type ValueReport,
} from '../../differentiate/value/score-customers.js'
import { TIER_NAMES, TIERS } from '../../differentiate/value/tiers.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

interface ScoreFlags extends GlobalOptions {
  readonly model: ValueModel
  readonly timeUnit: TimeUnit
  readonly calibrationEnd?: number
  readonly horizon?: number
  readonly discountRate?: number
  readonly margin?: number
}

function oneOf<T extends string>(values: readonly T[], what: string): (value: string) => T {
  return (value) => {
    if ((values as readonly string[]).includes(value)) return value as T
    throw new InvalidArgumentError(`${what} must be one of ${values.join(', ')}`)
  }
}

function positiveNumber(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number')
  return n
}

function fraction(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must lie in [0, 1]')
  return n
}

/** YYYY-MM-DD (UTC midnight) or any ISO 8601 instant. */
export function parseDate(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('must be a date, e.g. 1997-09-30')
  return ms
}

function toRequestError(error: ScoreError): RequestError {
  switch (error.type) {
    case 'invalid_options':
      return invalidInput(error.message)
    case 'no_customers':
    case 'no_repeat_buyers':
    case 'fit_failed':
      return new RequestError(error.type, 422, error.message)
  }
}

/** What `idic score --json` prints: the report without the per-period tracking arrays. */
export function scoreJson(report: ValueReport): Omit<ValueReport, 'tracking'> {
  return Object.fromEntries(Object.entries(report).filter(([key]) => key !== 'tracking')) as Omit<
    ValueReport,
    'tracking'
  >
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString()
}

export function renderScoreReport(report: ValueReport): string {
  const params = Object.entries(report.params)
    .map(([k, v]) => `${k} = ${fmt(v)} (se ${fmt(report.standardErrors[k] ?? NaN)})`)
    .join(', ')
  const spend =
    report.spend.params === null
      ? 'not fitted'
      : `${Object.entries(report.spend.params)
          .map(([k, v]) => `${k} = ${fmt(v)}`)
          .join(
            ', ',
          )}, LL ${fmt(report.spend.logLik ?? NaN)} (${report.spend.customers} repeat buyers)`
  const lines = [
    `Scored ${report.customers.toLocaleString('en-US')} customers (${report.distinctSummaries.toLocaleString('en-US')} distinct summaries), calibration to ${report.calibrationEnd.slice(0, 10)}, in ${report.timeUnit}s`,
    `${report.model}: ${params}`,
    `  log-likelihood ${fmt(report.logLik)}, ${report.converged ? 'converged' : 'NOT converged'} in ${report.iterations} iterations`,
    `Gamma-Gamma: ${spend}`,
    `Fit time ${report.fitMs.toFixed(1)} ms; horizon ${report.horizon} ${report.timeUnit}s`,
    'Tiers:',
    ...TIERS.map((t) => `  ${TIER_NAMES[t].padEnd(16)} ${report.tiers[t]}`),
    `Model run ${report.modelRunId}`,
  ]
  if (report.warnings.length > 0) lines.push('Warnings:', ...report.warnings.map((w) => `  ${w}`))
  return lines.join('\n')
}

export function scoreCommand(): Command {
  return new Command('score')
    .description(
      'fit the lifetime-value models (BG/NBD or Pareto/NBD with Gamma-Gamma) on the orders and\n' +
        'store each customer’s CLV, P(alive), tier and reason, RFM and share of wallet',
    )
    .option(
      '--model <model>',
      'purchase model: bgnbd | pnbd',
      oneOf(VALUE_MODELS, 'model'),
      'bgnbd',
    )
    .option('--time-unit <unit>', 'day | week', oneOf(TIME_UNITS, 'time unit'), 'week')
    .option(
      '--calibration-end <date>',
      'end of calibration (later orders form the holdout); default now',
      parseDate,
    )
    .option(
      '--horizon <n>',
      'horizon of expected purchases and CLV, in time units (default one year)',
      positiveNumber,
    )
    .option('--discount-rate <rate>', 'annual discount rate for CLV (default 0.1)', fraction)
    .option(
      '--margin <rate>',
      'margin on revenue whose product cost is unknown (default 0.3)',
      fraction,
    )
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: ScoreFlags) => {
      await runWithStore(options, async (ctx) => {
        const result = await scoreCustomers(
          { db: ctx.store.db, capabilities: ctx.store.capabilities, clock: ctx.clock },
          {
            model: options.model,
            timeUnit: options.timeUnit,
            ...(options.calibrationEnd === undefined
              ? {}
              : { calibrationEnd: options.calibrationEnd }),
            ...(options.horizon === undefined ? {} : { horizon: options.horizon }),
            ...(options.discountRate === undefined
              ? {}
              : { annualDiscountRate: options.discountRate }),
            ...(options.margin === undefined ? {} : { marginRate: options.margin }),
          },
        )
        if (!result.ok) throw toRequestError(result.error)
        printResult(ctx, scoreJson(result.value), () => renderScoreReport(result.value))
        return undefined
      })
    })
}
