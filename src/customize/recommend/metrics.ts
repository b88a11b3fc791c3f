/**
 * Top-K ranking metrics for one customer. `ranked` holds item indices best first (`count` of them,
 * possibly fewer than K); `relevant` marks the customer's held-out items (1 = relevant) and
 * `nRelevant` counts them. Definitions follow the MovieLens split's README
 * (shared/data/movielens-100k/split-seed42): precision divides by K, recall by all relevant items,
 * NDCG's ideal puts min(K, |relevant|) hits at the top.
 */

export const RANKING_METRICS = ['precision', 'recall', 'ndcg', 'map', 'hitrate'] as const
export type RankingMetric = (typeof RANKING_METRICS)[number]

function hitsAt(ranked: Int32Array, count: number, relevant: Uint8Array, k: number): number {
  let hits = 0
  const m = Math.min(k, count)
  for (let i = 0; i < m; i++) if (relevant[ranked[i]!] === 1) hits++
  return hits
}

/**
 * Precision@K = hits in the top K / K.
 *
 * *Method:* count of relevant items among the first K ranked.
 *
 * *References:* README of shared/data/movielens-100k/split-seed42; C. Manning, P. Raghavan,
 * H. Schütze, *Introduction to Information Retrieval*, §8.4.
 */
export function precisionAtK(
  ranked: Int32Array,
  count: number,
  relevant: Uint8Array,
  k: number,
): number {
  return k > 0 ? hitsAt(ranked, count, relevant, k) / k : NaN
}

/**
 * Recall@K = hits in the top K / |relevant|; NaN when nothing is relevant.
 *
 * *Method:* as precision, divided by the number of held-out items.
 *
 * *References:* README of shared/data/movielens-100k/split-seed42.
 */
export function recallAtK(
  ranked: Int32Array,
  count: number,
  relevant: Uint8Array,
  nRelevant: number,
  k: number,
): number {
  return nRelevant > 0 ? hitsAt(ranked, count, relevant, k) / nRelevant : NaN
}

/**
 * NDCG@K with binary gains: Σ_{hits at rank i ≤ K} 1/log2(i+1), divided by the same sum for
 * min(K, |relevant|) hits at the top.
 *
 * *Method:* discounted cumulative gain over the ideal.
 *
 * *References:* K. Järvelin, J. Kekäläinen, "Cumulated gain-based evaluation of IR techniques",
 * TOIS 2002; D. Liang et al., "Variational autoencoders for collaborative filtering", WWW 2018.
 */
export function ndcgAtK(
  ranked: Int32Array,
  count: number,
  relevant: Uint8Array,
  nRelevant: number,
  k: number,
): number {
  if (nRelevant <= 0 || k <= 0) return NaN
  let dcg = 0
  const m = Math.min(k, count)
  for (let i = 0; i < m; i++) if (relevant[ranked[i]!] === 1) dcg += 1 / Math.log2(i + 2)
  let ideal = 0
  const top = Math.min(k, nRelevant)
  for (let i = 0; i < top; i++) ideal += 1 / Math.log2(i + 2)
  return dcg / ideal
}

/**
 * Average precision@K: Σ over hits at rank i ≤ K of (hits up to i)/i, divided by
 * min(K, |relevant|); MAP@K is its mean over customers.
 *
 * *Method:* truncated average precision.
 *
 * *References:* C. Manning, P. Raghavan, H. Schütze, *Introduction to Information Retrieval*,
 * §8.4; Kaggle's `apk` (the common MAP@K definition).
 */
export function averagePrecisionAtK(
  ranked: Int32Array,
  count: number,
  relevant: Uint8Array,
  nRelevant: number,
  k: number,
): number {
  if (nRelevant <= 0 || k <= 0) return NaN
  let hits = 0
  let sum = 0
  const m = Math.min(k, count)
  for (let i = 0; i < m; i++) {
    if (relevant[ranked[i]!] === 1) {
      hits++
      sum += hits / (i + 1)
    }
  }
  return sum / Math.min(k, nRelevant)
}

/**
 * HitRate@K: 1 when at least one relevant item is in the top K, else 0.
 *
 * *Method:* indicator of any hit.
 *
 * *References:* M. Deshpande, G. Karypis, "Item-based top-N recommendation algorithms", TOIS 2004.
 */
export function hitRateAtK(
  ranked: Int32Array,
  count: number,
  relevant: Uint8Array,
  k: number,
): number {
  return hitsAt(ranked, count, relevant, k) > 0 ? 1 : 0
}

/**
 * Catalog coverage: the share of the catalog that appears in at least one customer's top K.
 *
 * *Method:* distinct recommended items / catalog size, from a per-item mark.
 *
 * *References:* M. Ge, C. Delgado-Battenfeld, D. Jannach, "Beyond accuracy: evaluating
 * recommender systems by coverage and serendipity", RecSys 2010.
 */
export function catalogCoverage(recommended: Uint8Array, itemCount: number): number {
  if (itemCount <= 0) return NaN
  let n = 0
  for (let i = 0; i < itemCount; i++) if (recommended[i] === 1) n++
  return n / itemCount
}
