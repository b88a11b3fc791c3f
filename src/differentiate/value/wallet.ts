/**
 * Share of customer: each customer's wallet (what they spend in the category, with us or
 * elsewhere) estimated as a high quantile of our revenue among similar customers.
 */

export interface WalletInput {
  /** Our revenue from each customer. */
  readonly revenue: Float64Array
  /** Time since first purchase (any unit). */
  readonly tenure: Float64Array
  /** Mean order value. */
  readonly basketSize: Float64Array
  /** Country per customer (null when unknown). */
  readonly country: readonly (string | null)[]
  /** Share of spend per category, row-major n × categories (rows sum to 1, or 0 if unknown). */
  readonly categoryMix: Float64Array
  readonly categories: number
}

export interface WalletOptions {
  /** Neighbours per customer; default 50. */
  readonly k?: number
  /** Quantile of the neighbours' revenue taken as the wallet; default 0.9. */
  readonly quantile?: number
  /** Customers compared against per country (a fixed, evenly spaced sample); default 5000. */
  readonly maxReference?: number
  /** Distance added when countries differ; default 1. */
  readonly countryPenalty?: number
}

export interface WalletEstimate {
  readonly wallet: Float64Array
  /** Our revenue / wallet, in [0, 1]. */
  readonly share: Float64Array
  /** Wallet − our revenue, ≥ 0. */
  readonly growthPotential: Float64Array
}

function standardize(values: Float64Array, transform: (v: number) => number): Float64Array {
  const n = values.length
  const out = new Float64Array(n)
  let mean = 0
  for (let i = 0; i < n; i++) {
    const v = transform(values[i]!)
    out[i] = Number.isFinite(v) ? v : 0
    mean += out[i]!
  }
  mean /= Math.max(n, 1)
  let variance = 0
  for (let i = 0; i < n; i++) variance += (out[i]! - mean) ** 2
  const sd = Math.sqrt(variance / Math.max(n - 1, 1)) || 1
  for (let i = 0; i < n; i++) out[i] = (out[i]! - mean) / sd
  return out
}

/**
 * Wallet, share of wallet and growth potential for each customer.
 *
 * *Method:* k-nearest-neighbour quantile estimation. Customers are described by category mix
 * (spend shares), standardised tenure and standardised log basket size; the distance is
 * Euclidean plus a penalty when countries differ. Neighbours are sought among customers of the
 * same country when it has more than k, else among all, and among at most `maxReference` of
 * them (an evenly spaced sample) so the cost is O(n · maxReference). The wallet is the
 * `quantile` (type 7) of the neighbours' revenue, the customer included, and never less than
 * the customer's own revenue — the quantile models the spend of customers who buy everything
 * from us, which is the wallet's definition.
 *
 * *References:* Rosset, Perlich, Zadrozny, Merugu, Weiss & Lawrence (2005), "Wallet estimation
 * models", Proc. Int. Workshop on Customer Relationship Management: Data Mining Meets
 * Marketing (kNN and quantile regression estimators of the 0.9 quantile of spend); Perlich,
 * Rosset, Lawrence & Zadrozny (2007), "High-quantile modeling for customer wallet estimation
 * and other applications", KDD.
 */
export function estimateWallets(input: WalletInput, options: WalletOptions = {}): WalletEstimate {
  const n = input.revenue.length
  const k = Math.max(1, options.k ?? 50)
  const q = options.quantile ?? 0.9
  const maxReference = options.maxReference ?? 5000
  const penalty = options.countryPenalty ?? 1
  const c = input.categories
  if (input.categoryMix.length !== n * c) {
    throw new Error(`categoryMix has ${input.categoryMix.length} values, expected ${n} × ${c}`)
  }
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must lie in [0, 1], got ${q}`)
  const tenure = standardize(input.tenure, (v) => v)
  const basket = standardize(input.basketSize, (v) => Math.log1p(Math.max(v, 0)))
  // Reference sets: per country when big enough, else everyone.
  const byCountry = new Map<string, number[]>()
  for (let i = 0; i < n; i++) {
    const key = input.country[i] ?? ''
    const list = byCountry.get(key)
    if (list === undefined) byCountry.set(key, [i])
    else list.push(i)
  }
  const everyone = Array.from({ length: n }, (_, i) => i)
  const sample = (members: readonly number[]): Int32Array => {
    if (members.length <= maxReference) return Int32Array.from(members)
    const step = members.length / maxReference
    return Int32Array.from({ length: maxReference }, (_, j) => members[Math.floor(j * step)]!)
  }
  const globalReference = sample(everyone)
  const referenceOf = new Map<string, Int32Array>()
  for (const [key, members] of byCountry) {
    referenceOf.set(key, members.length > k && key !== '' ? sample(members) : globalReference)
  }
  const codes = new Map<string, number>()
  const countryCode = Int32Array.from(input.country, (country) => {
    const key = country ?? ''
    let code = codes.get(key)
    if (code === undefined) {
      code = codes.size
      codes.set(key, code)
    }
    return code
  })
  const wallet = new Float64Array(n)
  const share = new Float64Array(n)
  const growthPotential = new Float64Array(n)
  const bestDistance = new Float64Array(k)
  const bestRevenue = new Float64Array(k)
  const chosen = new Float64Array(k + 1)
  for (let i = 0; i < n; i++) {
    const reference = referenceOf.get(input.country[i] ?? '') ?? globalReference
    let size = 0
    for (let r = 0; r < reference.length; r++) {
      const j = reference[r]!
      if (j === i) continue
      let d = (tenure[i]! - tenure[j]!) ** 2 + (basket[i]! - basket[j]!) ** 2
      if (countryCode[i] !== countryCode[j]) d += penalty
      // Once k neighbours are known, stop adding categories as soon as this one is farther.
      const bound = size < k ? Infinity : bestDistance[k - 1]!
      for (let m = 0; m < c && d < bound; m++) {
        d += (input.categoryMix[i * c + m]! - input.categoryMix[j * c + m]!) ** 2
      }
      if (d >= bound) continue
      // Insert into the sorted list of the best so far (dropping the farthest when full).
      let p = size < k ? size++ : k - 1
      while (p > 0 && bestDistance[p - 1]! > d) {
        bestDistance[p] = bestDistance[p - 1]!
        bestRevenue[p] = bestRevenue[p - 1]!
        p--
      }
      bestDistance[p] = d
      bestRevenue[p] = input.revenue[j]!
    }
    const own = input.revenue[i]!
    for (let p = 0; p < size; p++) chosen[p] = bestRevenue[p]!
    chosen[size] = own
    const values = chosen.subarray(0, size + 1).sort()
    const h = (values.length - 1) * q
    const lo = Math.floor(h)
    const hi = Math.min(lo + 1, values.length - 1)
    const estimate = values[lo]! + (h - lo) * (values[hi]! - values[lo]!)
    const w = Math.max(estimate, own, 0)
    wallet[i] = w
    share[i] = w > 0 ? Math.max(own, 0) / w : 0
    growthPotential[i] = w - Math.max(own, 0)
  }
  return { wallet, share, growthPotential }
}
