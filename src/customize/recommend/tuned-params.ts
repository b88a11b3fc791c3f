import type { EaseParams } from './ease.js'
import type { IalsParams } from './ials.js'
import type { ItemKnnParams } from './item-knn.js'

/**
 * Default hyperparameters, chosen on a validation split carved out of the MovieLens-100k
 * training file (splitRandom(train, seed 7)), never on its test file; see README.md in this
 * folder for the grid and the figures.
 */
export const TUNED = {
  ease: { lambda: 300, dropout: 0.33 },
  ials: { factors: 64, regularization: 25, alpha: 1.5, iterations: 15, cgSteps: 3 },
  itemKnn: { neighbours: 200, shrinkage: 0, weighting: 'cosine' },
} as const satisfies {
  readonly ease: EaseParams
  readonly ials: IalsParams
  readonly itemKnn: ItemKnnParams
}
