import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hyp2f1, logHyp2f1 } from './hyp2f1.js'

function expectRelative(actual: number, expected: number, tol: number, inputs: string): void {
  const rel = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300)
  expect(rel, `${inputs}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(tol)
}

/**
 * ₂F₁(a, b; a + 1; z) = a Σⱼ (b)ⱼ/j! · zʲ/(a + j): a different series from the one hyp2f1 sums
 * (the Beta-integral form expanded in z), used as an independent check.
 */
function betaSeries(a: number, b: number, z: number): number {
  let sum = 0
  let coefficient = 1
  for (let j = 0; j < 200_000; j++) {
    sum += coefficient / (a + j)
    coefficient *= ((b + j) / (j + 1)) * z
    if (coefficient < 1e-18 * sum) break
  }
  return a * sum
}

describe('hyp2f1', () => {
  it('matches closed forms', () => {
    for (const z of [0.001, 0.1, 0.5, 0.9, 0.99, 0.9999]) {
      expectRelative(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-12, `2F1(1,1;2;${z})`)
      expectRelative(hyp2f1(2.5, 0.7, 0.7, z), Math.pow(1 - z, -2.5), 1e-12, `2F1(2.5,.7;.7;${z})`)
      const s = Math.sqrt(z)
      expectRelative(hyp2f1(0.5, 0.5, 1.5, z), Math.asin(s) / s, 1e-11, `2F1(.5,.5;1.5;${z})`)
    }
    for (const z of [-0.5, -3, -100]) {
      expectRelative(hyp2f1(1, 1, 2, z), Math.log1p(-z) / -z, 1e-12, `2F1(1,1;2;${z})`)
    }
    // Gauss: 2F1(a, b; c; 1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)); here 2F1(1, 1; 3; 1) = 2.
    expectRelative(hyp2f1(1, 1, 3, 1), 2, 1e-12, '2F1(1,1;3;1)')
    expect(hyp2f1(1, 1, 2, 1.5)).toBeNaN()
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN()
    // Terminating series: 2F1(−2, b; c; z) is a polynomial.
    const b = 3
    const c = 4
    const z = 0.3
    expectRelative(
      hyp2f1(-2, b, c, z),
      1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)),
      1e-14,
      '2F1(-2,3;4;.3)',
    )
  })

  it('handles the large Pareto/NBD arguments (c = a + 1) in log space', () => {
    for (const [a, b, z] of [
      [200.6, 1.6, 0.9],
      [50.5, 40.3, 0.7],
      [3.2, 1.6, 0.999],
      [600, 80, 0.95],
      [0.8, 0.3, 0.5],
    ] as const) {
      const expected = Math.log(betaSeries(a, b, z))
      expectRelative(logHyp2f1(a, b, a + 1, z), expected, 1e-7, `ln 2F1(${a},${b};${a + 1};${z})`)
    }
    // Past double range the value overflows but its log does not.
    const big = logHyp2f1(3000, 2900, 3001, 0.999)
    expect(Number.isFinite(big) && big > 709).toBe(true)
  })

  it('is accurate close to z = 1 (connection formula), against mpmath', () => {
    // Reference values: mpmath.hyp2f1 (mpmath 1.3, 15 significant digits).
    const cases: readonly (readonly [number, number, number, number, number])[] = [
      [0.243, 2.426, 2.219, 0.9999, 29.9961870281016],
      [0.243, 2.426, 2.219, 0.999999, 233.333249073415],
      [26.24, 28.43, 28.22, 0.95, 2.54604219727199e34],
      [0.5, 0.3, 0.2, 0.97, 10.2263689372676],
      [1.3, 2.7, 3.1, 0.9, 11.485855469178],
      [5.5, 1.2, 7.3, 0.999, 12.9465779481171],
    ]
    for (const [a, b, c, z, expected] of cases) {
      expectRelative(hyp2f1(a, b, c, z), expected, 1e-13, `2F1(${a},${b};${c};${z})`)
    }
  })

  it('joins the series and the connection formula smoothly at z = 0.9 (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.double({ min: 0.2, max: 40, noNaN: true }),
        (a, b, c) => {
          const below = hyp2f1(a, b, c, 0.9 - 1e-13)
          const above = hyp2f1(a, b, c, 0.9 + 1e-13)
          return Math.abs(above - below) <= 1e-8 * Math.abs(below)
        },
      ),
      { seed: 9, numRuns: 300 },
    )
  })

  it('agrees with the untransformed series (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 8, noNaN: true }),
        fc.double({ min: 0.05, max: 8, noNaN: true }),
        fc.double({ min: 0.2, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 0.8, noNaN: true }),
        (a, b, c, z) => {
          let sum = 1
          let term = 1
          for (let j = 0; j < 5000; j++) {
            term *= (((a + j) * (b + j)) / ((c + j) * (j + 1))) * z
            sum += term
          }
          const got = hyp2f1(a, b, c, z)
          return Math.abs(got - sum) <= 1e-10 * Math.abs(sum)
        },
      ),
      { seed: 42, numRuns: 300 },
    )
  })
})
