/**
 * Compressed sparse row matrices on typed arrays. Row `r` holds the entries
 * `colIdx[rowPtr[r] .. rowPtr[r+1])` with `values` alongside; column indices are sorted within a
 * row and unique.
 */
export interface CsrMatrix {
  readonly rows: number
  readonly cols: number
  readonly rowPtr: Int32Array
  readonly colIdx: Int32Array
  readonly values: Float64Array
}

/** Number of stored entries. */
export function csrNnz(m: CsrMatrix): number {
  return m.rowPtr[m.rows]!
}

/**
 * Builds a CSR matrix from COO triplets, summing duplicates (entries that sum to exactly zero are
 * kept, so a matrix's pattern does not depend on cancellation).
 *
 * *Method:* a counting sort by row, then an insertion/merge pass per row by column; O(nnz + rows)
 * memory and O(nnz log d) time where d is the row length.
 *
 * *References:* Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., §3.4 (CSR).
 */
export function buildCsrFromCoo(
  rows: number,
  cols: number,
  rowIdx: Int32Array,
  colIdx: Int32Array,
  values: Float64Array,
): CsrMatrix {
  const n = rowIdx.length
  if (colIdx.length !== n || values.length !== n) {
    throw new Error(`COO arrays differ in length: ${n}, ${colIdx.length}, ${values.length}`)
  }
  const counts = new Int32Array(rows + 1)
  for (let k = 0; k < n; k++) {
    const r = rowIdx[k]!
    const c = colIdx[k]!
    if (r < 0 || r >= rows || c < 0 || c >= cols) {
      throw new Error(`COO entry ${k} (${r}, ${c}) outside a ${rows}×${cols} matrix`)
    }
    counts[r + 1]!++
  }
  for (let r = 0; r < rows; r++) counts[r + 1]! += counts[r]!
  const order = new Int32Array(n)
  const cursor = counts.slice(0, rows)
  for (let k = 0; k < n; k++) order[cursor[rowIdx[k]!]!++] = k
  const outPtr = new Int32Array(rows + 1)
  const outCol = new Int32Array(n)
  const outVal = new Float64Array(n)
  const tmpCol: number[] = []
  let nnz = 0
  for (let r = 0; r < rows; r++) {
    const start = counts[r]!
    const end = counts[r + 1]!
    tmpCol.length = 0
    for (let p = start; p < end; p++) tmpCol.push(order[p]!)
    tmpCol.sort((a, b) => colIdx[a]! - colIdx[b]! || a - b)
    let last = -1
    for (const k of tmpCol) {
      const c = colIdx[k]!
      if (c === last) {
        outVal[nnz - 1]! += values[k]!
      } else {
        outCol[nnz] = c
        outVal[nnz] = values[k]!
        nnz++
        last = c
      }
    }
    outPtr[r + 1] = nnz
  }
  return {
    rows,
    cols,
    rowPtr: outPtr,
    colIdx: outCol.slice(0, nnz),
    values: outVal.slice(0, nnz),
  }
}

/**
 * The transpose, again in CSR (so the CSC view of the input).
 *
 * *Method:* one counting pass over columns; rows come out sorted because input rows are visited in
 * order.
 *
 * *References:* Y. Saad, *SPARSKIT*, `csrcsc`.
 */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = csrNnz(m)
  const ptr = new Int32Array(m.cols + 1)
  for (let p = 0; p < nnz; p++) ptr[m.colIdx[p]! + 1]!++
  for (let c = 0; c < m.cols; c++) ptr[c + 1]! += ptr[c]!
  const cursor = ptr.slice(0, m.cols)
  const col = new Int32Array(nnz)
  const val = new Float64Array(nnz)
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.rowPtr[r]!; p < m.rowPtr[r + 1]!; p++) {
      const q = cursor[m.colIdx[p]!]!++
      col[q] = r
      val[q] = m.values[p]!
    }
  }
  return { rows: m.cols, cols: m.rows, rowPtr: ptr, colIdx: col, values: val }
}

/**
 * out = A · B, with B dense row-major `a.cols × k` and out dense row-major `a.rows × k`.
 *
 * *Method:* row-wise axpy over the stored entries of each row; O(nnz · k).
 *
 * *References:* Y. Saad, *Iterative Methods for Sparse Linear Systems*, §3.4 (CSR matvec).
 */
export function multiplyCsrDense(
  a: CsrMatrix,
  b: Float64Array,
  k: number,
  out: Float64Array,
): Float64Array {
  if (b.length < a.cols * k || out.length < a.rows * k) {
    throw new Error(`multiplyCsrDense: buffers too small for ${a.rows}×${a.cols} · ${a.cols}×${k}`)
  }
  out.fill(0, 0, a.rows * k)
  for (let r = 0; r < a.rows; r++) {
    const o = r * k
    for (let p = a.rowPtr[r]!; p < a.rowPtr[r + 1]!; p++) {
      const v = a.values[p]!
      const bo = a.colIdx[p]! * k
      for (let j = 0; j < k; j++) out[o + j]! += v * b[bo + j]!
    }
  }
  return out
}

/**
 * The dense Gram matrix G = AᵀA (row-major `a.cols × a.cols`), accumulated into `out` after
 * clearing it.
 *
 * *Method:* for each row, the outer product of its sparse entries; O(Σ_r d_r²).
 *
 * *References:* H. Steck, "Embarrassingly shallow autoencoders for sparse data", WWW 2019 (the
 * Gram matrix EASE inverts).
 */
export function csrGramDense(a: CsrMatrix, out: Float64Array): Float64Array {
  const n = a.cols
  if (out.length < n * n) throw new Error(`csrGramDense: out holds ${out.length}, needs ${n * n}`)
  out.fill(0, 0, n * n)
  for (let r = 0; r < a.rows; r++) {
    const start = a.rowPtr[r]!
    const end = a.rowPtr[r + 1]!
    for (let p = start; p < end; p++) {
      const ci = a.colIdx[p]! * n
      const vi = a.values[p]!
      for (let q = start; q < end; q++) out[ci + a.colIdx[q]!]! += vi * a.values[q]!
    }
  }
  return out
}

/** A dense row-major copy; for tests and small matrices. */
export function csrToDense(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols)
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.rowPtr[r]!; p < m.rowPtr[r + 1]!; p++) {
      out[r * m.cols + m.colIdx[p]!] = m.values[p]!
    }
  }
  return out
}
