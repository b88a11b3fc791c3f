import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import {
  buildInteractionMatrix,
  historyOf,
  type InteractionMatrixOptions,
  type InteractionRow,
} from './interaction-matrix.js'
import {
  averagePrecisionAtK,
  catalogCoverage,
  hitRateAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from './metrics.js'
import type { FitProgress, Recommender } from './recommender.js'
import { selectTopN } from './top-n.js'

export const SPLIT_KINDS = ['random', 'time', 'leave-last'] as const
export type SplitKind = (typeof SPLIT_KINDS)[number]

/** Rows divided into what models learn from and what they are scored on. */
export interface RowSplit {
  readonly train: readonly InteractionRow[]
  readonly test: readonly InteractionRow[]
}

/** Train and test cells on the same customer × item indices. */
export interface TrainTest {
  readonly train: CsrMatrix
  readonly test: CsrMatrix
  readonly customerIds: readonly string[]
  readonly itemIds: readonly string[]
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

function groupByCustomer(rows: readonly InteractionRow[]): Map<string, InteractionRow[]> {
  const by = new Map<string, InteractionRow[]>()
  for (const row of rows) {
    const list = by.get(row.customer)
    if (list === undefined) by.set(row.customer, [row])
    else list.push(row)
  }
  return by
}

/**
 * Per customer, a share of their distinct items (at least one; Python-style rounding) chosen at
 * random goes to test, the protocol of the MovieLens split's README (with our own generator, so
 * not the same draw as numpy's).
 */
export function splitRandom(
  rows: readonly InteractionRow[],
  options: { readonly testFraction?: number; readonly seed?: number } = {},
): RowSplit {
  const fraction = options.testFraction ?? 0.2
  const rand = seededRandom(options.seed ?? 42)
  const train: InteractionRow[] = []
  const test: InteractionRow[] = []
  const customers = [...groupByCustomer(rows).entries()].sort((a, b) => compare(a[0], b[0]))
  for (const [, list] of customers) {
    const items = [...new Set(list.map((r) => r.item))].sort(compare)
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const t = items[i]!
      items[i] = items[j]!
      items[j] = t
    }
    const nTest = Math.max(1, roundHalfEven(fraction * items.length))
    const held = new Set(items.slice(0, nTest))
    for (const row of list) (held.has(row.item) ? test : train).push(row)
  }
  return { train, test }
}

/** Everything before `cutoff` (epoch ms) trains, everything from it on tests. */
export function splitByTime(rows: readonly InteractionRow[], cutoff: number): RowSplit {
  const train: InteractionRow[] = []
  const test: InteractionRow[] = []
  for (const row of rows) (row.time < cutoff ? train : test).push(row)
  return { train, test }
}

/** Each customer's latest item (with two or more items) is held out. */
export function splitLeaveLast(rows: readonly InteractionRow[]): RowSplit {
  const train: InteractionRow[] = []
  const test: InteractionRow[] = []
  for (const [, list] of groupByCustomer(rows)) {
    const items = new Set(list.map((r) => r.item))
    if (items.size < 2) {
      train.push(...list)
      continue
    }
    let last = list[0]!
    for (const row of list) {
      if (row.time > last.time || (row.time === last.time && compare(row.item, last.item) > 0))
        last = row
    }
    for (const row of list) (row.item === last.item ? test : train).push(row)
  }
  return { train, test }
}

function compare(a: string, b: string): number {
  const na = Number(a)
  const nb = Number(b)
  if (Number.isFinite(na) && Number.isFinite(nb) && a !== '' && b !== '') return na - nb
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Matrices for a split: the training matrix and the test cells of customers known in training
 * that they did not already have in training (the ranking excludes training items, so those
 * could never be hit).
 */
export function buildTrainTest(split: RowSplit, options: InteractionMatrixOptions = {}): TrainTest {
  // Without a given catalog, the catalog is every item either side mentions: a held-out item
  // nobody had in training still counts as relevant (and is hard to hit), as in the README.
  const items = options.items ?? catalogOf(split)
  const train = buildInteractionMatrix(split.train, { ...options, items })
  const rowIdx: number[] = []
  const colIdx: number[] = []
  for (const row of split.test) {
    const u = train.customerIndex.get(row.customer)
    const i = train.itemIndex.get(row.item)
    if (u === undefined || i === undefined) continue
    rowIdx.push(u)
    colIdx.push(i)
  }
  const m = train.matrix
  const pairs = new Map<number, Set<number>>()
  for (let t = 0; t < rowIdx.length; t++) {
    const u = rowIdx[t]!
    const i = colIdx[t]!
    if (inRow(m, u, i)) continue
    let set = pairs.get(u)
    if (set === undefined) pairs.set(u, (set = new Set()))
    set.add(i)
  }
  const rowPtr = new Int32Array(m.rows + 1)
  const cols: number[] = []
  for (let u = 0; u < m.rows; u++) {
    const set = pairs.get(u)
    if (set !== undefined) cols.push(...[...set].sort((a, b) => a - b))
    rowPtr[u + 1] = cols.length
  }
  const test: CsrMatrix = {
    rows: m.rows,
    cols: m.cols,
    rowPtr,
    colIdx: Int32Array.from(cols),
    values: new Float64Array(cols.length).fill(1),
  }
  return { train: m, test, customerIds: train.customerIds, itemIds: train.itemIds }
}

function catalogOf(split: RowSplit): string[] {
  const seen = new Set<string>()
  for (const row of split.train) seen.add(row.item)
  for (const row of split.test) seen.add(row.item)
  return [...seen].sort(compare)
}

function inRow(m: CsrMatrix, row: number, col: number): boolean {
  let lo = m.rowPtr[row]!
  let hi = m.rowPtr[row + 1]! - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const c = m.colIdx[mid]!
    if (c === col) return true
    if (c < col) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

export interface ModelSpec {
  readonly name: string
  readonly fit: (train: CsrMatrix, progress?: FitProgress) => Recommender
}

export interface ModelEvaluation {
  readonly name: string
  /** `precision@10`, `recall@20`, `ndcg@10`, `map@10`, `hitrate@10`, `coverage@10`, … */
  readonly metrics: Readonly<Record<string, number>>
  readonly fitMs: number
  readonly evalMs: number
  /** Customers with at least one test item, over whom the metrics are averaged. */
  readonly customers: number
  readonly model: Recommender
}

/**
 * Fits each model on the training matrix and ranks, for every customer with test items, all
 * items they did not have in training; metrics are means over those customers.
 */
export function evaluateModels(
  data: Pick<TrainTest, 'train' | 'test'>,
  specs: readonly ModelSpec[],
  options: {
    readonly ks?: readonly number[]
    readonly progress?: (name: string) => FitProgress
  } = {},
): ModelEvaluation[] {
  const ks = [...(options.ks ?? [10, 20])].sort((a, b) => a - b)
  const maxK = ks[ks.length - 1] ?? 10
  const { train, test } = data
  const n = train.cols
  const results: ModelEvaluation[] = []
  for (const spec of specs) {
    const t0 = performance.now()
    const model = spec.fit(train, options.progress?.(spec.name))
    const fitMs = performance.now() - t0
    results.push({
      ...evaluateModel(model, train, test, ks, maxK, n),
      name: spec.name,
      fitMs,
      model,
    })
  }
  return results
}

/** Ranks and scores one fitted model (see {@link evaluateModels}). */
export function evaluateFitted(
  model: Recommender,
  data: Pick<TrainTest, 'train' | 'test'>,
  ks: readonly number[] = [10, 20],
): {
  readonly metrics: Readonly<Record<string, number>>
  readonly evalMs: number
  readonly customers: number
} {
  const sorted = [...ks].sort((a, b) => a - b)
  return evaluateModel(
    model,
    data.train,
    data.test,
    sorted,
    sorted[sorted.length - 1] ?? 10,
    data.train.cols,
  )
}

function evaluateModel(
  model: Recommender,
  train: CsrMatrix,
  test: CsrMatrix,
  ks: readonly number[],
  maxK: number,
  n: number,
): { metrics: Record<string, number>; evalMs: number; customers: number } {
  const t0 = performance.now()
  const scores = new Float64Array(n)
  const excluded = new Uint8Array(n)
  const relevant = new Uint8Array(n)
  const ranked = new Int32Array(maxK)
  const heap = new Float64Array(maxK)
  const coverage = ks.map(() => new Uint8Array(n))
  const sums = new Map<string, number>()
  let customers = 0
  const add = (key: string, v: number): void => {
    sums.set(key, (sums.get(key) ?? 0) + v)
  }
  for (let u = 0; u < test.rows; u++) {
    const tStart = test.rowPtr[u]!
    const tEnd = test.rowPtr[u + 1]!
    if (tEnd === tStart) continue
    customers++
    const history = historyOf(train, u)
    model.score(history, scores)
    for (let h = 0; h < history.items.length; h++) excluded[history.items[h]!] = 1
    for (let p = tStart; p < tEnd; p++) relevant[test.colIdx[p]!] = 1
    const nRel = tEnd - tStart
    const count = selectTopN(scores, n, maxK, excluded, ranked, heap)
    ks.forEach((k, ki) => {
      add(`precision@${k}`, precisionAtK(ranked, count, relevant, k))
      add(`recall@${k}`, recallAtK(ranked, count, relevant, nRel, k))
      add(`ndcg@${k}`, ndcgAtK(ranked, count, relevant, nRel, k))
      add(`map@${k}`, averagePrecisionAtK(ranked, count, relevant, nRel, k))
      add(`hitrate@${k}`, hitRateAtK(ranked, count, relevant, k))
      const mark = coverage[ki]!
      for (let r = 0; r < Math.min(k, count); r++) mark[ranked[r]!] = 1
    })
    for (let h = 0; h < history.items.length; h++) excluded[history.items[h]!] = 0
    for (let p = tStart; p < tEnd; p++) relevant[test.colIdx[p]!] = 0
  }
  const metrics: Record<string, number> = {}
  for (const [key, sum] of sums) metrics[key] = customers > 0 ? sum / customers : NaN
  ks.forEach((k, ki) => {
    metrics[`coverage@${k}`] = catalogCoverage(coverage[ki]!, n)
  })
  return { metrics, evalMs: performance.now() - t0, customers }
}
