import type { Kysely } from 'kysely'
import { notFound } from '../../core/errors.js'
import { parseJsonObject, type JsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import type { TrackingCurve } from './score-customers.js'
import { TIERS, type Tier } from './tiers.js'
import type { ReportCustomer, ValueReportInput } from './value-report.js'
import {
  countTiers,
  findModelRun,
  findScore,
  latestModelRun,
  listScores,
} from './value.repository.js'

type Db = Kysely<Database>

/** One customer's value figures, as the API and CLI show them. */
export interface CustomerValue {
  readonly customerId: string
  readonly modelRunId: string
  readonly model: string | null
  readonly computedAt: number
  readonly tier: Tier
  readonly reason: string
  readonly frequency: number
  readonly recency: number
  readonly age: number
  readonly historicalRevenue: number
  readonly historicalMargin: number
  readonly costToServe: number
  readonly expectedTransactions: number | null
  readonly pAlive: number | null
  readonly expectedSpend: number | null
  readonly clv: number | null
  readonly actualValue: number | null
  readonly rfm: {
    readonly r: number
    readonly f: number
    readonly m: number
    readonly segment: string
  }
  readonly wallet: number | null
  readonly shareOfWallet: number | null
  readonly growthPotential: number | null
}

function asTier(value: string): Tier {
  return (TIERS as readonly string[]).includes(value) ? (value as Tier) : 'low_maintenance'
}

/** The stored value figures of a customer (by customer id); 404 when never scored. */
export async function getCustomerValue(db: Db, customerId: string): Promise<CustomerValue> {
  const row = await findScore(db, customerId)
  if (row === undefined) {
    throw notFound(`Value scores for customer "${customerId}"`, {
      customerId,
      hint: 'run `idic score` after the customer has orders',
    })
  }
  const run = await findModelRun(db, row.model_run_id)
  return {
    customerId: row.customer_id,
    modelRunId: row.model_run_id,
    model: run?.kind ?? null,
    computedAt: row.computed_at,
    tier: asTier(row.tier),
    reason: row.tier_reason,
    frequency: row.frequency,
    recency: row.recency,
    age: row.age,
    historicalRevenue: row.historical_revenue,
    historicalMargin: row.historical_margin,
    costToServe: row.cost_to_serve,
    expectedTransactions: row.expected_transactions,
    pAlive: row.p_alive,
    expectedSpend: row.expected_spend,
    clv: row.clv,
    actualValue: row.actual_value,
    rfm: { r: row.rfm_r, f: row.rfm_f, m: row.rfm_m, segment: row.rfm_segment },
    wallet: row.wallet,
    shareOfWallet: row.share_of_wallet,
    growthPotential: row.growth_potential,
  }
}

export interface ValueSummary {
  readonly customers: number
  readonly tiers: Readonly<
    Record<Tier, { readonly customers: number; readonly actualValue: number; readonly clv: number }>
  >
  /** Quantiles of actual value (history margin + CLV − cost to serve). */
  readonly valueDistribution: {
    readonly min: number | null
    readonly p10: number | null
    readonly p25: number | null
    readonly median: number | null
    readonly p75: number | null
    readonly p90: number | null
    readonly p99: number | null
    readonly max: number | null
    readonly mean: number | null
    readonly total: number
  }
  readonly model: {
    readonly id: string
    readonly kind: string
    readonly createdAt: number
    readonly params: JsonObject
    readonly metrics: JsonObject
  } | null
}

function quantile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/** Tier counts, the distribution of actual value and the latest model's parameters. */
export async function getValueSummary(db: Db): Promise<ValueSummary> {
  const counts = await countTiers(db)
  const tiers = Object.fromEntries(
    TIERS.map((tier) => {
      const c = counts.find((row) => row.tier === tier)
      return [
        tier,
        { customers: c?.customers ?? 0, actualValue: c?.actualValue ?? 0, clv: c?.clv ?? 0 },
      ]
    }),
  ) as Record<Tier, { customers: number; actualValue: number; clv: number }>
  const rows = await db
    .selectFrom('scores')
    .select('actual_value')
    .where('actual_value', 'is not', null)
    .execute()
  const values = Float64Array.from(rows, (r) => r.actual_value ?? 0).sort()
  let total = 0
  for (const v of values) total += v
  const run = await latestModelRun(db)
  // Metrics hold the tracking curve too; the summary leaves it to the report.
  const metrics = run === undefined ? {} : parseJsonObject(run.metrics)
  delete metrics['tracking']
  return {
    customers: counts.reduce((sum, c) => sum + c.customers, 0),
    tiers,
    valueDistribution: {
      min: quantile(values, 0),
      p10: quantile(values, 0.1),
      p25: quantile(values, 0.25),
      median: quantile(values, 0.5),
      p75: quantile(values, 0.75),
      p90: quantile(values, 0.9),
      p99: quantile(values, 0.99),
      max: quantile(values, 1),
      mean: values.length === 0 ? null : total / values.length,
      total,
    },
    model:
      run === undefined
        ? null
        : {
            id: run.id,
            kind: run.kind,
            createdAt: run.created_at,
            params: parseJsonObject(run.params),
            metrics,
          },
  }
}

function numberRecord(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null) return {}
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number',
    ),
  )
}

function asTracking(value: unknown): TrackingCurve | null {
  if (typeof value !== 'object' || value === null) return null
  const t = value as Partial<TrackingCurve>
  if (!Array.isArray(t.actual) || !Array.isArray(t.expected)) return null
  return {
    origin: typeof t.origin === 'string' ? t.origin : '',
    timeUnit: t.timeUnit === 'day' ? 'day' : 'week',
    calibrationPeriods: typeof t.calibrationPeriods === 'number' ? t.calibrationPeriods : 0,
    actual: t.actual,
    expected: t.expected,
  }
}

/** What the HTML report needs, from the latest model run and the stored scores. */
export async function loadValueReportInput(db: Db, generatedAt: string): Promise<ValueReportInput> {
  const run = await latestModelRun(db)
  if (run === undefined) {
    throw notFound('A value model run', { hint: 'run `idic score` first' })
  }
  const params = parseJsonObject(run.params)
  const metrics = parseJsonObject(run.metrics)
  const options = params['options']
  const scores = await listScores(db)
  const customers: ReportCustomer[] = scores.map((s) => ({
    actualValue: s.actual_value,
    tier: s.tier,
    pAlive: s.p_alive,
    recency: s.recency,
    frequency: s.frequency,
  }))
  const spendParams = numberRecord(params['spend'])
  return {
    generatedAt,
    model: run.kind,
    params: numberRecord(params['purchase']),
    logLik: typeof metrics['logLik'] === 'number' ? metrics['logLik'] : NaN,
    spend: {
      params: Object.keys(spendParams).length === 0 ? null : spendParams,
      logLik: typeof metrics['spendLogLik'] === 'number' ? metrics['spendLogLik'] : null,
    },
    timeUnit:
      typeof options === 'object' &&
      options !== null &&
      !Array.isArray(options) &&
      options['timeUnit'] === 'day'
        ? 'day'
        : 'week',
    customers,
    tracking: asTracking(metrics['tracking']),
  }
}
