import { describe, expect, it } from 'vitest'
import { axpy, dot, dotPair, gramTimes } from './vector-kernels.js'

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

  it('dotPair gives bit for bit the two dot products, at the given output offset', () => {
    const z = randomArray(k + 5, 41)
    const out = new Float64Array(4).fill(9)
    dotPair(x, offset, y, 2 * offset, z, 5, k, out, 1)
    expect(out[1]).toBe(dot(x, offset, y, 2 * offset, k))
    expect(out[2]).toBe(dot(x, offset, z, 5, k))
    expect(out[0]).toBe(9)
    expect(out[3]).toBe(9)
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
