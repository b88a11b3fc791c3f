/**
 * Expected cumulative repeat transactions of a cohort, period by period: Σᵢ E[X(τ − t₀ᵢ)] over
 * the customers born (first purchase) at t₀ᵢ < τ, for each period end τ. Customers are grouped by
 * birth time so the cost is periods × distinct births.
 *
 * *Method:* the aggregate forecast of FHL (2005) §4 (Figure 2) and BTYD's
 * `bgnbd.ExpectedCumulativeTransactions`.
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284; Dziurzynski,
 * Wadsworth & McCarthy (2014), BTYD R package.
 *
 * @param expected unconditional E[X(t)] of the fitted model
 * @param births first-purchase times, in time units from the same origin as `periodEnds`
 * @param periodEnds increasing period ends (e.g. weeks 1, 2, …, 78)
 */
export function expectedTrackingCurve(
  expected: (t: number) => number,
  births: Float64Array,
  periodEnds: Float64Array,
): Float64Array {
  const sorted = Float64Array.from(births).sort()
  const distinct: number[] = []
  const counts: number[] = []
  for (let i = 0; i < sorted.length; i++) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === sorted[i]) {
      counts[counts.length - 1]! += 1
    } else {
      distinct.push(sorted[i]!)
      counts.push(1)
    }
  }
  const out = new Float64Array(periodEnds.length)
  for (let k = 0; k < periodEnds.length; k++) {
    const end = periodEnds[k]!
    let sum = 0
    for (let j = 0; j < distinct.length && distinct[j]! < end; j++) {
      sum += counts[j]! * expected(end - distinct[j]!)
    }
    out[k] = sum
  }
  return out
}
