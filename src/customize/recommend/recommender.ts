/**
 * What every recommender model offers once fitted: scores for all items given one customer's
 * history, and item-to-item affinities for "because you bought X" and live feedback.
 */

export const MODEL_KINDS = ['popularity', 'item-knn', 'ease', 'ials'] as const
export type ModelKind = (typeof MODEL_KINDS)[number]

export function isModelKind(value: string): value is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(value)
}

/** One customer's interactions as item indices with positive strengths, sorted by item. */
export interface UserHistory {
  readonly items: Int32Array
  readonly values: Float64Array
}

export type ScoreBuffer = Float64Array | Float32Array

export type ModelParams = Readonly<Record<string, number | string | boolean>>

/** A fitted model reduced to plain values and typed arrays, to store and to restore. */
export interface ModelState {
  readonly kind: ModelKind
  readonly itemCount: number
  readonly params: ModelParams
  readonly arrays: Readonly<Record<string, Float64Array | Float32Array | Int32Array>>
}

export interface Recommender {
  readonly kind: ModelKind
  readonly itemCount: number
  readonly params: ModelParams
  /** Writes a score per item (length ≥ itemCount) for the history; higher is better. */
  score(history: UserHistory, out: ScoreBuffer): void
  /** Writes how strongly each item goes with `item` (length ≥ itemCount); `item` itself gets 0. */
  similar(item: number, out: ScoreBuffer): void
  /**
   * Optional: `score(history, out)` and `similar(item, similarOut)` in one pass over the model's
   * parameters, with exactly the results of the two calls; for a list with a skipped item.
   */
  scoreAndSimilar?(
    history: UserHistory,
    out: ScoreBuffer,
    item: number,
    similarOut: Float64Array,
  ): void
  /** How alike two items are, on the scale of {@link similar}; for diversity (MMR). */
  pairSimilarity(a: number, b: number): number
  exportState(): ModelState
}

/** Progress of a long fit: `done` of `total` steps of the named phase. */
export type FitProgress = (phase: string, done: number, total: number) => void

export const EMPTY_HISTORY: UserHistory = { items: new Int32Array(0), values: new Float64Array(0) }
