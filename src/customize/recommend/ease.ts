import { choleskyInverse } from '../../numeric/cholesky.js'
import { csrGramDense, type CsrMatrix } from '../../numeric/csr-matrix.js'
import type { FitProgress, ModelState, Recommender, ScoreBuffer } from './recommender.js'

export interface EaseParams {
  /** L2 regularization λ added to the Gram diagonal. */
  readonly lambda: number
  /**
   * Dropout probability p of the denoising variant (EDLAE): adds p/(1−p)·G_jj to each diagonal
   * entry, a stronger penalty on popular items. 0 gives plain EASE.
   */
  readonly dropout?: number
}

/**
 * EASE: an item-item weight matrix B with zero diagonal minimizing ‖X − XB‖² + λ‖B‖², scored as
 * x·B. Stored as Float32 (half the memory and bandwidth; scores need no more precision).
 *
 * *Method:* closed form B = I − P·diag(1/diag(P)) with P = (XᵀX + Λ)⁻¹, Λ = λI (+ p/(1−p)·diag(G)
 * for EDLAE), the inverse by an in-place blocked Cholesky.
 *
 * *References:* H. Steck, "Embarrassingly shallow autoencoders for sparse data", WWW 2019;
 * H. Steck, "Autoencoders that don't overfit towards the identity", NeurIPS 2020 (EDLAE).
 */
export function fitEase(x: CsrMatrix, params: EaseParams, progress?: FitProgress): Recommender {
  const n = x.cols
  const p = params.dropout ?? 0
  if (!(params.lambda >= 0) || !(p >= 0 && p < 1)) {
    throw new Error(`EASE needs lambda ≥ 0 and 0 ≤ dropout < 1, got ${JSON.stringify(params)}`)
  }
  progress?.('gram', 0, 3)
  const g = csrGramDense(x, new Float64Array(n * n))
  const ratio = p / (1 - p)
  for (let i = 0; i < n; i++) {
    const d = g[i * n + i]!
    // An item nobody touched would make G singular without λ; give it a unit diagonal.
    g[i * n + i] = d + params.lambda + ratio * d + (d === 0 && params.lambda === 0 ? 1 : 0)
  }
  progress?.('inverse', 1, 3)
  const info = choleskyInverse(g, n)
  if (info !== 0) throw new Error(`EASE: Gram + λI not positive definite at ${info} (λ too small)`)
  progress?.('weights', 2, 3)
  // In place, row by row: B[i][j] = −P[i][j]/P[j][j], zero diagonal, written as float32 into the
  // front of the same buffer (element k of the float32 view lies within element ⌊k/2⌋ ≤ k).
  const diag = new Float64Array(n)
  for (let j = 0; j < n; j++) diag[j] = g[j * n + j]!
  const b32 = new Float32Array(g.buffer, g.byteOffset, n * n)
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let j = 0; j < n; j++) b32[ri + j] = i === j ? 0 : -g[ri + j]! / diag[j]!
  }
  const weights = b32.slice()
  progress?.('weights', 3, 3)
  return easeModel(weights, n, params)
}

function easeModel(weights: Float32Array, n: number, params: EaseParams): Recommender {
  const stored = { lambda: params.lambda, dropout: params.dropout ?? 0 }
  return {
    kind: 'ease',
    itemCount: n,
    params: stored,
    score(history, out: ScoreBuffer) {
      out.fill(0, 0, n)
      const { items, values } = history
      for (let h = 0; h < items.length; h++) {
        const row = items[h]! * n
        const v = values[h]!
        for (let j = 0; j < n; j++) out[j]! += v * weights[row + j]!
      }
    },
    similar(item, out: ScoreBuffer) {
      const row = item * n
      for (let j = 0; j < n; j++) out[j] = weights[row + j]!
      out[item] = 0
    },
    pairSimilarity: (a, b) => (a === b ? 0 : 0.5 * (weights[a * n + b]! + weights[b * n + a]!)),
    exportState: (): ModelState => ({
      kind: 'ease',
      itemCount: n,
      params: stored,
      arrays: { weights },
    }),
  }
}

export function restoreEase(state: ModelState): Recommender {
  const weights = state.arrays['weights']
  const n = state.itemCount
  if (!(weights instanceof Float32Array) || weights.length !== n * n) {
    throw new Error('EASE state lacks an n×n float32 weight matrix')
  }
  return easeModel(weights, n, {
    lambda: Number(state.params['lambda']),
    dropout: Number(state.params['dropout'] ?? 0),
  })
}
