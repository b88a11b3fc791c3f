import { describe, expect, it } from 'vitest'
import { buildCsrFromCoo, type CsrMatrix } from '../../numeric/csr-matrix.js'
import { createRandom } from '../../numeric/random.js'
import { fitItemKnn, restoreItemKnn } from './item-knn.js'

/** Customers × items with random positive values: no two similarities tie. */
function randomMatrix(customers: number, usedItems: number, catalog: number, seed: number) {
  const random = createRandom(seed)
  const rows: number[] = []
  const cols: number[] = []
  const values: number[] = []
  for (let u = 0; u < customers; u++) {
    for (let i = 0; i < usedItems; i++) {
      if (random.uniform() < 0.35) {
        rows.push(u)
        cols.push(i)
        values.push(0.5 + random.uniform())
      }
    }
  }
  return buildCsrFromCoo(
    customers,
    catalog,
    Int32Array.from(rows),
    Int32Array.from(cols),
    Float64Array.from(values),
  )
}

/** What similar(i)[t] must be: cosine(i, t) when i is among t's k most similar items, else 0. */
function expectedSimilar(x: CsrMatrix, k: number, shrinkage: number): number[][] {
  const n = x.cols
  const dense: number[][] = Array.from({ length: x.rows }, () => new Array<number>(n).fill(0))
  for (let u = 0; u < x.rows; u++) {
    for (let p = x.rowPtr[u]!; p < x.rowPtr[u + 1]!; p++) dense[u]![x.colIdx[p]!] = x.values[p]!
  }
  const norm = (i: number) => Math.sqrt(dense.reduce((s, row) => s + row[i]! ** 2, 0))
  const cosine = (i: number, j: number) => {
    const dot = dense.reduce((s, row) => s + row[i]! * row[j]!, 0)
    const denom = norm(i) * norm(j) + shrinkage
    return denom > 0 ? dot / denom : 0
  }
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let t = 0; t < n; t++) {
    const ranked = Array.from({ length: n }, (_, i) => i)
      .filter((i) => i !== t && cosine(t, i) > 0)
      .sort((a, b) => cosine(t, b) - cosine(t, a))
      .slice(0, k)
    for (const i of ranked) out[i]![t] = cosine(t, i)
  }
  return out
}

function cell(x: CsrMatrix, u: number, i: number): number {
  for (let p = x.rowPtr[u]!; p < x.rowPtr[u + 1]!; p++) if (x.colIdx[p] === i) return x.values[p]!
  return 0
}

describe('item-kNN', () => {
  // 60 customers over 12 items read each item's row densely; the same customers in a catalog of
  // 400 items (388 nobody has) take the sparse path. Both must match the brute-force neighbours.
  for (const catalog of [12, 400]) {
    it(`keeps each item's k most cosine-similar items (catalog of ${catalog})`, () => {
      const x = randomMatrix(60, 12, catalog, 7)
      const k = 4
      const shrinkage = 2
      const model = fitItemKnn(x, { neighbours: k, shrinkage, weighting: 'cosine' })
      const expected = expectedSimilar(x, k, shrinkage)
      const out = new Float64Array(catalog)
      for (let i = 0; i < 12; i++) {
        model.similar(i, out)
        for (let t = 0; t < catalog; t++) {
          expect(out[t], `similar(${i})[${t}]`).toBeCloseTo(expected[i]![t]!, 5)
        }
      }
    })
  }

  for (const catalog of [12, 400]) {
    it(`keeps each item's k best BM25 neighbours (catalog of ${catalog})`, () => {
      const x = randomMatrix(60, 12, catalog, 11)
      const [k1, b, k] = [1.2, 0.75, 4]
      const model = fitItemKnn(x, { neighbours: k, weighting: 'bm25', bm25K1: k1, bm25B: b })
      // Okapi weights of the item × customer cells: idf over the catalog, length by item.
      const weight = (i: number, u: number): number => {
        const value = cell(x, u, i)
        if (value === 0) return 0
        let itemTotal = 0
        let total = 0
        for (let c = 0; c < x.rows; c++) itemTotal += cell(x, c, i)
        for (let p = 0; p < x.rowPtr[x.rows]!; p++) total += x.values[p]!
        const norm = 1 - b + (b * itemTotal) / (total / catalog)
        const idf = Math.log(catalog) - Math.log1p(x.rowPtr[u + 1]! - x.rowPtr[u]!)
        return ((value * (k1 + 1)) / (k1 * norm + value)) * idf
      }
      const sim = (t: number, i: number): number => {
        let s = 0
        for (let u = 0; u < x.rows; u++) if (cell(x, u, i) > 0) s += weight(t, u)
        return s
      }
      const out = new Float64Array(catalog)
      for (let t = 0; t < 12; t++) {
        const best = Array.from({ length: 12 }, (_, i) => i)
          .filter((i) => i !== t && sim(t, i) > 0)
          .sort((p, q) => sim(t, q) - sim(t, p))
          .slice(0, k)
        for (let i = 0; i < 12; i++) {
          model.similar(i, out)
          expect(out[t], `similar(${i})[${t}]`).toBeCloseTo(best.includes(i) ? sim(t, i) : 0, 4)
        }
      }
    })
  }

  it('pairSimilarity is the larger of the two directions, found by binary search or by walking', () => {
    const catalog = 40
    const model = fitItemKnn(randomMatrix(60, 30, catalog, 5), { neighbours: 6 })
    const row = new Float64Array(catalog)
    const stored: number[][] = []
    for (let i = 0; i < catalog; i++) {
      model.similar(i, row)
      stored.push([...row])
    }
    // similar(a)[b] is stored as a's row entry for b; pairSimilarity(a, b) takes both entries.
    const expected = (a: number, b: number): number => {
      const ab = stored[a]![b]!
      const ba = stored[b]![a]!
      return ba !== 0 ? Math.max(ab, ba) : ab
    }
    // The same rows with their columns reversed: the lookup must not rely on their order.
    const state = model.exportState()
    const { rowPtr, colIdx, values } = state.arrays as {
      rowPtr: Int32Array
      colIdx: Int32Array
      values: Float32Array
    }
    const reversedCols = colIdx.slice()
    const reversedValues = values.slice()
    for (let i = 0; i < catalog; i++) {
      reversedCols.subarray(rowPtr[i], rowPtr[i + 1]).reverse()
      reversedValues.subarray(rowPtr[i], rowPtr[i + 1]).reverse()
    }
    const unsorted = restoreItemKnn({
      ...state,
      arrays: { rowPtr, colIdx: reversedCols, values: reversedValues },
    })
    let nonZero = 0
    for (let a = 0; a < catalog; a++) {
      for (let b = 0; b < catalog; b++) {
        expect(model.pairSimilarity(a, b), `(${a}, ${b})`).toBeCloseTo(expected(a, b), 6)
        expect(unsorted.pairSimilarity(a, b), `unsorted (${a}, ${b})`).toBeCloseTo(
          expected(a, b),
          6,
        )
        if (expected(a, b) !== 0) nonZero++
      }
    }
    expect(nonZero).toBeGreaterThan(100)
  })
})
