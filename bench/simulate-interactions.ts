import { buildCsrFromCoo, type CsrMatrix } from '../src/numeric/csr-matrix.js'
import { seededRandom } from '../src/customize/recommend/evaluate.js'

/**
 * The benchmarks' simulated shop: power-law item popularity, customers with geometric-ish
 * history lengths averaging nnz/users; half of each customer's items come from a per-customer
 * "taste" band, half from popularity.
 */
export function simulateInteractions(users: number, items: number, nnz: number): CsrMatrix {
  const rand = seededRandom(11)
  const rows = new Int32Array(nnz)
  const cols = new Int32Array(nnz)
  const cdf = new Float64Array(items)
  let s = 0
  for (let i = 0; i < items; i++) cdf[i] = s += 1 / Math.pow(i + 1, 0.8)
  for (let i = 0; i < items; i++) cdf[i]! /= s
  const pick = (): number => {
    const u = rand()
    let lo = 0
    let hi = items - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  for (let k = 0; k < nnz; k++) {
    rows[k] = Math.floor(rand() * users)
    cols[k] = rand() < 0.5 ? pick() : (rows[k]! * 37 + Math.floor(rand() * 200)) % items
  }
  return buildCsrFromCoo(users, items, rows, cols, new Float64Array(nnz).fill(1))
}
