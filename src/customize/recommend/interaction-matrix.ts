import { buildCsrFromCoo, type CsrMatrix } from '../../numeric/csr-matrix.js'
import type { UserHistory } from './recommender.js'

/** How a customer met a product. Purchases come from order lines, the rest from `interactions`. */
export const INTERACTION_KINDS = [
  'purchase',
  'view',
  'click',
  'cart_add',
  'like',
  'skip',
  'dismiss',
] as const
export type InteractionKind = (typeof INTERACTION_KINDS)[number]

export function isInteractionKind(value: string): value is InteractionKind {
  return (INTERACTION_KINDS as readonly string[]).includes(value)
}

/** One observed interaction. `value` scales the kind's weight (a rating, a count); 1 if unsure. */
export interface InteractionRow {
  readonly customer: string
  readonly item: string
  readonly kind: InteractionKind
  readonly value: number
  /** Epoch milliseconds. */
  readonly time: number
}

export interface InteractionWeights {
  readonly purchase: number
  readonly view: number
  readonly click: number
  readonly cart_add: number
  readonly like: number
  /** Negative: a skip counts against the item. */
  readonly skip: number
  /** Negative: a dismissal counts strongly against the item. */
  readonly dismiss: number
}

export const DEFAULT_INTERACTION_WEIGHTS: InteractionWeights = {
  purchase: 4,
  view: 0.5,
  click: 1,
  cart_add: 2,
  like: 3,
  skip: -1,
  dismiss: -4,
}

export interface InteractionMatrixOptions {
  readonly weights?: Partial<InteractionWeights>
  /** Halve an interaction's weight every this many days before `now` (no decay when absent). */
  readonly halfLifeDays?: number
  /** The time decay is measured from; required with halfLifeDays. */
  readonly now?: number
  /** Clamp each kept (positive) cell to 1. */
  readonly binary?: boolean
  /** Use `value` as given (true) or count each row once whatever its value (false, default). */
  readonly useValue?: boolean
  /** Fixed item ids in this order (others in the rows are dropped), e.g. the whole catalog. */
  readonly items?: readonly string[]
}

/**
 * Customers × items. Cells are the summed, weighted, decayed interactions; cells whose sum is not
 * positive (skipped or dismissed more than engaged) are left out.
 */
export interface InteractionMatrix {
  readonly matrix: CsrMatrix
  readonly customerIds: readonly string[]
  readonly itemIds: readonly string[]
  readonly customerIndex: ReadonlyMap<string, number>
  readonly itemIndex: ReadonlyMap<string, number>
}

const DAY_MS = 86_400_000

/** Builds the interaction matrix and its index maps from interaction rows. */
export function buildInteractionMatrix(
  rows: Iterable<InteractionRow>,
  options: InteractionMatrixOptions = {},
): InteractionMatrix {
  const weights = { ...DEFAULT_INTERACTION_WEIGHTS, ...options.weights }
  const halfLife = options.halfLifeDays
  if (halfLife !== undefined && (options.now === undefined || !(halfLife > 0))) {
    throw new Error(`time decay needs now and a positive halfLifeDays (got ${String(halfLife)})`)
  }
  const now = options.now ?? 0
  const customerIndex = new Map<string, number>()
  const customerIds: string[] = []
  const itemIndex = new Map<string, number>()
  const itemIds: string[] = []
  const fixedItems = options.items !== undefined
  if (options.items !== undefined) {
    for (const id of options.items) {
      if (!itemIndex.has(id)) {
        itemIndex.set(id, itemIds.length)
        itemIds.push(id)
      }
    }
  }
  let cap = 1024
  let r: Int32Array<ArrayBuffer> = new Int32Array(cap)
  let c: Int32Array<ArrayBuffer> = new Int32Array(cap)
  let v = new Float64Array(cap)
  let n = 0
  for (const row of rows) {
    let item = itemIndex.get(row.item)
    if (item === undefined) {
      if (fixedItems) continue
      item = itemIds.length
      itemIndex.set(row.item, item)
      itemIds.push(row.item)
    }
    let customer = customerIndex.get(row.customer)
    if (customer === undefined) {
      customer = customerIds.length
      customerIndex.set(row.customer, customer)
      customerIds.push(row.customer)
    }
    let w = weights[row.kind] * (options.useValue === true ? row.value : 1)
    if (halfLife !== undefined)
      w *= Math.pow(0.5, Math.max(0, now - row.time) / (halfLife * DAY_MS))
    if (!Number.isFinite(w) || w === 0) continue
    if (n === cap) {
      cap *= 2
      r = grow(r, cap)
      c = grow(c, cap)
      const nv = new Float64Array(cap)
      nv.set(v)
      v = nv
    }
    r[n] = customer
    c[n] = item
    v[n] = w
    n++
  }
  const summed = buildCsrFromCoo(
    customerIds.length,
    itemIds.length,
    r.subarray(0, n),
    c.subarray(0, n),
    v.subarray(0, n),
  )
  return {
    matrix: keepPositive(summed, options.binary === true),
    customerIds,
    itemIds,
    customerIndex,
    itemIndex,
  }
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(cap)
  out.set(a)
  return out
}

/** Drops non-positive cells, optionally clamping kept cells to 1. */
export function keepPositive(m: CsrMatrix, binary: boolean): CsrMatrix {
  const rowPtr = new Int32Array(m.rows + 1)
  const colIdx = new Int32Array(m.colIdx.length)
  const values = new Float64Array(m.values.length)
  let nnz = 0
  for (let row = 0; row < m.rows; row++) {
    for (let p = m.rowPtr[row]!; p < m.rowPtr[row + 1]!; p++) {
      const x = m.values[p]!
      if (x > 0) {
        colIdx[nnz] = m.colIdx[p]!
        values[nnz] = binary ? 1 : x
        nnz++
      }
    }
    rowPtr[row + 1] = nnz
  }
  return {
    rows: m.rows,
    cols: m.cols,
    rowPtr,
    colIdx: colIdx.slice(0, nnz),
    values: values.slice(0, nnz),
  }
}

/** Row `row` of the matrix as a history (views into the matrix, no copy). */
export function historyOf(m: CsrMatrix, row: number): UserHistory {
  const start = m.rowPtr[row]!
  const end = m.rowPtr[row + 1]!
  return { items: m.colIdx.subarray(start, end), values: m.values.subarray(start, end) }
}
