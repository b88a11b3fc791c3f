import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FitResult } from '../../numeric/fit-log-params.js'
import { createRandom, type Random } from '../../numeric/random.js'
import { fitBgNbd, type BgNbdParams } from './bg-nbd.js'
import { groupSummaries } from './customer-summary.js'
import { fitGammaGamma, selectSpendData, type GammaGammaParams } from './gamma-gamma.js'
import { fitParetoNbd, type ParetoNbdParams } from './pareto-nbd.js'
import { simulateBgNbd, simulateParetoNbd, simulateSpend } from './simulate-customers.js'

/** 99.9 % two-sided normal quantile: each check fails by chance once in a thousand. */
const Z = 3.2905

function expectCovered<K extends string>(
  fit: FitResult<K>,
  truth: Readonly<Record<K, number>>,
  label: string,
): void {
  expect(fit.converged, `${label}: ${fit.message}`).toBe(true)
  for (const name of Object.keys(truth) as K[]) {
    const estimate = fit.params[name]
    const se = fit.standardErrors[name]
    const message = `${label}: ${name} = ${estimate} ± ${se} (se) should cover ${truth[name]}`
    expect(Number.isFinite(se) && se > 0, message).toBe(true)
    expect(Math.abs(estimate - truth[name]), message).toBeLessThanOrEqual(Z * se)
  }
}

/** Ages spread evenly over 26..39 weeks, as a quarter's acquisition cohort seen 39 weeks on. */
function ages(n: number, random: Random): Float64Array {
  return Float64Array.from({ length: n }, () => 26 + 13 * random.uniform())
}

const BG: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 }
const PNBD: ParetoNbdParams = { r: 0.55, alpha: 10.5, s: 0.6, beta: 11.7 }
const GG: GammaGammaParams = { p: 6, q: 3.7, gamma: 15 }

function recoverBgNbdAndSpend(seed: number, n: number): void {
  const random = createRandom(seed)
  const T = ages(n, random)
  const x = new Float64Array(n)
  const tx = new Float64Array(n)
  simulateBgNbd(BG, T, random, x, tx)
  expectCovered(fitBgNbd(groupSummaries(x, tx, T)), BG, `BG/NBD seed ${seed}, n ${n}`)
  const zbar = new Float64Array(n)
  simulateSpend(GG, x, random, zbar)
  const { data } = selectSpendData(x, zbar)
  expectCovered(fitGammaGamma(data), GG, `Gamma-Gamma seed ${seed}, ${data.x.length} repeaters`)
}

describe('parameter recovery from simulated customers', () => {
  it('recovers BG/NBD and Gamma-Gamma parameters from 100,000 customers', () => {
    recoverBgNbdAndSpend(20051, 100_000)
  })

  it('recovers Pareto/NBD parameters from 100,000 customers', () => {
    const random = createRandom(1987)
    const n = 100_000
    // Whole days (weeks / 7), so the 100,000 summaries group into fewer distinct ones: the
    // Pareto/NBD likelihood costs two ₂F₁ per group.
    const T = ages(n, random).map((t) => Math.round(t * 7) / 7)
    const x = new Float64Array(n)
    const tx = new Float64Array(n)
    simulateParetoNbd(PNBD, T, random, x, tx, 1 / 7)
    const groups = groupSummaries(x, tx, T)
    expect(groups.x.length).toBeLessThan(n / 2)
    expectCovered(fitParetoNbd(groups), PNBD, 'Pareto/NBD seed 1987')
  })

  it('covers the truth whatever the seed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        recoverBgNbdAndSpend(seed, 20_000)
      }),
      { seed: 4, numRuns: 3 },
    )
  })
})
