/** Tables of the Customize stage's recommenders. Times are epoch milliseconds. */

/** A trained recommender, versioned per kind; the highest version of a kind is the live one. */
export interface RecommenderModelsTable {
  id: string
  kind: string
  version: number
  /** JSON object of the hyperparameters. */
  params: string
  /** JSON object of evaluation figures (`ndcg@10`, …, `fitMs`), `{}` when not evaluated. */
  metrics: string
  /** JSON array of product ids, one per model column. */
  item_ids: string
  trained_at: number
  size_bytes: number
  /** The model as written by `encodeModel`. */
  model: Uint8Array
}

/**
 * An evaluation of the recommenders on the shop's own interactions (time split): the report
 * `idic evaluate --shop` prints, kept so the dashboard can show the table.
 */
export interface RecommenderEvaluationsTable {
  id: string
  /** The split in words (`time: last 30 days held out (from …)`). */
  split: string
  /** JSON of the report: counts, `models` (metrics per model) and `skipped`. */
  report: string
  created_at: number
}
