import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { newId } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import type { EngineCapabilities } from '../../store/engine.js'
import { discountedClv } from './clv.js'
import { DAY_MS, groupSummaries, timeUnitMs, type TimeUnit } from './customer-summary.js'
import {
  fitGammaGamma,
  gammaGammaConditionalSpend,
  selectSpendData,
  type GammaGammaParams,
} from './gamma-gamma.js'
import { fitPurchaseModel, type PurchaseModel, type ValueModel } from './purchase-model.js'
import { scoreRfm } from './rfm.js'
import { assignTier, tierThresholds, type Tier, type TierInput, type TierOptions } from './tiers.js'
import { expectedTrackingCurve } from './tracking-curve.js'
import {
  insertModelRun,
  loadCategorySpend,
  loadRepeatPurchasesByPeriod,
  loadValueSummaries,
  replaceScores,
  type CustomerValueRow,
  type ScoreRow,
} from './value.repository.js'
import { estimateWallets, type WalletOptions } from './wallet.js'

export interface ScoreDeps {
  readonly db: Kysely<Database>
  readonly capabilities: EngineCapabilities
  readonly clock: Clock
}

export interface ScoreOptions {
  /** Purchase model; default bgnbd. */
  readonly model?: ValueModel
  /** Default week. */
  readonly timeUnit?: TimeUnit
  /** Epoch ms; default now. Later orders form the holdout. */
  readonly calibrationEnd?: number
  /** Horizon of expected purchases and CLV, in time units; default one year. */
  readonly horizon?: number
  /** Default 0.1. */
  readonly annualDiscountRate?: number
  /** Margin on revenue whose product cost is unknown; default 0.3. */
  readonly marginRate?: number
  /** Cost of handling a refunded amount, as a fraction of it; default 0.1. */
  readonly returnCostRate?: number
  /** Cost of serving one order (picking, support); default 0. */
  readonly costPerOrder?: number
  readonly tiers?: TierOptions
  readonly wallet?: WalletOptions
}

export type ScoreError =
  | { readonly type: 'invalid_options'; readonly message: string }
  | { readonly type: 'no_customers'; readonly message: string }
  | { readonly type: 'no_repeat_buyers'; readonly message: string; readonly customers: number }
  | { readonly type: 'fit_failed'; readonly message: string }

export interface TrackingCurve {
  /** First day of period 0, ISO date. */
  readonly origin: string
  readonly timeUnit: TimeUnit
  /** Periods (from 1) ending at or before the calibration end. */
  readonly calibrationPeriods: number
  readonly actual: readonly number[]
  readonly expected: readonly number[]
}

export interface ValueReport {
  readonly modelRunId: string
  readonly model: ValueModel
  readonly params: Readonly<Record<string, number>>
  readonly standardErrors: Readonly<Record<string, number>>
  readonly logLik: number
  readonly converged: boolean
  readonly iterations: number
  readonly spend: {
    readonly params: GammaGammaParams | null
    readonly logLik: number | null
    readonly customers: number
  }
  readonly customers: number
  readonly distinctSummaries: number
  readonly fitMs: number
  readonly timeUnit: TimeUnit
  readonly calibrationEnd: string
  readonly horizon: number
  readonly tiers: Readonly<Record<Tier, number>>
  readonly tracking: TrackingCurve
  readonly warnings: readonly string[]
}

const TOP_CATEGORIES = 20
const MAX_TRACKING_PERIODS = 1000

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null
}

function checkOptions(options: ScoreOptions, unitsPerYear: number): string | null {
  const numbers: [string, number | undefined, (v: number) => boolean, string][] = [
    [
      'horizon',
      options.horizon,
      (v) => v > 0 && v <= 100 * unitsPerYear,
      'a positive number of time units',
    ],
    ['annualDiscountRate', options.annualDiscountRate, (v) => v > -1 && v < 10, 'in (−1, 10)'],
    ['marginRate', options.marginRate, (v) => v >= 0 && v <= 1, 'in [0, 1]'],
    ['returnCostRate', options.returnCostRate, (v) => v >= 0, '≥ 0'],
    ['costPerOrder', options.costPerOrder, (v) => v >= 0, '≥ 0'],
    ['calibrationEnd', options.calibrationEnd, (v) => v > 0, 'an epoch-ms time'],
  ]
  for (const [name, value, valid, expected] of numbers) {
    if (value !== undefined && !(Number.isFinite(value) && valid(value))) {
      return `${name} must be ${expected}, got ${value}`
    }
  }
  return null
}

/** Category mix rows (top categories by spend, the rest as one "other"). */
function categoryMix(
  rows: readonly CustomerValueRow[],
  spend: readonly { customerId: string; category: string; amount: number }[],
): { mix: Float64Array; categories: number } {
  const topLevel = (category: string): string => category.split(' > ')[0]!.trim()
  const totals = new Map<string, number>()
  for (const s of spend)
    totals.set(topLevel(s.category), (totals.get(topLevel(s.category)) ?? 0) + s.amount)
  const top = [...totals.entries()]
    .sort((p, q) => q[1] - p[1])
    .slice(0, TOP_CATEGORIES)
    .map(([name]) => name)
  const column = new Map(top.map((name, i) => [name, i]))
  const categories = top.length + 1
  const index = new Map(rows.map((row, i) => [row.customerId, i]))
  const mix = new Float64Array(rows.length * categories)
  for (const s of spend) {
    const i = index.get(s.customerId)
    if (i === undefined || !(s.amount > 0)) continue
    mix[i * categories + (column.get(topLevel(s.category)) ?? top.length)]! += s.amount
  }
  for (let i = 0; i < rows.length; i++) {
    let sum = 0
    for (let c = 0; c < categories; c++) sum += mix[i * categories + c]!
    if (sum > 0) for (let c = 0; c < categories; c++) mix[i * categories + c]! /= sum
  }
  return { mix, categories }
}

/**
 * Scores every customer: summaries in SQL → purchase model (BG/NBD or Pareto/NBD) and
 * Gamma-Gamma fits → expected purchases, P(alive), expected spend and discounted CLV → RFM,
 * wallet and tiers → stored scores and a model-run record. Returns the report, or a Result
 * error saying why the data cannot be modelled.
 */
export async function scoreCustomers(
  deps: ScoreDeps,
  options: ScoreOptions = {},
): Promise<Result<ValueReport, ScoreError>> {
  const model = options.model ?? 'bgnbd'
  const timeUnit = options.timeUnit ?? 'week'
  const unitsPerYear = (365.25 * DAY_MS) / timeUnitMs(timeUnit)
  const problem = checkOptions(options, unitsPerYear)
  if (problem !== null) return err({ type: 'invalid_options', message: problem })
  const now = deps.clock.now()
  const calibrationEnd = options.calibrationEnd ?? now
  const horizon = options.horizon ?? (timeUnit === 'week' ? 52 : 365)
  const annualDiscountRate = options.annualDiscountRate ?? 0.1
  const marginRate = options.marginRate ?? 0.3
  const returnCostRate = options.returnCostRate ?? 0.1
  const costPerOrder = options.costPerOrder ?? 0
  const warnings: string[] = []
  const query = { timeUnit, calibrationEnd }

  const rows = await loadValueSummaries(deps.db, query)
  const n = rows.length
  if (n === 0) {
    return err({
      type: 'no_customers',
      message: `No purchases (orders neither cancelled nor fully refunded) on or before the calibration end ${isoDate(calibrationEnd)}: nothing to score. Is the calibration end before the first order?`,
    })
  }
  const x = Float64Array.from(rows, (r) => r.x)
  const tx = Float64Array.from(rows, (r) => r.tx)
  const T = Float64Array.from(rows, (r) => r.T)
  const zbar = Float64Array.from(rows, (r) => r.meanRepeatSpend)
  let repeatBuyers = 0
  for (let i = 0; i < n; i++) if (x[i]! > 0) repeatBuyers++
  if (repeatBuyers === 0) {
    return err({
      type: 'no_repeat_buyers',
      customers: n,
      message: `All ${n} customers bought on a single day up to ${isoDate(calibrationEnd)}: with no repeat purchases the models cannot tell purchase rates from drop-out. Score again when customers have come back, or move the calibration end later.`,
    })
  }
  const singles = n - repeatBuyers
  if (singles > 0)
    warnings.push(
      `${singles} of ${n} customers bought only once (x = 0); they are scored from the population.`,
    )

  const groups = groupSummaries(x, tx, T)
  const started = performance.now()
  const purchase = fitPurchaseModel(model, groups)
  const fit = purchase.fit
  const { data: spendData, dropped } = selectSpendData(x, zbar)
  const nonPositive = dropped - singles
  if (nonPositive > 0)
    warnings.push(
      `${nonPositive} repeat buyers with zero or negative mean repeat spend (returns) are left out of the spend model.`,
    )
  let spendParams: GammaGammaParams | null = null
  let spendLogLik: number | null = null
  if (spendData.x.length >= 10) {
    const spendFit = fitGammaGamma(spendData)
    if (spendFit.converged && spendFit.params.q > 1 && Number.isFinite(spendFit.logLik)) {
      spendParams = spendFit.params
      spendLogLik = spendFit.logLik
    } else {
      warnings.push(
        `Gamma-Gamma spend model not usable (${spendFit.converged ? `q = ${spendFit.params.q.toFixed(3)} ≤ 1: no finite mean spend` : spendFit.message}); customers' own mean purchase values are used.`,
      )
    }
  } else {
    warnings.push(
      `Only ${spendData.x.length} repeat buyers with positive spend: too few for the Gamma-Gamma model; customers' own mean purchase values are used.`,
    )
  }
  const fitMs = performance.now() - started
  const paramValues = Object.values<number>(fit.params)
  if (!Number.isFinite(fit.logLik) || paramValues.some((v) => !Number.isFinite(v) || v <= 0)) {
    return err({
      type: 'fit_failed',
      message: `${model} fit failed on ${n} customers (${groups.x.length} distinct summaries): ${fit.message}; parameters ${JSON.stringify(fit.params)}`,
    })
  }
  if (!fit.converged) warnings.push(`${model} fit did not fully converge: ${fit.message}.`)

  // Model figures per distinct summary, then per customer.
  const g = groups.x.length
  const pAliveOf = new Float64Array(g)
  const expectedOf = new Float64Array(g)
  const discountedOf = new Float64Array(g)
  const clvOptions = {
    horizon,
    steps: Math.max(1, Math.round((horizon / unitsPerYear) * 12)),
    annualDiscountRate,
    margin: 1,
    unitsPerYear,
  }
  for (let k = 0; k < g; k++) {
    const gx = groups.x[k]!
    const gtx = groups.tx[k]!
    const gT = groups.T[k]!
    const conditional = (t: number): number => purchase.conditionalExpected(t, gx, gtx, gT)
    pAliveOf[k] = purchase.probabilityAlive(gx, gtx, gT)
    expectedOf[k] = conditional(horizon)
    discountedOf[k] = discountedClv(conditional, 1, clvOptions)
  }

  const categorySpend = await loadCategorySpend(deps.db, query)
  const { mix, categories } = categoryMix(rows, categorySpend)
  const wallet = estimateWallets(
    {
      revenue: Float64Array.from(rows, (r) => r.revenue),
      tenure: T,
      basketSize: Float64Array.from(rows, (r) => r.revenue / (r.x + 1)),
      country: rows.map((r) => r.country),
      categoryMix: mix,
      categories,
    },
    options.wallet,
  )
  const rfm = scoreRfm({
    recency: Float64Array.from(rows, (r) => r.recency),
    frequency: Float64Array.from(rows, (r) => r.x + 1),
    monetary: Float64Array.from(rows, (r) => r.revenue),
  })

  let fallbackSpend = 0
  for (const r of rows) fallbackSpend += Math.max(r.revenue, 0) / (r.x + 1)
  fallbackSpend /= n
  const tierInputs: TierInput[] = []
  const figures = rows.map((row, i) => {
    const group = groups.groupOf[i]!
    const ownMean = row.revenue / (row.x + 1)
    const expectedSpend =
      spendParams === null
        ? ownMean > 0
          ? ownMean
          : fallbackSpend
        : gammaGammaConditionalSpend(
            spendParams,
            row.meanRepeatSpend > 0 ? row.x : 0,
            row.meanRepeatSpend,
          )
    const gross = row.revenue + row.discount
    const historicalMargin =
      row.knownItemMargin + marginRate * Math.max(0, gross - row.knownItemRevenue)
    const customerMargin =
      gross > 0 ? Math.min(1, Math.max(0, historicalMargin / gross)) : marginRate
    const clv = customerMargin * expectedSpend * discountedOf[group]!
    const costToServe = row.discount + returnCostRate * row.refunded + costPerOrder * row.orders
    const input: TierInput = {
      historicalValue: historicalMargin,
      futureValue: Number.isFinite(clv) ? clv : 0,
      growthPotential: wallet.growthPotential[i]!,
      costToServe,
    }
    tierInputs.push(input)
    return { expectedSpend, historicalMargin, clv, costToServe }
  })
  const thresholds = tierThresholds(tierInputs, options.tiers)
  const modelRunId = newId('run', now)
  const tierCounts: Record<Tier, number> = { mvc: 0, mgc: 0, low_maintenance: 0, below_zero: 0 }
  let nonFinite = 0
  const scores: ScoreRow[] = rows.map((row, i) => {
    const group = groups.groupOf[i]!
    const f = figures[i]!
    const tier = assignTier(tierInputs[i]!, thresholds)
    tierCounts[tier.tier]++
    const nullable = [
      expectedOf[group]!,
      pAliveOf[group]!,
      f.expectedSpend,
      f.clv,
      tier.actualValue,
      wallet.wallet[i]!,
      wallet.share[i]!,
      wallet.growthPotential[i]!,
    ].map(finiteOrNull)
    if (nullable.includes(null)) nonFinite++
    return {
      customer_id: row.customerId,
      model_run_id: modelRunId,
      frequency: row.x,
      recency: row.recency,
      age: row.T,
      historical_revenue: row.revenue,
      historical_margin: f.historicalMargin,
      cost_to_serve: f.costToServe,
      expected_transactions: nullable[0]!,
      p_alive: nullable[1]!,
      expected_spend: nullable[2]!,
      clv: nullable[3]!,
      actual_value: nullable[4]!,
      tier: tier.tier,
      tier_reason: tier.reason,
      rfm_r: rfm.r[i]!,
      rfm_f: rfm.f[i]!,
      rfm_m: rfm.m[i]!,
      rfm_segment: rfm.segment[i]!,
      wallet: nullable[5]!,
      share_of_wallet: nullable[6]!,
      growth_potential: nullable[7]!,
      computed_at: now,
    }
  })
  if (nonFinite > 0)
    warnings.push(
      `${nonFinite} customers have figures that could not be computed; they are stored as null.`,
    )

  const tracking = await trackingCurve(deps, rows, query, purchase)
  const report: ValueReport = {
    modelRunId,
    model,
    params: fit.params,
    standardErrors: fit.standardErrors,
    logLik: fit.logLik,
    converged: fit.converged,
    iterations: fit.iterations,
    spend: { params: spendParams, logLik: spendLogLik, customers: spendData.x.length },
    customers: n,
    distinctSummaries: g,
    fitMs,
    timeUnit,
    calibrationEnd: new Date(calibrationEnd).toISOString(),
    horizon,
    tiers: tierCounts,
    tracking,
    warnings,
  }
  await insertModelRun(deps.db, {
    id: modelRunId,
    kind: model,
    params: JSON.stringify({
      purchase: fit.params,
      spend: spendParams,
      options: {
        timeUnit,
        calibrationEnd,
        horizon,
        annualDiscountRate,
        marginRate,
        returnCostRate,
        costPerOrder,
      },
      thresholds,
    }),
    metrics: JSON.stringify({
      logLik: fit.logLik,
      standardErrors: fit.standardErrors,
      converged: fit.converged,
      iterations: fit.iterations,
      spendLogLik,
      spendCustomers: spendData.x.length,
      customers: n,
      distinctSummaries: g,
      fitMs,
      tiers: tierCounts,
      tracking,
      warnings,
    }),
    created_at: now,
  })
  await replaceScores(deps.db, deps.capabilities, scores)
  return ok(report)
}

async function trackingCurve(
  deps: ScoreDeps,
  rows: readonly CustomerValueRow[],
  query: { readonly timeUnit: TimeUnit; readonly calibrationEnd: number },
  purchase: PurchaseModel,
): Promise<TrackingCurve> {
  const unit = timeUnitMs(query.timeUnit)
  let originMs = Infinity
  let lastMs = query.calibrationEnd
  for (const r of rows) originMs = Math.min(originMs, r.firstPurchaseAt)
  const counts = await loadRepeatPurchasesByPeriod(deps.db, query, Math.floor(originMs / DAY_MS))
  for (const c of counts) lastMs = Math.max(lastMs, originMs + (c.period + 1) * unit)
  const periods = Math.min(MAX_TRACKING_PERIODS, Math.max(1, Math.ceil((lastMs - originMs) / unit)))
  const actual = new Array<number>(periods).fill(0)
  for (const c of counts) if (c.period >= 0 && c.period < periods) actual[c.period]! += c.purchases
  for (let k = 1; k < periods; k++) actual[k]! += actual[k - 1]!
  const births = Float64Array.from(rows, (r) => (r.firstPurchaseAt - originMs) / unit)
  const ends = Float64Array.from({ length: periods }, (_, k) => k + 1)
  const curve = expectedTrackingCurve(purchase.expected, births, ends)
  return {
    origin: isoDate(originMs),
    timeUnit: query.timeUnit,
    calibrationPeriods: Math.floor((query.calibrationEnd - originMs) / unit),
    actual,
    expected: Array.from(curve, (v) => (Number.isFinite(v) ? v : 0)),
  }
}
