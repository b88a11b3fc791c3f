import { describe, expect, it } from 'vitest'
import { choleskyFactor, choleskySolve } from '../../numeric/cholesky.js'
import { buildCsrFromCoo, type CsrMatrix } from '../../numeric/csr-matrix.js'
import { addGram, balancedRowRanges, sweepRows, symmetrize, type SweepSide } from './ials-sweep.js'

function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** 6 rows × 9 columns, about a third observed, strengths 1–3. */
function smallMatrix(): CsrMatrix {
  const rand = lcg(5)
  const rows: number[] = []
  const cols: number[] = []
  const vals: number[] = []
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 9; c++) {
      if (rand() < 0.35 || c === r) {
        rows.push(r)
        cols.push(c)
        vals.push(1 + Math.floor(rand() * 3))
      }
    }
  }
  return buildCsrFromCoo(
    6,
    9,
    Int32Array.from(rows),
    Int32Array.from(cols),
    Float64Array.from(vals),
  )
}

/** The row's normal equations formed densely and solved exactly. */
function exactRow(
  side: SweepSide,
  fixed: Float64Array,
  k: number,
  alpha: number,
  r: number,
): Float64Array {
  const { m } = side
  const a = new Float64Array(k * k)
  const b = new Float64Array(k)
  const observed = new Map<number, number>()
  for (let q = m.rowPtr[r]!; q < m.rowPtr[r + 1]!; q++) observed.set(m.colIdx[q]!, m.values[q]!)
  for (let j = 0; j < m.cols; j++) {
    const x = observed.get(j)
    // Weight of cell (r, j): 1 + α·x if observed, else 1.
    const w = x === undefined ? 1 : 1 + alpha * x
    for (let f = 0; f < k; f++) {
      if (x !== undefined) b[f]! += w * fixed[j * k + f]!
      for (let g = 0; g < k; g++) a[f * k + g]! += w * fixed[j * k + f]! * fixed[j * k + g]!
    }
  }
  for (let f = 0; f < k; f++) a[f * k + f]! += side.rowReg[r]!
  expect(choleskyFactor(a, k)).toBe(0)
  return choleskySolve(a, k, b)
}

describe('iALS row sweep', () => {
  const k = 4
  const m = smallMatrix()
  const rand = lcg(17)
  const fixed = Float64Array.from({ length: m.cols * k }, () => rand() - 0.5)
  const rowReg = Float64Array.from({ length: m.rows }, () => 0.05 + rand())
  const alpha = 2

  it('enough CG steps reach the exact least-squares row, each row with its own λ', () => {
    const side: SweepSide = { m, rowReg }
    const gram = new Float64Array(k * k)
    addGram(fixed, k, 0, m.cols, gram)
    symmetrize(gram, k)
    const solve = Float64Array.from({ length: m.rows * k }, () => rand() - 0.5)
    // CG on a k×k system is exact after k steps in exact arithmetic; 3k leaves no doubt.
    sweepRows(side, solve, fixed, k, alpha, 3 * k, gram, new Float64Array(3 * k), 0, m.rows)
    for (let r = 0; r < m.rows; r++) {
      const want = exactRow(side, fixed, k, alpha, r)
      for (let f = 0; f < k; f++) {
        expect(solve[r * k + f], `row ${r} factor ${f}`).toBeCloseTo(want[f]!, 9)
      }
    }
  })

  it('a partial sweep touches only its rows', () => {
    const side: SweepSide = { m, rowReg }
    const gram = new Float64Array(k * k)
    addGram(fixed, k, 0, m.cols, gram)
    symmetrize(gram, k)
    const solve = Float64Array.from({ length: m.rows * k }, () => rand() - 0.5)
    const before = solve.slice()
    sweepRows(side, solve, fixed, k, alpha, 3, gram, new Float64Array(3 * k), 2, 4)
    expect(Array.from(solve.subarray(0, 2 * k))).toEqual(Array.from(before.subarray(0, 2 * k)))
    expect(Array.from(solve.subarray(4 * k))).toEqual(Array.from(before.subarray(4 * k)))
    expect(Array.from(solve.subarray(2 * k, 4 * k))).not.toEqual(
      Array.from(before.subarray(2 * k, 4 * k)),
    )
  })

  it('partial Gramians over row ranges add up to the whole', () => {
    const whole = new Float64Array(k * k)
    addGram(fixed, k, 0, m.cols, whole)
    const parts = new Float64Array(k * k)
    addGram(fixed, k, 0, 4, parts)
    addGram(fixed, k, 4, m.cols, parts)
    for (let i = 0; i < k * k; i++) expect(parts[i]).toBeCloseTo(whole[i]!, 12)
  })
})

describe('balanced row ranges', () => {
  // Row r has r nonzeros: later rows cost more, so the split point lies past the middle.
  const rows: number[] = []
  const cols: number[] = []
  for (let r = 0; r < 100; r++) {
    for (let c = 0; c < r; c++) {
      rows.push(r)
      cols.push(c)
    }
  }
  const m = buildCsrFromCoo(
    100,
    100,
    Int32Array.from(rows),
    Int32Array.from(cols),
    new Float64Array(rows.length).fill(1),
  )

  it.each([1, 2, 3, 7])(
    '%i parts cover every row once, in order, with about equal work',
    (parts) => {
      const k = 8
      const b = balancedRowRanges(m, k, parts)
      expect(b).toHaveLength(parts + 1)
      expect(b[0]).toBe(0)
      expect(b[parts]).toBe(100)
      const cost = (from: number, to: number): number =>
        (to - from) * k + 2 * (m.rowPtr[to]! - m.rowPtr[from]!)
      const total = cost(0, 100)
      for (let p = 0; p < parts; p++) {
        expect(b[p + 1]!).toBeGreaterThanOrEqual(b[p]!)
        // Within one row's cost (at most k + 2·99) of an even share.
        expect(Math.abs(cost(b[p]!, b[p + 1]!) - total / parts)).toBeLessThanOrEqual(k + 2 * 99)
      }
      if (parts === 2) expect(b[1]!).toBeGreaterThan(60)
    },
  )
})
