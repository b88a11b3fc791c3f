import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom } from '../../numeric/random.js'
import { normalQuantile, studentTCdf, studentTQuantile } from '../../numeric/quantiles.js'
import { estimateUplift, groupFigures, summarizeGroup, type GroupOutcome } from './uplift.js'

const proportion = (conversions: number, customers: number): GroupOutcome => ({
  customers,
  conversions,
  revenue: 0,
  revenueSquares: 0,
})

describe('quantiles', () => {
  it('match printed tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8)
    expect(normalQuantile(0.5)).toBe(0)
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902, 6)
    // Student's t, 97.5 % point (Abramowitz & Stegun, table 26.10).
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4)
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 4)
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4)
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0423, 4)
    expect(studentTQuantile(0.025, 30)).toBeCloseTo(-2.0423, 4)
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.96, 2)
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12)
    expect(Number.isNaN(studentTQuantile(1, 5))).toBe(true)
    expect(Number.isNaN(studentTQuantile(0.9, 0))).toBe(true)
  })
})

describe('uplift', () => {
  it("reproduces Newcombe's hybrid score intervals (1998, Table II, method 10)", () => {
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [6, 7, 2, 7, 0.0582, 0.8062],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
      [0, 10, 0, 10, -0.2775, 0.2775],
      [10, 10, 0, 20, 0.6791, 1],
      [10, 10, 0, 10, 0.6075, 1],
    ]
    for (const [x1, n1, x2, n2, low, high] of cases) {
      const { conversion } = estimateUplift(proportion(x1, n1), proportion(x2, n2))
      expect(conversion.estimate, `${x1}/${n1} − ${x2}/${n2}`).toBeCloseTo(x1 / n1 - x2 / n2, 12)
      expect(conversion.low, `${x1}/${n1} − ${x2}/${n2} low`).toBeCloseTo(low, 4)
      expect(conversion.high, `${x1}/${n1} − ${x2}/${n2} high`).toBeCloseTo(high, 4)
    }
  })

  it("reproduces R's Welch interval on the sleep data (t.test(extra ~ group, data = sleep))", () => {
    const a = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    const b = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    const ones = (xs: number[]) => xs.map(() => 1)
    const { revenuePerCustomer } = estimateUplift(
      summarizeGroup(ones(a), a),
      summarizeGroup(ones(b), b),
    )
    expect(revenuePerCustomer.estimate).toBeCloseTo(-1.58, 10)
    expect(revenuePerCustomer.degreesOfFreedom).toBeCloseTo(17.776, 3)
    expect(revenuePerCustomer.low).toBeCloseTo(-3.3654832, 6)
    expect(revenuePerCustomer.high).toBeCloseTo(0.2054832, 6)
  })

  it('computes rates, revenue per customer and the relative lift by hand', () => {
    // Treatment: 100 customers, 12 bought, 600 in all (each buyer 50). Holdout: 50, 3 bought (40).
    const treatment: GroupOutcome = {
      customers: 100,
      conversions: 12,
      revenue: 600,
      revenueSquares: 12 * 2500,
    }
    const holdout: GroupOutcome = {
      customers: 50,
      conversions: 3,
      revenue: 120,
      revenueSquares: 3 * 1600,
    }
    const t = groupFigures(treatment)
    expect(t.conversionRate).toBe(0.12)
    expect(t.revenuePerCustomer).toBe(6)
    // Variance (Σx² − n·mean²)/(n − 1) = (30000 − 3600)/99.
    expect(t.revenueSd).toBeCloseTo(Math.sqrt(26400 / 99), 10)
    const u = estimateUplift(treatment, holdout)
    expect(u.conversion.estimate).toBeCloseTo(0.06, 12)
    expect(u.relativeLift.estimate).toBeCloseTo(0.12 / 0.06 - 1, 12)
    // Katz: se = √(1/12 − 1/100 + 1/3 − 1/50); RR 2 → 2·e^{±1.96 se} − 1.
    const se = Math.sqrt(1 / 12 - 1 / 100 + 1 / 3 - 1 / 50)
    expect(u.relativeLift.low).toBeCloseTo(2 * Math.exp(-1.959963985 * se) - 1, 8)
    expect(u.relativeLift.high).toBeCloseTo(2 * Math.exp(1.959963985 * se) - 1, 8)
    expect(u.revenuePerCustomer.estimate).toBeCloseTo(6 - 2.4, 12)
    expect(u.revenuePerCustomer.low).toBeLessThan(3.6)
    expect(u.revenuePerCustomer.high).toBeGreaterThan(3.6)
  })

  it('says "unknown" (NaN) instead of inventing numbers for empty or degenerate groups', () => {
    const u = estimateUplift(proportion(3, 10), proportion(0, 0))
    expect(Number.isNaN(u.conversion.estimate)).toBe(true)
    expect(Number.isNaN(u.relativeLift.estimate)).toBe(true)
    expect(
      Number.isNaN(estimateUplift(proportion(3, 10), proportion(0, 10)).relativeLift.estimate),
    ).toBe(true)
    expect(() => estimateUplift(proportion(1, 2), proportion(1, 2), 1)).toThrow(/confidence/)
    expect(() => summarizeGroup([1], [1, 2])).toThrow(/length/)
  })

  it('covers the true difference about 95 % of the time (property, simulated campaigns)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.02, max: 0.4, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (baseRate, relativeEffect, seed) => {
          const random = createRandom(seed)
          const pControl = baseRate
          const pTreatment = Math.min(0.95, baseRate * (1 + relativeEffect))
          // Spend of a buyer: gamma with mean 60 (shape 2) — skewed, as order values are.
          const meanSpend = 60
          const simulate = (n: number, p: number): GroupOutcome => {
            const converted = new Uint8Array(n)
            const revenue = new Float64Array(n)
            for (let i = 0; i < n; i++) {
              if (random.uniform() < p) {
                converted[i] = 1
                revenue[i] = random.gamma(2, 2 / meanSpend)
              }
            }
            return summarizeGroup(converted, revenue)
          }
          const trials = 300
          let coveredConversion = 0
          let coveredRevenue = 0
          for (let k = 0; k < trials; k++) {
            const u = estimateUplift(simulate(900, pTreatment), simulate(300, pControl))
            const d = pTreatment - pControl
            if (u.conversion.low <= d && d <= u.conversion.high) coveredConversion++
            const dr = (pTreatment - pControl) * meanSpend
            if (u.revenuePerCustomer.low <= dr && dr <= u.revenuePerCustomer.high) coveredRevenue++
          }
          // 95 % nominal; a binomial(300, 0.95) lies in [0.91, 0.99] with probability > 0.999.
          expect(coveredConversion / trials).toBeGreaterThanOrEqual(0.91)
          expect(coveredConversion / trials).toBeLessThanOrEqual(0.99)
          expect(coveredRevenue / trials).toBeGreaterThanOrEqual(0.91)
          expect(coveredRevenue / trials).toBeLessThanOrEqual(0.99)
        },
      ),
      { numRuns: 12, seed: 20260310 },
    )
  })
})
