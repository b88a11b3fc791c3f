import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildCsrFromCoo,
  csrGramDense,
  csrNnz,
  csrToDense,
  multiplyCsrDense,
  transposeCsr,
  type CsrMatrix,
} from './csr-matrix.js'

interface Coo {
  readonly rows: number
  readonly cols: number
  readonly entries: readonly (readonly [number, number, number])[]
}

const cooArb: fc.Arbitrary<Coo> = fc
  .record({ rows: fc.integer({ min: 1, max: 7 }), cols: fc.integer({ min: 1, max: 7 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      entries: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: rows - 1 }),
          fc.integer({ min: 0, max: cols - 1 }),
          fc.integer({ min: -5, max: 5 }),
        ),
        { maxLength: 30 },
      ),
    }),
  )

function build(coo: Coo): CsrMatrix {
  return buildCsrFromCoo(
    coo.rows,
    coo.cols,
    Int32Array.from(coo.entries.map((e) => e[0])),
    Int32Array.from(coo.entries.map((e) => e[1])),
    Float64Array.from(coo.entries.map((e) => e[2])),
  )
}

function denseOf(coo: Coo): Float64Array {
  const d = new Float64Array(coo.rows * coo.cols)
  for (const [r, c, v] of coo.entries) d[r * coo.cols + c]! += v
  return d
}

describe('CSR matrix', () => {
  it('sums duplicates and sorts columns within rows', () => {
    const m = buildCsrFromCoo(
      2,
      3,
      Int32Array.from([1, 0, 1, 0]),
      Int32Array.from([2, 1, 0, 1]),
      Float64Array.from([1, 2, 3, 4]),
    )
    expect(Array.from(m.rowPtr)).toEqual([0, 1, 3])
    expect(Array.from(m.colIdx)).toEqual([1, 0, 2])
    expect(Array.from(m.values)).toEqual([6, 3, 1])
    expect(csrNnz(m)).toBe(3)
  })

  it('rejects entries outside the shape', () => {
    expect(() =>
      buildCsrFromCoo(1, 1, Int32Array.from([1]), Int32Array.from([0]), Float64Array.from([1])),
    ).toThrow(/outside/)
  })

  it('builds the same matrix as dense accumulation (property)', () => {
    fc.assert(
      fc.property(cooArb, (coo) => {
        expect(Array.from(csrToDense(build(coo)))).toEqual(Array.from(denseOf(coo)))
      }),
    )
  })

  it('transposes (property)', () => {
    fc.assert(
      fc.property(cooArb, (coo) => {
        const t = csrToDense(transposeCsr(build(coo)))
        const d = denseOf(coo)
        for (let r = 0; r < coo.rows; r++) {
          for (let c = 0; c < coo.cols; c++) expect(t[c * coo.rows + r]).toBe(d[r * coo.cols + c])
        }
      }),
    )
  })

  it('sparse × dense equals dense × dense (property)', () => {
    fc.assert(
      fc.property(
        cooArb,
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 28, maxLength: 28 }),
        (coo, k, raw) => {
          const b = Float64Array.from({ length: coo.cols * k }, (_, i) => raw[i % raw.length]!)
          const out = multiplyCsrDense(build(coo), b, k, new Float64Array(coo.rows * k))
          const d = denseOf(coo)
          for (let r = 0; r < coo.rows; r++) {
            for (let j = 0; j < k; j++) {
              let s = 0
              for (let c = 0; c < coo.cols; c++) s += d[r * coo.cols + c]! * b[c * k + j]!
              expect(out[r * k + j]).toBe(s)
            }
          }
        },
      ),
    )
  })

  it('Gram matrix equals AᵀA computed densely (property)', () => {
    fc.assert(
      fc.property(cooArb, (coo) => {
        const g = csrGramDense(build(coo), new Float64Array(coo.cols * coo.cols))
        const d = denseOf(coo)
        for (let i = 0; i < coo.cols; i++) {
          for (let j = 0; j < coo.cols; j++) {
            let s = 0
            for (let r = 0; r < coo.rows; r++) s += d[r * coo.cols + i]! * d[r * coo.cols + j]!
            expect(g[i * coo.cols + j]).toBe(s)
          }
        }
      }),
    )
  })
})
