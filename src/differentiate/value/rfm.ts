/**
 * RFM: recency, frequency and monetary quintile scores (1 = worst, 5 = best) and the named
 * segments marketers use.
 */

export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential loyalists',
  'New customers',
  'Promising',
  'Need attention',
  'About to sleep',
  'At risk',
  "Can't lose them",
  'Hibernating',
] as const
export type RfmSegment = (typeof RFM_SEGMENTS)[number]

export interface RfmInput {
  /** Time since the last purchase (any unit); smaller is better. */
  readonly recency: Float64Array
  /** Number of purchases. */
  readonly frequency: Float64Array
  /** Money spent. */
  readonly monetary: Float64Array
}

export interface RfmScores {
  readonly r: Uint8Array
  readonly f: Uint8Array
  readonly m: Uint8Array
  readonly segment: readonly RfmSegment[]
}

/**
 * Quintile scores 1..5 of `values` into `out`, ties sharing a score; higher values score higher.
 *
 * *Method:* mid-rank percentile p = (#below + #equal/2) / n, score = 1 + min(4, ⌊5p⌋), so equal
 * values always get equal scores and the scores are as close to quintiles as the ties allow.
 *
 * *References:* Hughes (1994), "Strategic Database Marketing" (RFM quintiles); Hyndman & Fan
 * (1996), "Sample quantiles in statistical packages", The American Statistician 50(4).
 */
export function quintileScores(values: Float64Array, out: Uint8Array): void {
  const n = values.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((i, j) => values[i]! - values[j]!)
  let start = 0
  while (start < n) {
    let end = start + 1
    while (end < n && values[order[end]!] === values[order[start]!]) end++
    const p = (start + (end - start) / 2) / n
    const score = 1 + Math.min(4, Math.floor(5 * p))
    for (let k = start; k < end; k++) out[order[k]!] = score
    start = end
  }
}

/**
 * The named segment of an R and F score (the usual RF grid; M refines within segments).
 *
 * *Method:* R 5 & F 4–5 Champions; R 3–4 & F 4–5 Loyal; R 4–5 & F 2–3 Potential loyalists;
 * R 5 & F 1 New customers; R 4 & F 1 Promising; R 3 & F 3 Need attention; R 3 & F 1–2 About
 * to sleep; R 1–2 & F 5 Can't lose them; R 1–2 & F 3–4 At risk; R 1–2 & F 1–2 Hibernating.
 *
 * *References:* Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer
 * Base Analysis", JMR 42(4); the RF segment grid used by common RFM tools (e.g. Putler).
 */
export function rfmSegment(r: number, f: number): RfmSegment {
  if (r >= 5 && f >= 4) return 'Champions'
  if (r >= 3 && f >= 4) return 'Loyal'
  if (r >= 4 && f >= 2) return 'Potential loyalists'
  if (r >= 5) return 'New customers'
  if (r >= 4) return 'Promising'
  if (r >= 3 && f >= 3) return 'Need attention'
  if (r >= 3) return 'About to sleep'
  if (f >= 5) return "Can't lose them"
  if (f >= 3) return 'At risk'
  return 'Hibernating'
}

/**
 * RFM quintile scores and named segments for every customer.
 *
 * *Method:* {@link quintileScores} of −recency, frequency and monetary value; {@link rfmSegment}.
 *
 * *References:* Hughes (1994), "Strategic Database Marketing".
 */
export function scoreRfm(input: RfmInput): RfmScores {
  const n = input.recency.length
  const r = new Uint8Array(n)
  const f = new Uint8Array(n)
  const m = new Uint8Array(n)
  quintileScores(
    input.recency.map((v) => -v),
    r,
  )
  quintileScores(input.frequency, f)
  quintileScores(input.monetary, m)
  const segment: RfmSegment[] = []
  for (let i = 0; i < n; i++) segment.push(rfmSegment(r[i]!, f[i]!))
  return { r, f, m, segment }
}
