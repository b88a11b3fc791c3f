/**
 * Eigendecomposition of a small dense symmetric matrix (row-major `Float64Array`, n×n):
 * A = Q·diag(λ)·Qᵀ with Q orthogonal.
 *
 * *Method:* cyclic Jacobi: sweeps of plane rotations, each zeroing one off-diagonal pair
 * (p, q), until the off-diagonal part is below rounding relative to the matrix. Quadratically
 * convergent, accurate to rounding for symmetric matrices, O(n³) a sweep: meant for the
 * k×k Gramians of factor models (k ≤ a few hundred), not for large matrices.
 *
 * *References:* G. Golub, C. Van Loan, *Matrix Computations*, 4th ed., §8.5 (the cyclic Jacobi
 * method); H. Rutishauser, "The Jacobi method for real symmetric matrices", Numer. Math. 9, 1966.
 */
export interface SymmetricEigen {
  /** λ_j, in the order of Q's columns (not sorted). */
  readonly values: Float64Array
  /** Q row-major: column j (entries q[i·n + j]) is the unit eigenvector of λ_j. */
  readonly vectors: Float64Array
}

const MAX_SWEEPS = 60

export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  if (matrix.length < n * n) {
    throw new Error(`symmetricEigen: array holds ${matrix.length}, needs ${n * n}`)
  }
  const a = matrix.slice(0, n * n)
  const q = new Float64Array(n * n)
  for (let i = 0; i < n; i++) q[i * n + i] = 1
  let scale = 0
  for (let i = 0; i < n * n; i++) scale += a[i]! * a[i]!
  const tolerance = (Number.EPSILON * Number.EPSILON * scale) / 4
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let r = p + 1; r < n; r++) off += a[p * n + r]! ** 2
    if (off <= tolerance) break
    for (let p = 0; p < n - 1; p++) {
      for (let r = p + 1; r < n; r++) {
        const apr = a[p * n + r]!
        if (apr === 0) continue
        // The rotation (c, s) that zeroes a[p][r]: t = tan θ, the smaller root.
        const theta = (a[r * n + r]! - a[p * n + p]!) / (2 * apr)
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        // A ← JᵀAJ on rows and columns p and r.
        for (let i = 0; i < n; i++) {
          const aip = a[i * n + p]!
          const air = a[i * n + r]!
          a[i * n + p] = c * aip - s * air
          a[i * n + r] = s * aip + c * air
        }
        for (let j = 0; j < n; j++) {
          const apj = a[p * n + j]!
          const arj = a[r * n + j]!
          a[p * n + j] = c * apj - s * arj
          a[r * n + j] = s * apj + c * arj
        }
        a[p * n + r] = 0
        a[r * n + p] = 0
        // Q ← QJ.
        for (let i = 0; i < n; i++) {
          const qip = q[i * n + p]!
          const qir = q[i * n + r]!
          q[i * n + p] = c * qip - s * qir
          q[i * n + r] = s * qip + c * qir
        }
      }
    }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!
  return { values, vectors: q }
}
