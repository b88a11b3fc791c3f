import { choleskyFactor, choleskySolve } from '../../numeric/cholesky.js'
import { transposeCsr, type CsrMatrix } from '../../numeric/csr-matrix.js'
import { dot, dotPair } from '../../numeric/vector-kernels.js'
import { symmetricEigen } from '../../numeric/symmetric-eigen.js'
import { addGram, balancedRowRanges, rotateRows, symmetrize } from './ials-sweep.js'
import {
  IALS_TASK,
  runIalsTask,
  sumPartialGrams,
  type IalsShared,
  type IalsTask,
} from './ials-tasks.js'
import { defaultIalsThreads, openIalsThreadPool, sharedCsr, sharedFloat64 } from './ials-threads.js'
import type { FitProgress, ModelState, Recommender, ScoreBuffer } from './recommender.js'

export interface IalsParams {
  readonly factors: number
  /** L2 regularization λ on both factor matrices. */
  readonly regularization: number
  /** Confidence c = 1 + α·x for an observed cell x. */
  readonly alpha: number
  readonly iterations: number
  /** Conjugate-gradient steps per row and half-sweep (warm started). */
  readonly cgSteps?: number
  /**
   * Frequency-scaled regularization (Rendle et al. 2022): row r gets λ·(w_r / w̄)^ν where
   * w_r = (number of columns) + α·Σ_j x_rj is the row's total confidence and w̄ its mean over
   * the rows of that side, so λ stays the regularization of an average row. 0 (default) gives
   * the classic constant λ.
   */
  readonly regularizationExponent?: number
  readonly seed?: number
  /**
   * Threads the fit runs on (default: two, or one on a single-core machine or for a tiny
   * problem, see defaultIalsThreads). Each half-sweep's rows are split between them; the
   * factors equal the one-thread fit's up to float rounding (the Gramian's partial sums add in
   * another order).
   */
  readonly threads?: number
  /**
   * Solve the customers in the eigenbasis of the items' Gramian YᵀY (default true): before each
   * customer half-sweep both factor matrices turn by its eigenvectors Q, which leaves the loss
   * and every CG iterate as they were (CG commutes with an orthogonal change of basis) but makes
   * YᵀY diagonal, so each CG step's Gramian product costs k instead of k² a customer. The
   * turn costs k² a row once per iteration; the item factors are turned back at the end. The
   * factors equal the plain fit's up to float rounding.
   */
  readonly eigenbasis?: boolean
}

/**
 * Implicit alternating least squares: customer and item factors minimizing
 * Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²) with p = 1 for observed cells and c = 1 + α·x.
 * The fitted model keeps only the item factors; a customer is scored by solving their factor from
 * their history (exact k×k solve), so new histories and live feedback need no refit.
 *
 * *Method:* alternating least squares; each row's k×k system (YᵀY + λI + Σ_i (c−1) y_i y_iᵀ)
 * x = Σ_i c y_i is solved approximately by a few warm-started conjugate-gradient steps, never
 * forming the per-row matrix (O(k² + n_u·k) per step); YᵀY is shared by all rows.
 *
 * *References:* Y. Hu, Y. Koren, C. Volinsky, "Collaborative filtering for implicit feedback
 * datasets", ICDM 2008; G. Takács, I. Pilászy, D. Tikk, "Applications of the conjugate gradient
 * method for implicit feedback collaborative filtering", RecSys 2011; S. Rendle, W. Krichene,
 * L. Zhang, Y. Koren, "Revisiting the performance of iALS on item recommendation benchmarks",
 * RecSys 2022.
 */
export function fitIals(x: CsrMatrix, params: IalsParams, progress?: FitProgress): Recommender {
  const k = params.factors
  if (!(k >= 1) || !(params.regularization >= 0) || !(params.alpha >= 0)) {
    throw new Error(`iALS: invalid params ${JSON.stringify(params)}`)
  }
  const threads = Math.max(
    1,
    Math.floor(params.threads ?? defaultIalsThreads(x.rowPtr[x.rows]!, k)),
  )
  const cgSteps = params.cgSteps ?? 3
  const nu = params.regularizationExponent ?? 0
  const multi = threads > 1
  // With helper threads every array they read or write lies in a SharedArrayBuffer.
  const alloc = (length: number): Float64Array =>
    multi ? sharedFloat64(length) : new Float64Array(length)
  const f64 = (from: Float64Array): Float64Array =>
    multi ? sharedFloat64(from.length, from) : from
  const xt = transposeCsr(x)
  const users = alloc(x.rows * k)
  const items = alloc(x.cols * k)
  initFactors(users, items, params.seed ?? 42, k)
  const userReg = rowRegularization(x, params.regularization, params.alpha, nu)
  const itemReg = rowRegularization(xt, params.regularization, params.alpha, nu)
  const shared: IalsShared = {
    k,
    alpha: params.alpha,
    cgSteps,
    threads,
    userSide: { m: multi ? sharedCsr(x) : x, rowReg: f64(userReg.reg) },
    itemSide: { m: multi ? sharedCsr(xt) : xt, rowReg: f64(itemReg.reg) },
    userFactors: users,
    itemFactors: items,
    userRanges: balancedRowRanges(x, k, threads),
    itemRanges: balancedRowRanges(xt, k, threads),
    gram: alloc(k * k),
    partialGrams: alloc(threads * k * k),
    eigenbasis: params.eigenbasis ?? true,
    rotation: alloc(k * k),
  }
  const pool = multi ? openIalsThreadPool(shared) : null
  // Helpers that did not start leave the fit to this thread alone.
  const active: IalsShared =
    pool === null && multi
      ? {
          ...shared,
          threads: 1,
          userRanges: balancedRowRanges(x, k, 1),
          itemRanges: balancedRowRanges(xt, k, 1),
        }
      : shared
  const work = new Float64Array(3 * k)
  const run = (task: IalsTask): void => {
    if (pool === null) runIalsTask(active, task, 0, work)
    else pool.run(task)
  }
  // The product of every rotation so far: the factors are the plain basis's turned by it.
  let turned: Float64Array | null = null
  try {
    for (let it = 0; it < params.iterations; it++) {
      run(IALS_TASK.gramOfItems)
      sumPartialGrams(active)
      if (active.eigenbasis) {
        const { values, vectors } = symmetricEigen(active.gram, k)
        active.rotation.set(vectors)
        run(IALS_TASK.rotate)
        turned = turned === null ? vectors : multiply(turned, vectors, k)
        active.gram.fill(0)
        for (let f = 0; f < k; f++) active.gram[f * k + f] = values[f]!
      }
      run(IALS_TASK.sweepUsers)
      run(IALS_TASK.gramOfUsers)
      sumPartialGrams(active)
      run(IALS_TASK.sweepItems)
      progress?.('iteration', it + 1, params.iterations)
    }
  } finally {
    pool?.close()
  }
  if (turned !== null) {
    // Back to the plain basis: Y·R·Rᵀ = Y for the orthogonal R.
    rotateRows(items, k, transpose(turned, k), 0, x.cols, new Float64Array(k))
  }
  const stored = {
    factors: k,
    regularization: params.regularization,
    alpha: params.alpha,
    iterations: params.iterations,
    cgSteps,
    regularizationExponent: nu,
    userWeightMean: userReg.meanWeight,
    seed: params.seed ?? 42,
  }
  // The model keeps plain (transferable) copies, not the shared buffers.
  return ialsModel(multi ? items.slice() : items, x.cols, stored)
}

/** The k×k row-major product a·b. */
function multiply(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k)
  for (let i = 0; i < k; i++) {
    for (let m = 0; m < k; m++) {
      const aim = a[i * k + m]!
      for (let j = 0; j < k; j++) out[i * k + j]! += aim * b[m * k + j]!
    }
  }
  return out
}

function transpose(a: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k)
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[j * k + i] = a[i * k + j]!
  return out
}

/** Uniform starting factors in ±0.1/√k from a seeded generator (mulberry32), items first. */
function initFactors(users: Float64Array, items: Float64Array, seed0: number, k: number): void {
  let seed = seed0 >>> 0
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const scale = 0.1 / Math.sqrt(k)
  for (let i = 0; i < items.length; i++) items[i] = (rand() - 0.5) * 2 * scale
  for (let i = 0; i < users.length; i++) users[i] = (rand() - 0.5) * 2 * scale
}

/** A row's total confidence: every column counts 1, an observed cell α·x more. */
function rowWeight(
  cols: number,
  alpha: number,
  values: Float64Array,
  start: number,
  end: number,
): number {
  let s = 0
  for (let q = start; q < end; q++) s += values[q]!
  return cols + alpha * s
}

/** λ·(w_r / w̄)^ν per row of m (see {@link IalsParams.regularizationExponent}), and w̄. */
function rowRegularization(
  m: CsrMatrix,
  lambda: number,
  alpha: number,
  nu: number,
): { readonly reg: Float64Array; readonly meanWeight: number } {
  const reg = new Float64Array(m.rows)
  let total = 0
  for (let r = 0; r < m.rows; r++) {
    reg[r] = rowWeight(m.cols, alpha, m.values, m.rowPtr[r]!, m.rowPtr[r + 1]!)
    total += reg[r]!
  }
  const meanWeight = m.rows > 0 ? total / m.rows : 1
  for (let r = 0; r < m.rows; r++) {
    reg[r] = nu === 0 ? lambda : lambda * Math.pow(reg[r]! / meanWeight, nu)
  }
  return { reg, meanWeight }
}

interface StoredIalsParams {
  readonly factors: number
  readonly regularization: number
  readonly alpha: number
  readonly iterations: number
  readonly cgSteps: number
  readonly regularizationExponent: number
  /** w̄ of the customer side, to scale a scored customer's λ as in training. */
  readonly userWeightMean: number
  readonly seed: number
}

function ialsModel(items: Float64Array, n: number, params: StoredIalsParams): Recommender {
  const k = params.factors
  const gram = new Float64Array(k * k)
  addGram(items, k, 0, n, gram)
  symmetrize(gram, k)
  const a = new Float64Array(k * k)
  const x = new Float64Array(k)
  const pair = new Float64Array(2)
  const norms = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let f = 0; f < k; f++) s += items[i * k + f]! ** 2
    norms[i] = Math.sqrt(s)
  }
  const solveUser = (history: { items: Int32Array; values: Float64Array }): void => {
    const nh = history.items.length
    const reg =
      params.regularizationExponent === 0
        ? params.regularization
        : params.regularization *
          Math.pow(
            rowWeight(n, params.alpha, history.values, 0, nh) / params.userWeightMean,
            params.regularizationExponent,
          )
    a.set(gram)
    for (let f = 0; f < k; f++) a[f * k + f]! += reg
    x.fill(0)
    for (let h = 0; h < nh; h++) {
      const yo = history.items[h]! * k
      const cm1 = params.alpha * history.values[h]!
      for (let f = 0; f < k; f++) {
        const yf = items[yo + f]!
        x[f]! += (1 + cm1) * yf
        const cf = cm1 * yf
        const row = f * k
        for (let g = 0; g <= f; g++) a[row + g]! += cf * items[yo + g]!
      }
    }
    if (choleskyFactor(a, k) !== 0) {
      x.fill(0)
      return
    }
    choleskySolve(a, k, x)
  }
  return {
    kind: 'ials',
    itemCount: n,
    params: { ...params },
    score(history, out: ScoreBuffer) {
      solveUser(history)
      for (let i = 0; i < n; i++) out[i] = dot(items, i * k, x, 0, k)
    },
    scoreAndSimilar(history, out: ScoreBuffer, item, similarOut) {
      solveUser(history)
      const io = item * k
      const ni = norms[item]!
      // Each item's factors are read once for its score and its similarity to `item`.
      for (let j = 0; j < n; j++) {
        dotPair(items, j * k, x, 0, items, io, k, pair, 0)
        out[j] = pair[0]!
        const d = ni * norms[j]!
        similarOut[j] = d > 0 ? pair[1]! / d : 0
      }
      similarOut[item] = 0
    },
    similar(item, out: ScoreBuffer) {
      const io = item * k
      const ni = norms[item]!
      for (let j = 0; j < n; j++) {
        const s = dot(items, io, items, j * k, k)
        const d = ni * norms[j]!
        out[j] = d > 0 ? s / d : 0
      }
      out[item] = 0
    },
    pairSimilarity(a, b) {
      if (a === b) return 0
      const s = dot(items, a * k, items, b * k, k)
      const d = norms[a]! * norms[b]!
      return d > 0 ? s / d : 0
    },
    exportState: (): ModelState => ({
      kind: 'ials',
      itemCount: n,
      params: { ...params },
      arrays: { items },
    }),
  }
}

export function restoreIals(state: ModelState): Recommender {
  const items = state.arrays['items']
  const p = state.params
  const k = Number(p['factors'])
  if (!(items instanceof Float64Array) || items.length !== state.itemCount * k) {
    throw new Error('iALS state lacks an n×k item factor matrix')
  }
  return ialsModel(items, state.itemCount, {
    factors: k,
    regularization: Number(p['regularization']),
    alpha: Number(p['alpha']),
    iterations: Number(p['iterations']),
    cgSteps: Number(p['cgSteps']),
    regularizationExponent: Number(p['regularizationExponent']),
    userWeightMean: Number(p['userWeightMean'] ?? 1),
    seed: Number(p['seed']),
  })
}
