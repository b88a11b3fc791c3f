import { addGram, rotateRows, sweepRows, symmetrize, type SweepSide } from './ials-sweep.js'

/**
 * What the threads fitting one iALS model share: both sides of the interaction matrix, both
 * factor matrices, the Gramian and one partial Gramian per thread. With more than one thread
 * every array lies in a SharedArrayBuffer, so each thread writes its own rows in place.
 */
export interface IalsShared {
  readonly k: number
  readonly alpha: number
  readonly cgSteps: number
  readonly threads: number
  /** Rows are customers, columns items. */
  readonly userSide: SweepSide
  /** Rows are items, columns customers. */
  readonly itemSide: SweepSide
  readonly userFactors: Float64Array
  readonly itemFactors: Float64Array
  /** threads + 1 row boundaries of each side's sweep, of about equal work. */
  readonly userRanges: Int32Array
  readonly itemRanges: Int32Array
  readonly gram: Float64Array
  /** threads × k² partial sums of the Gramian. */
  readonly partialGrams: Float64Array
  /**
   * Whether the customers are solved in the eigenbasis of the items' Gramian: `rotate` has
   * turned both factor matrices by `rotation` (its eigenvectors) and `gram` holds only its
   * eigenvalues, on the diagonal.
   */
  readonly eigenbasis: boolean
  /** k×k orthogonal matrix the `rotate` task turns both factor matrices by. */
  readonly rotation: Float64Array
}

/**
 * The steps of an iteration, each split across threads (`rotate` only in the eigenbasis); EXIT
 * ends a helper thread.
 */
export const IALS_TASK = {
  gramOfItems: 1,
  sweepUsers: 2,
  gramOfUsers: 3,
  sweepItems: 4,
  exit: 5,
  rotate: 6,
} as const
export type IalsTask = (typeof IALS_TASK)[keyof typeof IALS_TASK]

/**
 * Thread `t`'s share of `task`: its slice of the rows to sweep, or its partial Gramian over an
 * even slice of the fixed side's rows. `work` is the thread's own 3k scratch.
 */
export function runIalsTask(s: IalsShared, task: IalsTask, t: number, work: Float64Array): void {
  const k = s.k
  switch (task) {
    case IALS_TASK.gramOfItems:
    case IALS_TASK.gramOfUsers: {
      const ofItems = task === IALS_TASK.gramOfItems
      const f = ofItems ? s.itemFactors : s.userFactors
      const rows = ofItems ? s.itemSide.m.rows : s.userSide.m.rows
      const from = Math.floor((rows * t) / s.threads)
      const to = Math.floor((rows * (t + 1)) / s.threads)
      const out = s.partialGrams.subarray(t * k * k, (t + 1) * k * k)
      out.fill(0)
      addGram(f, k, from, to, out)
      return
    }
    case IALS_TASK.sweepUsers:
    case IALS_TASK.sweepItems: {
      const ofUsers = task === IALS_TASK.sweepUsers
      const [side, solve, fixed, ranges] = ofUsers
        ? [s.userSide, s.userFactors, s.itemFactors, s.userRanges]
        : [s.itemSide, s.itemFactors, s.userFactors, s.itemRanges]
      const diagonal = ofUsers && s.eigenbasis
      sweepRows(
        side,
        solve,
        fixed,
        k,
        s.alpha,
        s.cgSteps,
        s.gram,
        work,
        ranges[t]!,
        ranges[t + 1]!,
        diagonal,
      )
      return
    }
    case IALS_TASK.rotate: {
      const tmp = work.subarray(0, k)
      for (const [f, rows] of [
        [s.userFactors, s.userSide.m.rows],
        [s.itemFactors, s.itemSide.m.rows],
      ] as const) {
        const from = Math.floor((rows * t) / s.threads)
        const to = Math.floor((rows * (t + 1)) / s.threads)
        rotateRows(f, k, s.rotation, from, to, tmp)
      }
      return
    }
    case IALS_TASK.exit:
      return
  }
}

/** The Gramian from the threads' partial sums, in thread order. */
export function sumPartialGrams(s: IalsShared): void {
  const kk = s.k * s.k
  s.gram.set(s.partialGrams.subarray(0, kk))
  for (let t = 1; t < s.threads; t++) {
    const o = t * kk
    for (let i = 0; i < kk; i++) s.gram[i]! += s.partialGrams[o + i]!
  }
  symmetrize(s.gram, s.k)
}
