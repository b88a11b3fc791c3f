import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'

export interface HistogramBin {
  readonly from: number
  readonly to: number
  readonly customers: number
}

export interface RecencyBin {
  readonly from: number
  readonly to: number
  readonly customers: number
  readonly meanPAlive: number | null
}

/** What the dashboard's value charts draw, from the stored scores. */
export interface ValueCharts {
  readonly scored: number
  /** Share of scored customers with P(alive) ≥ 0.5. */
  readonly activeShare: number | null
  readonly clvHistogram: readonly HistogramBin[]
  readonly valueHistogram: readonly HistogramBin[]
  readonly pAliveByRecency: readonly RecencyBin[]
}

/**
 * Equal-width bins from the minimum to the `clip` quantile; values above it fall into the last
 * bin, so one very large customer does not squeeze everyone else into the first bar.
 * `sorted` must be ascending.
 */
export function histogram(sorted: Float64Array, bins: number, clip = 0.99): HistogramBin[] {
  if (sorted.length === 0) return []
  const lo = sorted[0]!
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(clip * (sorted.length - 1)))]!
  const width = hi > lo ? (hi - lo) / bins : 1
  const counts = new Float64Array(bins)
  for (const v of sorted)
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]! += 1
  return Array.from(counts, (customers, i) => ({
    from: lo + i * width,
    to: i === bins - 1 ? sorted[sorted.length - 1]! : lo + (i + 1) * width,
    customers,
  }))
}

/** Mean P(alive) of customers in equal-width bins of recency (time since the last purchase). */
export function meanByRecency(
  recency: Float64Array,
  pAlive: Float64Array,
  bins: number,
): RecencyBin[] {
  if (recency.length === 0) return []
  let hi = 0
  for (const r of recency) hi = Math.max(hi, r)
  const width = hi > 0 ? hi / bins : 1
  const counts = new Float64Array(bins)
  const sums = new Float64Array(bins)
  for (let i = 0; i < recency.length; i += 1) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(recency[i]! / width)))
    counts[b]! += 1
    sums[b]! += pAlive[i]!
  }
  return Array.from(counts, (customers, i) => ({
    from: i * width,
    to: (i + 1) * width,
    customers,
    meanPAlive: customers === 0 ? null : sums[i]! / customers,
  }))
}

/** One pass over the scores table (three numeric columns) and the charts computed from it. */
export async function getValueCharts(db: Kysely<Database>, bins = 20): Promise<ValueCharts> {
  const rows = await db
    .selectFrom('scores')
    .select(['clv', 'actual_value', 'p_alive', 'recency'])
    .execute()
  const clv = Float64Array.from(
    rows.filter((r) => r.clv !== null),
    (r) => r.clv!,
  ).sort()
  const value = Float64Array.from(
    rows.filter((r) => r.actual_value !== null),
    (r) => r.actual_value!,
  ).sort()
  const withP = rows.filter((r) => r.p_alive !== null)
  // Recency is stored as the time since the last purchase, in the run's time unit.
  const since = Float64Array.from(withP, (r) => r.recency)
  const pAlive = Float64Array.from(withP, (r) => r.p_alive!)
  let active = 0
  for (const p of pAlive) if (p >= 0.5) active += 1
  return {
    scored: rows.length,
    activeShare: pAlive.length === 0 ? null : active / pAlive.length,
    clvHistogram: histogram(clv, bins),
    valueHistogram: histogram(value, bins),
    pAliveByRecency: meanByRecency(since, pAlive, bins),
  }
}
