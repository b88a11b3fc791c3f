import { wilsonInterval } from '../../numeric/wilson-interval.js'
import { normalQuantile, studentTQuantile } from '../../numeric/quantiles.js'

/**
 * What one group of a campaign did within the attribution window: enough to compute its rates
 * and the variance of revenue per customer without keeping every customer's figure.
 */
export interface GroupOutcome {
  /** Customers in the group. */
  readonly customers: number
  /** Customers with at least one order in the window. */
  readonly conversions: number
  /** Revenue of those orders, summed over the group. */
  readonly revenue: number
  /** Sum over customers of (that customer's revenue in the window)². */
  readonly revenueSquares: number
}

/** A group's figures, as a report shows them. */
export interface GroupFigures extends GroupOutcome {
  /** conversions / customers; NaN for an empty group. */
  readonly conversionRate: number
  /** revenue / customers; NaN for an empty group. */
  readonly revenuePerCustomer: number
  /** Sample standard deviation of revenue per customer; NaN below two customers. */
  readonly revenueSd: number
}

/** A difference (treatment − control) with its confidence interval. */
export interface Interval {
  readonly estimate: number
  readonly low: number
  readonly high: number
}

export interface UpliftEstimate {
  readonly confidence: number
  /** Conversion rate, treatment − control, with Newcombe's hybrid score interval. */
  readonly conversion: Interval & { readonly method: 'newcombe-hybrid-score' }
  /**
   * Conversion rate ratio − 1 (relative lift), with the Katz log interval of the risk ratio;
   * NaN when the control converted nobody (or both groups nobody).
   */
  readonly relativeLift: Interval & { readonly method: 'katz-log' }
  /** Revenue per customer, treatment − control, with Welch's t interval. */
  readonly revenuePerCustomer: Interval & {
    readonly method: 'welch-t'
    readonly degreesOfFreedom: number
  }
}

/**
 * Summarizes per-customer outcomes of one group: `revenue[i]` is customer i's revenue in the
 * window, `converted[i]` is 1 when they ordered at all (an order of zero value still converts).
 */
export function summarizeGroup(
  converted: ArrayLike<number>,
  revenue: ArrayLike<number>,
): GroupOutcome {
  if (converted.length !== revenue.length) {
    throw new Error(
      `converted (${converted.length}) and revenue (${revenue.length}) differ in length`,
    )
  }
  let conversions = 0
  let sum = 0
  let squares = 0
  for (let i = 0; i < revenue.length; i++) {
    if (converted[i]! > 0) conversions++
    const r = revenue[i]!
    sum += r
    squares += r * r
  }
  return { customers: revenue.length, conversions, revenue: sum, revenueSquares: squares }
}

/** Rates and the spread of revenue per customer of a group. */
export function groupFigures(group: GroupOutcome): GroupFigures {
  const n = group.customers
  const mean = n > 0 ? group.revenue / n : NaN
  const variance = n > 1 ? Math.max(0, (group.revenueSquares - n * mean * mean) / (n - 1)) : NaN
  return {
    ...group,
    conversionRate: n > 0 ? group.conversions / n : NaN,
    revenuePerCustomer: mean,
    revenueSd: Math.sqrt(variance),
  }
}

/** Re-exported: the report and its tests take it from here. */
export { wilsonInterval }

/**
 * Uplift of a treated group over its holdout, in conversion and in revenue per customer, with
 * confidence intervals at `confidence` (default 95 %).
 *
 * *Method:*
 * - conversion: difference of proportions with Newcombe's hybrid score interval (his method 10:
 *   Wilson limits of each proportion combined as
 *   L = d − √((p₁−l₁)² + (u₂−p₂)²), U = d + √((u₁−p₁)² + (p₂−l₂)²)), which keeps its coverage
 *   near nominal at low rates and small holdouts where the Wald interval does not;
 * - relative lift: risk ratio p₁/p₂ − 1 with the Katz log interval
 *   exp(log RR ± z √(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂)) − 1;
 * - revenue per customer: difference of means with Welch's t interval (unequal variances,
 *   Welch–Satterthwaite degrees of freedom).
 *
 * *References:* R. G. Newcombe (1998), "Interval estimation for the difference between
 * independent proportions: comparison of eleven methods", Statistics in Medicine 17, 873–890;
 * D. Katz, J. Baptista, S. P. Azen, M. C. Pike (1978), "Obtaining confidence intervals for the
 * risk ratio in cohort studies", Biometrics 34, 469–474; B. L. Welch (1947), "The generalization
 * of 'Student's' problem when several different population variances are involved",
 * Biometrika 34, 28–35.
 */
export function estimateUplift(
  treatment: GroupOutcome,
  control: GroupOutcome,
  confidence = 0.95,
): UpliftEstimate {
  if (!(confidence > 0 && confidence < 1)) {
    throw new Error(`confidence must be in (0, 1), got ${confidence}`)
  }
  const z = normalQuantile(0.5 + confidence / 2)
  return {
    confidence,
    conversion: { ...newcombeDifference(treatment, control, z), method: 'newcombe-hybrid-score' },
    relativeLift: { ...katzRelativeLift(treatment, control, z), method: 'katz-log' },
    revenuePerCustomer: { ...welchDifference(treatment, control, confidence), method: 'welch-t' },
  }
}

function newcombeDifference(t: GroupOutcome, c: GroupOutcome, z: number): Interval {
  if (t.customers <= 0 || c.customers <= 0) return { estimate: NaN, low: NaN, high: NaN }
  const p1 = t.conversions / t.customers
  const p2 = c.conversions / c.customers
  const w1 = wilsonInterval(t.conversions, t.customers, z)
  const w2 = wilsonInterval(c.conversions, c.customers, z)
  const d = p1 - p2
  return {
    estimate: d,
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  }
}

function katzRelativeLift(t: GroupOutcome, c: GroupOutcome, z: number): Interval {
  if (t.customers <= 0 || c.customers <= 0 || c.conversions === 0) {
    return { estimate: NaN, low: NaN, high: NaN }
  }
  const ratio = t.conversions / t.customers / (c.conversions / c.customers)
  if (t.conversions === 0) return { estimate: -1, low: NaN, high: NaN }
  const se = Math.sqrt(1 / t.conversions - 1 / t.customers + 1 / c.conversions - 1 / c.customers)
  return {
    estimate: ratio - 1,
    low: ratio * Math.exp(-z * se) - 1,
    high: ratio * Math.exp(z * se) - 1,
  }
}

function welchDifference(
  t: GroupOutcome,
  c: GroupOutcome,
  confidence: number,
): Interval & { readonly degreesOfFreedom: number } {
  const a = groupFigures(t)
  const b = groupFigures(c)
  const estimate = a.revenuePerCustomer - b.revenuePerCustomer
  if (t.customers < 2 || c.customers < 2) {
    return { estimate, low: NaN, high: NaN, degreesOfFreedom: NaN }
  }
  const va = (a.revenueSd * a.revenueSd) / t.customers
  const vb = (b.revenueSd * b.revenueSd) / c.customers
  const se = Math.sqrt(va + vb)
  if (se === 0) return { estimate, low: estimate, high: estimate, degreesOfFreedom: Infinity }
  const df = (va + vb) ** 2 / ((va * va) / (t.customers - 1) + (vb * vb) / (c.customers - 1))
  const half = studentTQuantile(0.5 + confidence / 2, df) * se
  return { estimate, low: estimate - half, high: estimate + half, degreesOfFreedom: df }
}
