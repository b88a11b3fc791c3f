/**
 * Small dense vector kernels on offsets into Float64Array (rows of a row-major factor matrix),
 * unrolled so that independent multiply-adds overlap: the iALS row solve and scoring spend
 * their time here.
 *
 * Method: plain BLAS level-1/level-2 operations (dot, axpy, symmetric matrix times vector).
 * References: C. Lawson, R. Hanson, D. Kincaid, F. Krogh, "Basic Linear Algebra Subprograms
 * for Fortran usage", ACM TOMS 5(3), 1979.
 */
/** Σ_f a[ao+f]·b[bo+f], four accumulators so the adds overlap. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let f = 0
  for (; f + 3 < k; f += 4) {
    s0 += a[ao + f]! * b[bo + f]!
    s1 += a[ao + f + 1]! * b[bo + f + 1]!
    s2 += a[ao + f + 2]! * b[bo + f + 2]!
    s3 += a[ao + f + 3]! * b[bo + f + 3]!
  }
  for (; f < k; f++) s0 += a[ao + f]! * b[bo + f]!
  return s0 + s1 + s2 + s3
}

/** y[yo..yo+k) += c·x[xo..xo+k). */
export function axpy(
  c: number,
  x: Float64Array,
  xo: number,
  y: Float64Array,
  yo: number,
  k: number,
): void {
  let f = 0
  for (; f + 3 < k; f += 4) {
    y[yo + f]! += c * x[xo + f]!
    y[yo + f + 1]! += c * x[xo + f + 1]!
    y[yo + f + 2]! += c * x[xo + f + 2]!
    y[yo + f + 3]! += c * x[xo + f + 3]!
  }
  for (; f < k; f++) y[yo + f]! += c * x[xo + f]!
}

/** out = (G + reg·I)·v[vo..vo+k) for the symmetric row-major k×k G, two rows at a time. */
export function gramTimes(
  g: Float64Array,
  v: Float64Array,
  vo: number,
  reg: number,
  out: Float64Array,
  k: number,
): void {
  let a = 0
  for (; a + 1 < k; a += 2) {
    const g0 = a * k
    const g1 = g0 + k
    let s0 = 0
    let s1 = 0
    let t0 = 0
    let t1 = 0
    let b = 0
    for (; b + 1 < k; b += 2) {
      const v0 = v[vo + b]!
      const v1 = v[vo + b + 1]!
      s0 += g[g0 + b]! * v0
      t0 += g[g0 + b + 1]! * v1
      s1 += g[g1 + b]! * v0
      t1 += g[g1 + b + 1]! * v1
    }
    for (; b < k; b++) {
      s0 += g[g0 + b]! * v[vo + b]!
      s1 += g[g1 + b]! * v[vo + b]!
    }
    out[a] = s0 + t0 + reg * v[vo + a]!
    out[a + 1] = s1 + t1 + reg * v[vo + a + 1]!
  }
  for (; a < k; a++) {
    const ga = a * k
    let s = reg * v[vo + a]!
    for (let b = 0; b < k; b++) s += g[ga + b]! * v[vo + b]!
    out[a] = s
  }
}

/**
 * out[oo] = Σ_f a[ao+f]·b[bo+f] and out[oo+1] = Σ_f a[ao+f]·c[co+f] in one pass over a, each
 * summed exactly as {@link dot} sums it (same accumulators, same order), so the results are
 * bit-for-bit those of two dot calls. For scoring an item and its similarity to another item
 * while its factors are loaded once.
 */
export function dotPair(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  k: number,
  out: Float64Array,
  oo: number,
): void {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let t0 = 0
  let t1 = 0
  let t2 = 0
  let t3 = 0
  let f = 0
  for (; f + 3 < k; f += 4) {
    const a0 = a[ao + f]!
    const a1 = a[ao + f + 1]!
    const a2 = a[ao + f + 2]!
    const a3 = a[ao + f + 3]!
    s0 += a0 * b[bo + f]!
    s1 += a1 * b[bo + f + 1]!
    s2 += a2 * b[bo + f + 2]!
    s3 += a3 * b[bo + f + 3]!
    t0 += a0 * c[co + f]!
    t1 += a1 * c[co + f + 1]!
    t2 += a2 * c[co + f + 2]!
    t3 += a3 * c[co + f + 3]!
  }
  for (; f < k; f++) {
    s0 += a[ao + f]! * b[bo + f]!
    t0 += a[ao + f]! * c[co + f]!
  }
  out[oo] = s0 + s1 + s2 + s3
  out[oo + 1] = t0 + t1 + t2 + t3
}
