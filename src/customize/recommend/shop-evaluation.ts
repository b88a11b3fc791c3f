import { invalidInput } from '../../core/errors.js'
import { splitByTime } from './evaluate.js'
import type { InteractionRow } from './interaction-matrix.js'
import type { FitProgress, ModelKind, ModelParams } from './recommender.js'
import { evaluateSplit, type EvaluationReport } from './run-evaluation.js'

export interface ShopEvaluationOptions {
  /** The last this many days (before the newest interaction) are held out; default 30. */
  readonly holdoutDays?: number
  readonly ks?: readonly number[]
  readonly models?: readonly ModelKind[]
  readonly params?: Partial<Record<ModelKind, ModelParams>>
  readonly progress?: (model: string) => FitProgress
}

/**
 * The recommenders judged on the shop's own history, as they will be used: each model learns from
 * every interaction (purchases, views, cart adds, likes; skips and dismissals against) before the
 * cut-off, weighted as in training, and must find the products each customer then bought in the
 * held-out days that they had not bought or touched before. Pure: takes the rows, does no I/O.
 */
export function evaluateShopInteractions(
  rows: readonly InteractionRow[],
  options: ShopEvaluationOptions = {},
): EvaluationReport {
  const days = options.holdoutDays ?? 30
  if (!(days > 0)) throw invalidInput('holdoutDays must be positive', { field: 'holdoutDays' })
  let last = -Infinity
  for (const row of rows) if (row.time > last) last = row.time
  if (last === -Infinity) {
    throw invalidInput('The shop has no interactions to evaluate on: import orders or send events')
  }
  const cutoff = last - days * 86_400_000
  const { train, test } = splitByTime(rows, cutoff)
  const purchases = test.filter((row) => row.kind === 'purchase')
  if (train.length === 0 || purchases.length === 0) {
    throw invalidInput(
      `Nothing to hold out: the evaluation needs interactions before and purchases in the last ${days} days`,
      { field: 'holdoutDays', trainInteractions: train.length, heldOutPurchases: purchases.length },
    )
  }
  return evaluateSplit(
    { train, test: purchases },
    {
      data: 'shop',
      split: `time: purchases in the last ${days} days held out (from ${new Date(cutoff).toISOString()})`,
      matrixOptions: {},
      ...(options.ks === undefined ? {} : { ks: options.ks }),
      ...(options.models === undefined ? {} : { models: options.models }),
      ...(options.params === undefined ? {} : { params: options.params }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    },
  )
}
