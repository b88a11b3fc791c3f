import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import { fitEase, type EaseParams } from './ease.js'
import { fitIals, type IalsParams } from './ials.js'
import { fitItemKnn, type ItemKnnParams } from './item-knn.js'
import { fitPopularity } from './popularity.js'
import type { FitProgress, ModelKind, ModelParams, Recommender } from './recommender.js'
import { TUNED } from './tuned-params.js'

function num(params: ModelParams, key: string, fallback: number): number {
  const v = params[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback
}

/** Fits a model of `kind`; params not given take the tuned defaults. */
export function fitRecommender(
  kind: ModelKind,
  x: CsrMatrix,
  params: ModelParams = {},
  progress?: FitProgress,
): Recommender {
  switch (kind) {
    case 'popularity':
      return fitPopularity(x, { countCustomers: params['countCustomers'] !== false })
    case 'ease': {
      const p: EaseParams = {
        lambda: num(params, 'lambda', TUNED.ease.lambda),
        dropout: num(params, 'dropout', TUNED.ease.dropout),
      }
      return fitEase(x, p, progress)
    }
    case 'item-knn': {
      const p: ItemKnnParams = {
        neighbours: num(params, 'neighbours', TUNED.itemKnn.neighbours),
        shrinkage: num(params, 'shrinkage', TUNED.itemKnn.shrinkage),
        weighting: params['weighting'] === 'bm25' ? 'bm25' : 'cosine',
        bm25K1: num(params, 'bm25K1', 100),
        bm25B: num(params, 'bm25B', 0.8),
        alpha: num(params, 'alpha', 1),
      }
      return fitItemKnn(x, p, progress)
    }
    case 'ials': {
      const p: IalsParams = {
        factors: num(params, 'factors', TUNED.ials.factors),
        regularization: num(params, 'regularization', TUNED.ials.regularization),
        alpha: num(params, 'alpha', TUNED.ials.alpha),
        iterations: num(params, 'iterations', TUNED.ials.iterations),
        cgSteps: num(params, 'cgSteps', TUNED.ials.cgSteps),
        regularizationExponent: num(params, 'regularizationExponent', 0),
        seed: num(params, 'seed', 42),
        ...(typeof params['threads'] === 'number' ? { threads: params['threads'] } : {}),
      }
      return fitIals(x, p, progress)
    }
  }
}
