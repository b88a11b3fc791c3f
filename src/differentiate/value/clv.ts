export interface ClvOptions {
  /** How far ahead to value the customer, in model time units. */
  readonly horizon: number
  /** Number of equal steps the horizon is cut into for discounting (e.g. 12 for months of a year). */
  readonly steps: number
  /** Annual discount rate, e.g. 0.1 for 10 %. */
  readonly annualDiscountRate: number
  /** Gross margin as a fraction of spend, e.g. 0.3. */
  readonly margin: number
  /** Model time units in a year (52.1775 for weeks, 365.25 for days). */
  readonly unitsPerYear: number
}

/**
 * Discounted customer lifetime value over a finite horizon: the expected transactions in each
 * step, times the expected spend per transaction and the margin, discounted to today.
 *
 * *Method:* CLV = m · E(Z) · Σₖ [E(Y(tₖ)) − E(Y(tₖ₋₁))] / (1 + d)^{tₖ/U}, tₖ = k·horizon/steps,
 * with E(Y(t)) the model's conditional expected transactions in (T, T + t], E(Z) the Gamma-Gamma
 * conditional spend, m the margin, d the annual discount rate and U the units per year.
 * Returns NaN for inputs outside their domain (negative horizon, steps < 1, rate ≤ −1).
 *
 * *References:* Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer
 * Base Analysis", J. Marketing Research 42(4):415–430; Gupta et al. (2006), "Modeling Customer
 * Lifetime Value", J. Service Research 9(2); lifetimes `customer_lifetime_value`.
 *
 * @param expectedTransactions E(Y(t)) for this customer
 * @param expectedSpend expected spend per transaction
 */
export function discountedClv(
  expectedTransactions: (t: number) => number,
  expectedSpend: number,
  options: ClvOptions,
): number {
  const { horizon, steps, annualDiscountRate, margin, unitsPerYear } = options
  if (!(horizon >= 0) || !(steps >= 1) || !(annualDiscountRate > -1) || !(unitsPerYear > 0)) {
    return NaN
  }
  const stepLength = horizon / steps
  const logDiscount = Math.log1p(annualDiscountRate)
  let previous = 0
  let value = 0
  for (let k = 1; k <= steps; k++) {
    const t = k * stepLength
    const cumulative = expectedTransactions(t)
    value += (cumulative - previous) * Math.exp((-logDiscount * t) / unitsPerYear)
    previous = cumulative
  }
  return margin * expectedSpend * value
}
