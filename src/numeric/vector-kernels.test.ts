import { describe, expect, it } from 'vitest'
import { axpy, dot, dotF32, dotPairF32, gramTimes } from './vector-kernels.js'

function randomArray(n: number, seed: number): Float64Array {
  const out = new Float64Array(n)
  let s = seed
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648
    out[i] = s / 2147483648 - 0.5
  }
  return out
}

// Odd and even lengths so that the unrolled loops and their remainders are both exercised.
describe.each([1, 2, 3, 5, 8, 63, 64])('vector kernels, k = %i', (k) => {
  const offset = 3
  const x = randomArray(k + offset, 11)
  const y = randomArray(k + 2 * offset, 29)

  it('dot equals the plain sum of products', () => {
    let expected = 0
    for (let f = 0; f < k; f++) expected += x[offset + f]! * y[2 * offset + f]!
    expect(dot(x, offset, y, 2 * offset, k)).toBeCloseTo(expected, 12)
  })

  it('dotF32 sums a single-precision row against a vector as dot sums the doubles', () => {
    const rows = Float32Array.from(randomArray(k + offset, 53))
    const asDoubles = Float64Array.from(rows)
    const v = randomArray(k, 61)
    expect(dotF32(rows, offset, v, k)).toBe(dot(asDoubles, offset, v, 0, k))
  })

  it('dotPairF32 gives bit for bit the two dotF32 products', () => {
    const rows = Float32Array.from(randomArray(k + offset, 53))
    const v = randomArray(k, 61)
    const w = randomArray(k, 67)
    const out = new Float64Array(2)
    dotPairF32(rows, offset, v, w, k, out)
    expect(out[0]).toBe(dotF32(rows, offset, v, k))
    expect(out[1]).toBe(dotF32(rows, offset, w, k))
  })

  it('axpy adds c·x to y in place, and nothing outside the range', () => {
    const target = y.slice()
    axpy(0.7, x, offset, target, 2 * offset, k)
    for (let f = 0; f < 2 * offset; f++) expect(target[f]).toBe(y[f])
    for (let f = 0; f < k; f++)
      expect(target[2 * offset + f]).toBeCloseTo(y[2 * offset + f]! + 0.7 * x[offset + f]!, 12)
  })

  it('gramTimes equals (G + reg·I)·v for a symmetric G', () => {
    const raw = randomArray(k * k, 5)
    const g = new Float64Array(k * k)
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) g[a * k + b] = raw[a * k + b]! + raw[b * k + a]!
    const out = new Float64Array(k)
    gramTimes(g, x, offset, 2.5, out, k)
    for (let a = 0; a < k; a++) {
      let expected = 2.5 * x[offset + a]!
      for (let b = 0; b < k; b++) expected += g[a * k + b]! * x[offset + b]!
      expect(out[a]).toBeCloseTo(expected, 12)
    }
  })
})
