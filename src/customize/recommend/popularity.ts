import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import type { ModelState, Recommender, ScoreBuffer } from './recommender.js'

export interface PopularityParams {
  /** Count customers per item (true, default) or sum the cell strengths. */
  readonly countCustomers?: boolean
}

/**
 * Most popular items: every customer gets the same scores, the number of customers who
 * interacted with each item.
 *
 * *Method:* column counts of the interaction matrix.
 *
 * *References:* P. Cremonesi, Y. Koren, R. Turrin, "Performance of recommender algorithms on
 * top-N recommendation tasks", RecSys 2010 (the popularity baseline).
 */
export function fitPopularity(x: CsrMatrix, params: PopularityParams = {}): Recommender {
  const counts = new Float64Array(x.cols)
  const byCustomer = params.countCustomers ?? true
  const nnz = x.rowPtr[x.rows]!
  for (let p = 0; p < nnz; p++) counts[x.colIdx[p]!]! += byCustomer ? 1 : x.values[p]!
  return popularityModel(counts, byCustomer)
}

function popularityModel(counts: Float64Array, byCustomer: boolean): Recommender {
  const n = counts.length
  return {
    kind: 'popularity',
    itemCount: n,
    params: { countCustomers: byCustomer },
    score(_history, out: ScoreBuffer) {
      out.set(counts)
    },
    similar(item, out: ScoreBuffer) {
      out.set(counts)
      out[item] = 0
    },
    pairSimilarity: () => 0,
    exportState: () => ({
      kind: 'popularity',
      itemCount: n,
      params: { countCustomers: byCustomer },
      arrays: { counts },
    }),
  }
}

export function restorePopularity(state: ModelState): Recommender {
  const counts = state.arrays['counts']
  if (!(counts instanceof Float64Array)) throw new Error('popularity state lacks counts')
  return popularityModel(counts, state.params['countCustomers'] !== false)
}
