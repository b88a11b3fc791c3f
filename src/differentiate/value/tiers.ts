/**
 * Peppers & Rogers value tiers: most valuable customers (MVC), most growable (MGC), low
 * maintenance, and below zero (BZ), each customer with a sentence saying why.
 */

export const TIERS = ['mvc', 'mgc', 'low_maintenance', 'below_zero'] as const
export type Tier = (typeof TIERS)[number]

/** Rank of a tier, low to high; assignment is monotone in value along it. */
export const TIER_RANK: Readonly<Record<Tier, number>> = {
  below_zero: 0,
  low_maintenance: 1,
  mgc: 2,
  mvc: 3,
}

export const TIER_NAMES: Readonly<Record<Tier, string>> = {
  mvc: 'Most valuable',
  mgc: 'Most growable',
  low_maintenance: 'Low maintenance',
  below_zero: 'Below zero',
}

export interface TierInput {
  /** Margin earned so far. */
  readonly historicalValue: number
  /** Discounted margin still expected (CLV). */
  readonly futureValue: number
  /** Unrealised potential: wallet − our revenue. */
  readonly growthPotential: number
  /** Returns, discounts and service contacts, in money. */
  readonly costToServe: number
}

export interface TierOptions {
  /** Share of customers (by actual value) that are MVCs; default 0.1. */
  readonly mvcShare?: number
  /** Share of the others (by growth potential) that are MGCs; default 0.2. */
  readonly mgcShare?: number
  /** Net value below which a customer is below zero; default 0. */
  readonly belowZeroAt?: number
}

export interface TierThresholds {
  /** Net actual value (history + CLV − cost to serve) from which a customer is an MVC. */
  readonly mvcMinValue: number
  /** Growth potential from which a customer is an MGC. */
  readonly mgcMinPotential: number
  readonly belowZeroAt: number
  readonly mvcShare: number
  readonly mgcShare: number
}

export interface TierAssignment {
  readonly tier: Tier
  readonly actualValue: number
  readonly reason: string
}

/** Actual value net of the cost to serve: history + CLV − cost. */
export function netValue(input: TierInput): number {
  return input.historicalValue + input.futureValue - input.costToServe
}

function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Infinity
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/**
 * Thresholds from the customer base: MVCs are the top `mvcShare` by net actual value among
 * customers above zero, MGCs the top `mgcShare` by growth potential among the rest.
 */
export function tierThresholds(
  inputs: readonly TierInput[],
  options: TierOptions = {},
): TierThresholds {
  const mvcShare = options.mvcShare ?? 0.1
  const mgcShare = options.mgcShare ?? 0.2
  const belowZeroAt = options.belowZeroAt ?? 0
  if (!(mvcShare >= 0 && mvcShare <= 1 && mgcShare >= 0 && mgcShare <= 1)) {
    throw new Error(`tier shares must lie in [0, 1]: mvcShare ${mvcShare}, mgcShare ${mgcShare}`)
  }
  const values = Float64Array.from(
    inputs.map(netValue).filter((v) => v >= belowZeroAt && Number.isFinite(v)),
  ).sort()
  const mvcMinValue = mvcShare === 0 ? Infinity : quantile(values, 1 - mvcShare)
  const potentials = Float64Array.from(
    inputs
      .filter((input) => {
        const v = netValue(input)
        return v >= belowZeroAt && v < mvcMinValue
      })
      .map((input) => input.growthPotential)
      .filter(Number.isFinite),
  ).sort()
  const mgcMinPotential = mgcShare === 0 ? Infinity : quantile(potentials, 1 - mgcShare)
  return { mvcMinValue, mgcMinPotential, belowZeroAt, mvcShare, mgcShare }
}

const money = (v: number): string =>
  v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const percent = (v: number): string => `${Math.round(v * 100)}%`

/**
 * A customer's tier and the sentence that explains it. Rules, in order: net value below
 * `belowZeroAt` → below zero; net value ≥ the MVC threshold → MVC; growth potential ≥ the MGC
 * threshold → MGC; otherwise low maintenance. With thresholds fixed, the tier's rank
 * (below zero < low maintenance < MGC < MVC) never falls as value rises.
 *
 * *Method:* Peppers & Rogers' value-based differentiation: actual value (lifetime value of
 * history and expected future), strategic value (potential), and customers whose cost to serve
 * exceeds what they bring.
 *
 * *References:* Peppers & Rogers (2004), "Managing Customer Relationships: A Strategic
 * Framework", ch. 5 ("Differentiating customers by their value").
 */
export function assignTier(input: TierInput, thresholds: TierThresholds): TierAssignment {
  const actualValue = netValue(input)
  const detail = `actual value ${money(actualValue)} (history ${money(input.historicalValue)} + expected ${money(input.futureValue)} − cost to serve ${money(input.costToServe)})`
  if (!(actualValue >= thresholds.belowZeroAt)) {
    return {
      tier: 'below_zero',
      actualValue,
      reason: `Below zero: ${detail} is under ${money(thresholds.belowZeroAt)}; serving this customer costs more than the margin they bring.`,
    }
  }
  if (actualValue >= thresholds.mvcMinValue) {
    return {
      tier: 'mvc',
      actualValue,
      reason: `Most valuable: ${detail} is in the top ${percent(thresholds.mvcShare)} (at least ${money(thresholds.mvcMinValue)}).`,
    }
  }
  if (input.growthPotential >= thresholds.mgcMinPotential) {
    return {
      tier: 'mgc',
      actualValue,
      reason: `Most growable: growth potential ${money(input.growthPotential)} (wallet not yet ours) is in the top ${percent(thresholds.mgcShare)} (at least ${money(thresholds.mgcMinPotential)}), with ${detail}.`,
    }
  }
  return {
    tier: 'low_maintenance',
    actualValue,
    reason: `Low maintenance: ${detail} is positive but below the MVC threshold ${money(thresholds.mvcMinValue)}, and growth potential ${money(input.growthPotential)} is below the MGC threshold ${money(thresholds.mgcMinPotential)}.`,
  }
}
