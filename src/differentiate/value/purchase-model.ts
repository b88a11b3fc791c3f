import type { FitResult } from '../../numeric/fit-log-params.js'
import {
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
  bgNbdProbabilityAlive,
  fitBgNbd,
} from './bg-nbd.js'
import type { SummaryGroups } from './customer-summary.js'
import {
  fitParetoNbd,
  paretoNbdConditionalExpectedTransactions,
  paretoNbdExpectedTransactions,
  paretoNbdProbabilityAlive,
} from './pareto-nbd.js'

export const VALUE_MODELS = ['bgnbd', 'pnbd'] as const
export type ValueModel = (typeof VALUE_MODELS)[number]

/** A fitted purchase model and its per-customer figures, whichever model it is. */
export interface PurchaseModel {
  readonly fit: FitResult<string>
  readonly probabilityAlive: (x: number, tx: number, T: number) => number
  readonly conditionalExpected: (t: number, x: number, tx: number, T: number) => number
  readonly expected: (t: number) => number
}

export function fitPurchaseModel(model: ValueModel, groups: SummaryGroups): PurchaseModel {
  switch (model) {
    case 'bgnbd': {
      const fit = fitBgNbd(groups)
      const p = fit.params
      return {
        fit,
        probabilityAlive: (x, tx, T) => bgNbdProbabilityAlive(p, x, tx, T),
        conditionalExpected: (t, x, tx, T) => bgNbdConditionalExpectedTransactions(p, t, x, tx, T),
        expected: (t) => bgNbdExpectedTransactions(p, t),
      }
    }
    case 'pnbd': {
      const fit = fitParetoNbd(groups)
      const p = fit.params
      return {
        fit,
        probabilityAlive: (x, tx, T) => paretoNbdProbabilityAlive(p, x, tx, T),
        conditionalExpected: (t, x, tx, T) =>
          paretoNbdConditionalExpectedTransactions(p, t, x, tx, T),
        expected: (t) => paretoNbdExpectedTransactions(p, t),
      }
    }
  }
}
