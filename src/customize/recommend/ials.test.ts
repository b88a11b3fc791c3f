import { describe, expect, it } from 'vitest'
import { buildCsrFromCoo, type CsrMatrix } from '../../numeric/csr-matrix.js'
import { fitIals, type IalsParams } from './ials.js'
import { decodeModel, encodeModel, restoreRecommender } from './model-codec.js'

/** 400 customers × 150 items, each customer ~12 items from a taste band plus popular ones. */
function tasteMatrix(): CsrMatrix {
  let s = 99
  const rand = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
  const seen = new Set<number>()
  const rows: number[] = []
  const cols: number[] = []
  for (let u = 0; u < 400; u++) {
    for (let t = 0; t < 12; t++) {
      const i =
        rand() < 0.5 ? Math.floor(rand() * rand() * 150) : (u * 7 + Math.floor(rand() * 20)) % 150
      if (seen.has(u * 150 + i)) continue
      seen.add(u * 150 + i)
      rows.push(u)
      cols.push(i)
    }
  }
  return buildCsrFromCoo(
    400,
    150,
    Int32Array.from(rows),
    Int32Array.from(cols),
    new Float64Array(rows.length).fill(1),
  )
}

const base: IalsParams = { factors: 16, regularization: 5, alpha: 2, iterations: 6, cgSteps: 3 }

function itemFactors(params: IalsParams): Float64Array {
  const state = fitIals(tasteMatrix(), params).exportState()
  const items = state.arrays['items']
  if (!(items instanceof Float64Array)) throw new Error('no item factors')
  return items
}

/** max |a − b| over max |a|, and max |a| (which must not be tiny for the first to mean much). */
function relativeDifference(a: Float64Array, b: Float64Array): { relative: number; scale: number } {
  let scale = 0
  let diff = 0
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!))
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
  }
  return { relative: diff / scale, scale }
}

describe('iALS fit on several threads', () => {
  it.each([
    ['classic', {}],
    ['frequency-scaled λ', { regularizationExponent: 1 }],
  ] as const)('%s: two threads give the one-thread factors up to rounding', (_, extra) => {
    const one = itemFactors({ ...base, ...extra, threads: 1 })
    const two = itemFactors({ ...base, ...extra, threads: 2 })
    expect(two).toHaveLength(one.length)
    const { relative, scale } = relativeDifference(one, two)
    expect(scale).toBeGreaterThan(0.01)
    // Only the Gramian's partial sums add in another order: differences at rounding level.
    expect(relative).toBeLessThan(1e-9)
  })

  it.each([
    ['one thread', 1],
    ['two threads', 2],
  ] as const)(
    "%s: the eigenbasis solve gives the plain solve's factors up to rounding",
    (_, threads) => {
      const plain = itemFactors({ ...base, threads, eigenbasis: false })
      const turned = itemFactors({ ...base, threads })
      const { relative, scale } = relativeDifference(plain, turned)
      expect(scale).toBeGreaterThan(0.01)
      expect(relative).toBeLessThan(1e-9)
    },
  )

  it('a threaded model stores, restores and scores like the one-thread model', () => {
    const x = tasteMatrix()
    const params = { ...base, regularizationExponent: 1 }
    const one = fitIals(x, { ...params, threads: 1 })
    const two = restoreRecommender(
      decodeModel(encodeModel(fitIals(x, { ...params, threads: 2 }).exportState())),
    )
    const history = {
      items: Int32Array.from([3, 40, 41, 90]),
      values: Float64Array.from([1, 1, 2, 1]),
    }
    const a = new Float64Array(150)
    const b = new Float64Array(150)
    one.score(history, a)
    two.score(history, b)
    for (let i = 0; i < 150; i++) expect(b[i]).toBeCloseTo(a[i]!, 9)
  })
})
