/**
 * Dense symmetric positive definite kernels on row-major `Float64Array`s of size n×n.
 * Blocked so that the working rows stay in cache for n up to ~20,000 (a 20,000² matrix is 3.2 GB,
 * so everything is done in place).
 */

const BLOCK = 48

/**
 * Cholesky factorization A = L·Lᵀ in place: the lower triangle (diagonal included) of `a` becomes
 * L; the strict upper triangle is neither read nor written.
 *
 * Returns 0 on success, or k+1 when the leading minor of order k+1 is not positive definite (as
 * LAPACK's `info`); then `a` is partly overwritten.
 *
 * *Method:* left-looking (Crout) Cholesky by column blocks; the update of a block column by all
 * earlier columns is a set of contiguous row dot products done 2×2 at a time.
 *
 * *References:* G. Golub, C. Van Loan, *Matrix Computations*, 4th ed., §4.2.8 (block Cholesky);
 * LAPACK `dpotrf`.
 */
export function choleskyFactor(a: Float64Array, n: number): number {
  if (a.length < n * n) throw new Error(`choleskyFactor: array holds ${a.length}, needs ${n * n}`)
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(j0 + BLOCK, n)
    // Update rows i ≥ j0, columns [j0, j1) by columns k < j0.
    if (j0 > 0) {
      let i = j0
      for (; i + 1 < n; i += 2) {
        const ri = i * n
        const ri2 = ri + n
        const jEnd = Math.min(j1, i + 2)
        let j = j0
        for (; j + 1 < jEnd; j += 2) {
          const rj = j * n
          const rj2 = rj + n
          let s00 = 0
          let s01 = 0
          let s10 = 0
          let s11 = 0
          for (let k = 0; k < j0; k++) {
            const x0 = a[ri + k]!
            const x1 = a[ri2 + k]!
            const y0 = a[rj + k]!
            const y1 = a[rj2 + k]!
            s00 += x0 * y0
            s01 += x0 * y1
            s10 += x1 * y0
            s11 += x1 * y1
          }
          a[ri + j]! -= s00
          if (j + 1 <= i) a[ri + j + 1]! -= s01
          a[ri2 + j]! -= s10
          a[ri2 + j + 1]! -= s11
        }
        if (j < jEnd) {
          const rj = j * n
          let s0 = 0
          let s1 = 0
          for (let k = 0; k < j0; k++) {
            const y = a[rj + k]!
            s0 += a[ri + k]! * y
            s1 += a[ri2 + k]! * y
          }
          if (j <= i) a[ri + j]! -= s0
          a[ri2 + j]! -= s1
        }
      }
      if (i < n) {
        const ri = i * n
        for (let j = j0; j < j1 && j <= i; j++) {
          const rj = j * n
          let s = 0
          for (let k = 0; k < j0; k++) s += a[ri + k]! * a[rj + k]!
          a[ri + j]! -= s
        }
      }
    }
    // Factor the block column with the in-block columns.
    for (let j = j0; j < j1; j++) {
      const rj = j * n
      let d = a[rj + j]!
      for (let k = j0; k < j; k++) d -= a[rj + k]! * a[rj + k]!
      if (!(d > 0)) return j + 1
      const ljj = Math.sqrt(d)
      a[rj + j] = ljj
      const inv = 1 / ljj
      for (let i = j + 1; i < n; i++) {
        const ri = i * n
        let s = a[ri + j]!
        for (let k = j0; k < j; k++) s -= a[ri + k]! * a[rj + k]!
        a[ri + j] = s * inv
      }
    }
  }
  return 0
}

/**
 * Solves A·x = b in place in `b` given the factor L from {@link choleskyFactor}.
 *
 * *Method:* forward substitution with L, back substitution with Lᵀ.
 *
 * *References:* G. Golub, C. Van Loan, *Matrix Computations*, 4th ed., §4.2.
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n
    let s = b[i]!
    for (let k = 0; k < i; k++) s -= l[ri + k]! * b[k]!
    b[i] = s / l[ri + i]!
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!
    b[i] = s / l[i * n + i]!
  }
  return b
}

/**
 * Inverts a symmetric positive definite matrix in place: on success `a` holds the full symmetric
 * A⁻¹. Only the lower triangle of the input is read. Returns 0, or LAPACK-style k+1 when A is not
 * positive definite. `work` must hold at least (BLOCK + 1)·n numbers (see
 * {@link choleskyInverseWorkSize}); it is allocated when omitted.
 *
 * *Method:* A = L·Lᵀ ({@link choleskyFactor}); U = L⁻ᵀ row by row into the upper triangle (each
 * entry a dot product of contiguous rows, blocked 2×2 over 48-row panels); A⁻¹ = U·Uᵀ into the
 * upper triangle, again by contiguous dot products; then mirrored. n³/2 multiply-adds in all.
 *
 * *References:* LAPACK `dpotri` (`dtrtri` + `dlauum`); G. Golub, C. Van Loan, *Matrix
 * Computations*, 4th ed., §4.2.
 */
export function choleskyInverse(a: Float64Array, n: number, work?: Float64Array): number {
  const need = choleskyInverseWorkSize(n)
  const w = work ?? new Float64Array(need)
  if (w.length < need) throw new Error(`choleskyInverse: work holds ${w.length}, needs ${need}`)
  const info = choleskyFactor(a, n)
  if (info !== 0) return info
  const dl = w.subarray(0, n)
  for (let i = 0; i < n; i++) dl[i] = a[i * n + i]!
  for (let i = 0; i < n; i++) a[i * n + i] = 1 / dl[i]!
  invertLowerIntoUpper(a, n, dl)
  multiplyUpperByTranspose(a, n, w.subarray(n, n + BLOCK * n))
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let j = 0; j < i; j++) a[ri + j] = a[j * n + i]!
  }
  return 0
}

/** Size of the `work` buffer {@link choleskyInverse} needs for an n×n matrix. */
export function choleskyInverseWorkSize(n: number): number {
  return (BLOCK + 1) * n
}

/**
 * U[j][i] = −(Σ_{k=j}^{i−1} L[i][k]·U[j][k]) / L[i][i] for i > j, with L in the strict lower
 * triangle, its diagonal in `dl`, and U's diagonal (1/L[i][i]) already on the diagonal of `a`.
 */
function invertLowerIntoUpper(a: Float64Array, n: number, dl: Float64Array): void {
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(j0 + BLOCK, n)
    // Inside the diagonal block, entry by entry.
    for (let j = j0; j < j1; j++) {
      const rj = j * n
      for (let i = j + 1; i < j1; i++) {
        const ri = i * n
        let s = 0
        for (let k = j; k < i; k++) s += a[ri + k]! * a[rj + k]!
        a[rj + i] = -s / dl[i]!
      }
    }
    // Rows i ≥ j1, two at a time against two U rows at a time.
    let i = j1
    for (; i + 1 < n; i += 2) {
      const ri = i * n
      const ri2 = ri + n
      const di = dl[i]!
      const di2 = dl[i + 1]!
      let j = j0
      for (; j + 1 < j1; j += 2) {
        const ra = j * n
        const rb = ra + n
        const li = a[ri + j]!
        const li2 = a[ri2 + j]!
        const uaa = a[ra + j]!
        let sa = li * uaa
        let sa2 = li2 * uaa
        let sb = 0
        let sb2 = 0
        for (let k = j + 1; k < i; k++) {
          const x = a[ri + k]!
          const x2 = a[ri2 + k]!
          const ua = a[ra + k]!
          const ub = a[rb + k]!
          sa += x * ua
          sb += x * ub
          sa2 += x2 * ua
          sb2 += x2 * ub
        }
        const uai = -sa / di
        const ubi = -sb / di
        a[ra + i] = uai
        a[rb + i] = ubi
        const tail = a[ri2 + i]!
        a[ra + i + 1] = -(sa2 + tail * uai) / di2
        a[rb + i + 1] = -(sb2 + tail * ubi) / di2
      }
      for (; j < j1; j++) {
        const ra = j * n
        let s = 0
        let s2 = 0
        for (let k = j; k < i; k++) {
          const u = a[ra + k]!
          s += a[ri + k]! * u
          s2 += a[ri2 + k]! * u
        }
        const ui = -s / di
        a[ra + i] = ui
        a[ra + i + 1] = -(s2 + a[ri2 + i]! * ui) / di2
      }
    }
    for (; i < n; i++) {
      const ri = i * n
      for (let j = j0; j < j1; j++) {
        const ra = j * n
        let s = 0
        for (let k = j; k < i; k++) s += a[ri + k]! * a[ra + k]!
        a[ra + i] = -s / dl[i]!
      }
    }
  }
}

/**
 * Upper triangle of a ← U·Uᵀ where U is the upper triangle of a: P[i][j] = Σ_{k≥j} U[i][k]·U[j][k]
 * for i ≤ j. A panel of rows is copied to `panel` first so it can be overwritten as it is used.
 */
function multiplyUpperByTranspose(a: Float64Array, n: number, panel: Float64Array): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(i0 + BLOCK, n)
    const rows = i1 - i0
    panel.set(a.subarray(i0 * n, i1 * n))
    // Pairs of columns j, j+1 (rows of U), pairs of panel rows.
    for (let j = i0; j < n; j += 2) {
      const two = j + 1 < n
      // Row j and j+1 of U: from the panel while inside it (the matrix rows may be overwritten).
      const srcJ = j < i1 ? panel : a
      const offJ = j < i1 ? (j - i0) * n : j * n
      const srcJ2 = j + 1 < i1 ? panel : a
      const offJ2 = j + 1 < i1 ? (j + 1 - i0) * n : (j + 1) * n
      const iEnd = Math.min(i1, j + 2)
      let r = 0
      for (; r + 1 < rows && i0 + r + 1 < iEnd; r += 2) {
        const p0 = r * n
        const p1 = p0 + n
        let s00 = 0
        let s01 = 0
        let s10 = 0
        let s11 = 0
        if (two) {
          for (let k = j + 1; k < n; k++) {
            const x0 = panel[p0 + k]!
            const x1 = panel[p1 + k]!
            const y0 = srcJ[offJ + k]!
            const y1 = srcJ2[offJ2 + k]!
            s00 += x0 * y0
            s01 += x0 * y1
            s10 += x1 * y0
            s11 += x1 * y1
          }
        }
        const yjj = srcJ[offJ + j]!
        s00 += panel[p0 + j]! * yjj
        s10 += panel[p1 + j]! * yjj
        const ia = i0 + r
        if (ia <= j) a[ia * n + j] = s00
        if (ia + 1 <= j) a[(ia + 1) * n + j] = s10
        if (two) {
          if (ia <= j + 1) a[ia * n + j + 1] = s01
          a[(ia + 1) * n + j + 1] = s11
        }
      }
      for (; r < rows && i0 + r < iEnd; r++) {
        const p0 = r * n
        const ia = i0 + r
        let s0 = 0
        let s1 = 0
        if (two) {
          for (let k = j + 1; k < n; k++) {
            const x = panel[p0 + k]!
            s0 += x * srcJ[offJ + k]!
            s1 += x * srcJ2[offJ2 + k]!
          }
        }
        s0 += panel[p0 + j]! * srcJ[offJ + j]!
        if (ia <= j) a[ia * n + j] = s0
        if (two && ia <= j + 1) a[ia * n + j + 1] = s1
      }
    }
  }
}
