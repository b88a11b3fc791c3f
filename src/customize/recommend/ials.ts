import { choleskyFactor, choleskySolve } from '../../numeric/cholesky.js'
import { transposeCsr, type CsrMatrix } from '../../numeric/csr-matrix.js'
import { axpy, dot, gramTimes } from '../../numeric/vector-kernels.js'
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
   * Frequency-scaled regularization (Rendle et al. 2022): row r gets λ·(1 + n_r)^ν where n_r is
   * its number of observed cells. 0 (default) gives the classic constant λ.
   */
  readonly regularizationExponent?: number
  readonly seed?: number
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
  const cgSteps = params.cgSteps ?? 3
  const nu = params.regularizationExponent ?? 0
  const xt = transposeCsr(x)
  let seed = (params.seed ?? 42) >>> 0
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const scale = 0.1 / Math.sqrt(k)
  const users = new Float64Array(x.rows * k)
  const items = new Float64Array(x.cols * k)
  for (let i = 0; i < items.length; i++) items[i] = (rand() - 0.5) * 2 * scale
  for (let i = 0; i < users.length; i++) users[i] = (rand() - 0.5) * 2 * scale
  const gram = new Float64Array(k * k)
  const work = new Float64Array(4 * k)
  for (let it = 0; it < params.iterations; it++) {
    halfSweep(x, users, items, k, params, nu, cgSteps, gram, work)
    halfSweep(xt, items, users, k, params, nu, cgSteps, gram, work)
    progress?.('iteration', it + 1, params.iterations)
  }
  const stored = {
    factors: k,
    regularization: params.regularization,
    alpha: params.alpha,
    iterations: params.iterations,
    cgSteps,
    regularizationExponent: nu,
    seed: params.seed ?? 42,
  }
  return ialsModel(items, x.cols, stored)
}

/** YᵀY (k×k, row-major) of a row-major factor matrix. */
function gramOf(f: Float64Array, rows: number, k: number, out: Float64Array): void {
  out.fill(0)
  for (let r = 0; r < rows; r++) {
    const o = r * k
    for (let a = 0; a < k; a++) {
      const fa = f[o + a]!
      if (fa === 0) continue
      const ra = a * k
      for (let b = a; b < k; b++) out[ra + b]! += fa * f[o + b]!
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) out[a * k + b] = out[b * k + a]!
}

/** Updates every row of `solve` (factors for the rows of m) given `fixed` (for its columns). */
function halfSweep(
  m: CsrMatrix,
  solve: Float64Array,
  fixed: Float64Array,
  k: number,
  params: IalsParams,
  nu: number,
  cgSteps: number,
  gram: Float64Array,
  work: Float64Array,
): void {
  gramOf(fixed, m.cols, k, gram)
  const r = work.subarray(0, k)
  const p = work.subarray(k, 2 * k)
  const ap = work.subarray(2 * k, 3 * k)
  const alpha = params.alpha
  for (let u = 0; u < m.rows; u++) {
    const start = m.rowPtr[u]!
    const end = m.rowPtr[u + 1]!
    const xo = u * k
    const reg =
      nu === 0 ? params.regularization : params.regularization * Math.pow(1 + end - start, nu)
    // r = b − A·x with b = Σ c y_i and A = G + reg·I + Σ (c−1) y yᵀ.
    gramTimes(gram, solve, xo, reg, r, k)
    for (let a = 0; a < k; a++) r[a] = -r[a]!
    for (let q = start; q < end; q++) {
      const yo = m.colIdx[q]! * k
      const cm1 = alpha * m.values[q]!
      const coef = 1 + cm1 - cm1 * dot(fixed, yo, solve, xo, k)
      axpy(coef, fixed, yo, r, 0, k)
    }
    let rs = 0
    for (let a = 0; a < k; a++) {
      p[a] = r[a]!
      rs += r[a]! * r[a]!
    }
    for (let step = 0; step < cgSteps && rs > 1e-20; step++) {
      gramTimes(gram, p, 0, reg, ap, k)
      for (let q = start; q < end; q++) {
        const yo = m.colIdx[q]! * k
        axpy(alpha * m.values[q]! * dot(fixed, yo, p, 0, k), fixed, yo, ap, 0, k)
      }
      const pap = dot(p, 0, ap, 0, k)
      if (!(pap > 0)) break
      const step_ = rs / pap
      let rsNew = 0
      for (let a = 0; a < k; a++) {
        solve[xo + a]! += step_ * p[a]!
        const ra = r[a]! - step_ * ap[a]!
        r[a] = ra
        rsNew += ra * ra
      }
      const beta = rsNew / rs
      for (let a = 0; a < k; a++) p[a] = r[a]! + beta * p[a]!
      rs = rsNew
    }
  }
}

interface StoredIalsParams {
  readonly factors: number
  readonly regularization: number
  readonly alpha: number
  readonly iterations: number
  readonly cgSteps: number
  readonly regularizationExponent: number
  readonly seed: number
}

function ialsModel(items: Float64Array, n: number, params: StoredIalsParams): Recommender {
  const k = params.factors
  const gram = new Float64Array(k * k)
  gramOf(items, n, k, gram)
  const a = new Float64Array(k * k)
  const x = new Float64Array(k)
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
        : params.regularization * Math.pow(1 + nh, params.regularizationExponent)
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
    seed: Number(p['seed']),
  })
}
