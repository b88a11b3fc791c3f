import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import { axpy, dot, gramTimes } from '../../numeric/vector-kernels.js'

/**
 * One side of an iALS half-sweep: the rows to solve (customers, or items) and each row's λ.
 * The loss of a row r is Σ_j c_rj (p_rj − x_rᵀy_j)² + reg_r‖x_r‖², c = 1 + α·x for an observed
 * cell (p = 1) and 1 for an unobserved one (p = 0).
 */
export interface SweepSide {
  readonly m: CsrMatrix
  /** reg_r per row. */
  readonly rowReg: Float64Array
}

/**
 * Upper triangle of Σ_r f_r f_rᵀ over rows [from, to) of a row-major factor matrix, added into
 * `out` (k×k, row-major). Partial sums from row ranges add up to the whole; {@link symmetrize}
 * finishes it.
 */
export function addGram(
  f: Float64Array,
  k: number,
  from: number,
  to: number,
  out: Float64Array,
): void {
  for (let r = from; r < to; r++) {
    const o = r * k
    for (let a = 0; a < k; a++) {
      const fa = f[o + a]!
      if (fa === 0) continue
      const ra = a * k
      for (let b = a; b < k; b++) out[ra + b]! += fa * f[o + b]!
    }
  }
}

/** Copies the upper triangle of a k×k row-major matrix onto its lower one. */
export function symmetrize(g: Float64Array, k: number): void {
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!
}

/**
 * Updates rows [from, to) of `solve` (factors for the rows of side.m) given `fixed` (factors for
 * its columns) and the shared Gramian G = Σ_j y_j y_jᵀ. Rows are independent: disjoint ranges
 * may run on different threads over shared memory.
 *
 * *Method:* each row's system (G + reg·I + Σ_obs α·x y yᵀ) x = Σ_obs (1 + α·x) y, solved
 * approximately by `cgSteps` conjugate-gradient steps warm started from the current row, never
 * forming the matrix (O(k² + n_r·k) per step). `work` holds 3k numbers. With `diagonalGram`
 * only G's diagonal is read (the factors are in G's eigenbasis, see {@link rotateRows}): a step
 * then costs O(k + n_r·k).
 *
 * *References:* Y. Hu, Y. Koren, C. Volinsky, "Collaborative filtering for implicit feedback
 * datasets", ICDM 2008; G. Takács, I. Pilászy, D. Tikk, "Applications of the conjugate gradient
 * method for implicit feedback collaborative filtering", RecSys 2011.
 */
export function sweepRows(
  side: SweepSide,
  solve: Float64Array,
  fixed: Float64Array,
  k: number,
  alpha: number,
  cgSteps: number,
  gram: Float64Array,
  work: Float64Array,
  from: number,
  to: number,
  diagonalGram = false,
): void {
  const gramProduct = diagonalGram ? diagonalTimes : gramTimes
  const { m, rowReg } = side
  const r = work.subarray(0, k)
  const p = work.subarray(k, 2 * k)
  const ap = work.subarray(2 * k, 3 * k)
  for (let u = from; u < to; u++) {
    const start = m.rowPtr[u]!
    const end = m.rowPtr[u + 1]!
    const xo = u * k
    const reg = rowReg[u]!
    // r = b − A·x with b = Σ c y_i and A = G + reg·I + Σ (c − 1) y yᵀ.
    gramProduct(gram, solve, xo, reg, r, k)
    for (let a = 0; a < k; a++) r[a] = -r[a]!
    for (let q = start; q < end; q++) {
      const yo = m.colIdx[q]! * k
      const cm1 = alpha * m.values[q]!
      axpy(1 + cm1 - cm1 * dot(fixed, yo, solve, xo, k), fixed, yo, r, 0, k)
    }
    let rs = 0
    for (let a = 0; a < k; a++) {
      p[a] = r[a]!
      rs += r[a]! * r[a]!
    }
    for (let step = 0; step < cgSteps && rs > 1e-20; step++) {
      gramProduct(gram, p, 0, reg, ap, k)
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

/** out = (D + reg·I)·v[vo..vo+k) for D the diagonal of the row-major k×k `g`. */
function diagonalTimes(
  g: Float64Array,
  v: Float64Array,
  vo: number,
  reg: number,
  out: Float64Array,
  k: number,
): void {
  for (let a = 0; a < k; a++) out[a] = (g[a * k + a]! + reg) * v[vo + a]!
}

/**
 * Rows [from, to) of the row-major factor matrix `f` (k columns) become f_r·Q for the k×k
 * row-major `q`, in place; `tmp` holds k numbers. With Q orthogonal, rotating both factor
 * matrices leaves every x_uᵀy_i, every ‖x‖ and so the whole iALS loss as they were, while the
 * Gramian becomes QᵀGQ: diagonal when Q holds G's eigenvectors.
 */
export function rotateRows(
  f: Float64Array,
  k: number,
  q: Float64Array,
  from: number,
  to: number,
  tmp: Float64Array,
): void {
  for (let r = from; r < to; r++) {
    const o = r * k
    tmp.fill(0)
    for (let i = 0; i < k; i++) {
      const v = f[o + i]!
      if (v !== 0) axpy(v, q, i * k, tmp, 0, k)
    }
    for (let j = 0; j < k; j++) f[o + j] = tmp[j]!
  }
}

/**
 * Row ranges of about equal work for `parts` threads: each CG application costs a row k² (the
 * Gramian product) and 2k per nonzero (a dot and an axpy), so a row weighs k + 2·(its nonzeros)
 * in units of k multiply-adds. Returns parts + 1 boundaries, the first 0 and the last m.rows.
 */
export function balancedRowRanges(m: CsrMatrix, k: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1)
  const total = m.rows * k + 2 * m.rowPtr[m.rows]!
  let part = 1
  for (let r = 0; r < m.rows && part < parts; r++) {
    const done = (r + 1) * k + 2 * m.rowPtr[r + 1]!
    if (done * parts >= total * part) bounds[part++] = r + 1
  }
  for (; part <= parts; part++) bounds[part] = m.rows
  return bounds
}
