import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRandom } from '../../numeric/random.js'
import { betaCdf, betaInterval, betaPdf } from './beta-distribution.js'
import {
  emptyOutcomeCounts,
  fitOfferModel,
  pickOffer,
  posteriorVariance,
  type OutcomeCounts,
} from './offer-scoring.js'
import { simulateOfferPolicy, sumRange, type OfferWorld } from './simulate-offer-policy.js'

function counts(offerCount: number, tierCount: number, cells: readonly [number, number][]) {
  const c = emptyOutcomeCounts(offerCount, tierCount)
  cells.forEach(([n, k], i) => {
    c.presentations[i] = n
    c.acceptances[i] = k
  })
  return c
}

const close = (actual: number, expected: number, tolerance = 1e-12): void => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(tolerance)
}

describe('fitOfferModel', () => {
  it('gives the two-level conjugate posterior in closed form when the prior weights are fixed', () => {
    // One offer, two tiers: 2 of 10 and 3 of 30 accepted; prior weights pinned at 4.
    const model = fitOfferModel(
      counts(1, 2, [
        [10, 2],
        [30, 3],
      ]),
      {
        minConcentration: 4,
        maxConcentration: 4,
      },
    )
    // Global rate under Beta(1, 1): (5 + 1) / (40 + 2) = 1/7.
    close(model.globalRate, 1 / 7)
    // No other offers: the offer's prior is the hyperprior's mean ½ with weight 4, so its rate is
    // (2 + 5) / (4 + 40).
    close(model.offerRate[0]!, 7 / 44)
    // Each cell's prior mean is the offer's rate from the other tier: (2 + 3) / (4 + 30) for
    // tier 0, (2 + 2) / (4 + 10) for tier 1; weight 4; then its own data is added.
    close(model.cellPriorMean[0]!, 5 / 34)
    close(model.alpha[0]!, (4 * 5) / 34 + 2)
    close(model.beta[0]!, (4 * 29) / 34 + 8)
    close(model.cellPriorMean[1]!, 2 / 7)
    close(model.alpha[1]!, 8 / 7 + 3)
    close(model.beta[1]!, 20 / 7 + 27)
    const a = model.alpha[0]!
    const b = model.beta[0]!
    close(posteriorVariance(model, 0), (a * b) / ((a + b) ** 2 * (a + b + 1)))
    // The stored interval holds 95% of the posterior mass, 2.5% on each side.
    close(betaCdf(model.lower[0]!, a, b), 0.025, 1e-9)
    close(betaCdf(model.upper[0]!, a, b), 0.975, 1e-9)
  })

  it('knows nothing without data: every cell has mean ½ under the uniform hyperprior', () => {
    const model = fitOfferModel(emptyOutcomeCounts(3, 4))
    for (let cell = 0; cell < 12; cell += 1) {
      close(model.alpha[cell]! / (model.alpha[cell]! + model.beta[cell]!), 0.5)
      expect(model.upper[cell]! - model.lower[cell]!).toBeGreaterThan(0.8)
    }
    expect(model.offerConcentrationEstimated).toBe(false)
    expect(model.tierConcentrationEstimated).toBe(false)
  })

  it('lets a new offer lean on the global rate without borrowing its certainty', () => {
    // Two well-known offers and a new one with no presentations.
    const model = fitOfferModel(
      counts(3, 1, [
        [5000, 500],
        [5000, 1000],
        [0, 0],
      ]),
    )
    close(model.offerRate[2]!, model.globalRate, 1e-12)
    expect(model.globalRate).toBeCloseTo(1501 / 10002, 12)
    const width = (cell: number) => model.upper[cell]! - model.lower[cell]!
    expect(width(2)).toBeGreaterThan(10 * width(0))
    expect(model.cellPriorWeight[2]!).toBeLessThan(model.tierConcentration)
    // Data-rich offers keep their own rates.
    expect(model.alpha[0]! / (model.alpha[0]! + model.beta[0]!)).toBeCloseTo(0.1, 2)
    expect(model.alpha[1]! / (model.alpha[1]! + model.beta[1]!)).toBeCloseTo(0.2, 2)
  })

  it('estimates how much offers differ from beta-binomial data (Kleinman moments)', () => {
    const random = createRandom(20240501)
    const kappa = 50
    const mean = 0.1
    const offers = 400
    const c = emptyOutcomeCounts(offers, 1)
    for (let o = 0; o < offers; o += 1) {
      const rate = random.beta(mean * kappa, (1 - mean) * kappa)
      let accepted = 0
      for (let i = 0; i < 400; i += 1) if (random.uniform() < rate) accepted += 1
      c.presentations[o] = 400
      c.acceptances[o] = accepted
    }
    const model = fitOfferModel(c)
    expect(model.offerConcentrationEstimated).toBe(true)
    expect(model.offerConcentration).toBeGreaterThan(kappa * 0.7)
    expect(model.offerConcentration).toBeLessThan(kappa * 1.4)
    expect(model.globalRate).toBeCloseTo(mean, 2)
  })

  it('pools tiers fully when they accept alike, and keeps them apart when they do not', () => {
    const alike = fitOfferModel(
      counts(1, 2, [
        [4000, 400],
        [4000, 400],
      ]),
    )
    expect(alike.tierConcentration).toBe(100)
    const apart = fitOfferModel(
      counts(1, 2, [
        [4000, 400],
        [4000, 1600],
      ]),
    )
    expect(apart.tierConcentration).toBeLessThan(10)
    expect(apart.alpha[0]! / (apart.alpha[0]! + apart.beta[0]!)).toBeCloseTo(0.1, 2)
  })

  it('rejects impossible counts', () => {
    expect(() => fitOfferModel(counts(1, 1, [[3, 4]]))).toThrow(/4 acceptances of 3/)
    const bad: OutcomeCounts = { ...emptyOutcomeCounts(2, 2), presentations: new Float64Array(3) }
    expect(() => fitOfferModel(bad)).toThrow(/expected 4/)
  })
})

describe('pickOffer', () => {
  const model = fitOfferModel(
    counts(3, 1, [
      [100, 10],
      [100, 30],
      [100, 50],
    ]),
    {
      minConcentration: 2,
      maxConcentration: 2,
    },
  )
  const candidates = (margins: number[], costs: number[]) => ({
    cells: Int32Array.from([0, 1, 2]),
    margins: Float64Array.from(margins),
    costs: Float64Array.from(costs),
  })

  it('exploits by expected value, margin and cost included, not by acceptance alone', () => {
    const pick = pickOffer(model, candidates([40, 10, 5], [0.5, 0.5, 0.5]), 'exploit', null)
    // Means ≈ 0.10, 0.30, 0.50: values ≈ 3.5, 2.5, 2.0.
    expect(pick.winner).toBe(0)
    for (let i = 0; i < 3; i += 1) {
      close(pick.expectedValue[i]!, pick.mean[i]! * [40, 10, 5][i]! - 0.5)
      close(pick.value[i]!, pick.expectedValue[i]!)
    }
  })

  it('offers nothing when every expected value is negative', () => {
    const pick = pickOffer(model, candidates([1, 1, 1], [2, 2, 2]), 'exploit', null)
    expect(pick.winner).toBe(-1)
    const none = {
      cells: new Int32Array(0),
      margins: new Float64Array(0),
      costs: new Float64Array(0),
    }
    expect(pickOffer(model, none, 'exploit', null).winner).toBe(-1)
  })

  it('draws θ from each posterior with the Beta mean and variance, reproducibly per seed', () => {
    const draws = 40_000
    const random = createRandom(7)
    let sum = 0
    let squares = 0
    for (let i = 0; i < draws; i += 1) {
      const theta = pickOffer(model, candidates([1, 1, 1], [0, 0, 0]), 'thompson', random).theta[1]!
      sum += theta
      squares += theta * theta
    }
    const a = model.alpha[1]!
    const b = model.beta[1]!
    const mean = sum / draws
    expect(Math.abs(mean - a / (a + b))).toBeLessThan(0.002)
    expect(Math.abs(squares / draws - mean * mean - posteriorVariance(model, 1))).toBeLessThan(2e-4)
    const first = pickOffer(model, candidates([1, 1, 1], [0, 0, 0]), 'thompson', createRandom(3))
    const again = pickOffer(model, candidates([1, 1, 1], [0, 0, 0]), 'thompson', createRandom(3))
    expect(Array.from(again.theta)).toEqual(Array.from(first.theta))
  })

  it('chooses each offer with the posterior probability that it is the best', () => {
    // Beta(3, 7) against Beta(4, 6): P(θ₂ > θ₁) = ∫ f₂(x) F₁(x) dx, by Simpson's rule.
    const close2 = fitOfferModel(
      counts(2, 1, [
        [8, 2],
        [8, 3],
      ]),
      {
        minConcentration: 2,
        maxConcentration: 2,
        globalPrior: { alpha: 1, beta: 1 },
      },
    )
    const [a1, b1, a2, b2] = [close2.alpha[0]!, close2.beta[0]!, close2.alpha[1]!, close2.beta[1]!]
    const steps = 2000
    let integral = 0
    for (let i = 0; i <= steps; i += 1) {
      const x = i / steps
      const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2
      integral += w * betaPdf(x, a2, b2) * betaCdf(x, a1, b1)
    }
    const secondBest = integral / (3 * steps)
    const random = createRandom(11)
    const two = { cells: Int32Array.from([0, 1]), margins: Float64Array.from([1, 1]) }
    let second = 0
    const draws = 20_000
    for (let i = 0; i < draws; i += 1) {
      const pick = pickOffer(close2, { ...two, costs: new Float64Array(2) }, 'thompson', random)
      if (pick.winner === 1) second += 1
    }
    expect(Math.abs(second / draws - secondBest)).toBeLessThan(0.015)
    expect(betaInterval(a1, b1)[0]).toBeLessThan(a1 / (a1 + b1))
  })

  it('needs a random source to sample', () => {
    expect(() => pickOffer(model, candidates([1, 1, 1], [0, 0, 0]), 'thompson', null)).toThrow()
  })
})

describe('Thompson sampling on a simulated shop', () => {
  // Two tiers; the best offer differs by tier and is never simply the most accepted one.
  const world: OfferWorld = {
    trueRates: [
      [0.4, 0.1],
      [0.15, 0.45],
      [0.05, 0.08],
    ],
    margins: [10, 12, 20],
    costs: [0.5, 0.5, 0.5],
    tierShares: [0.5, 0.5],
  }
  const rounds = 3000

  it('has sublinear regret and picks the best offer most of the time, on nearly every seed', () => {
    const uniform = sumRange(
      simulateOfferPolicy(world, { rounds, seed: 1, policy: 'uniform' }).regret,
      0,
      rounds,
    )
    // Regret is random: on 1 seed in 200 to 500 (measured over 2,000) a late run of bad luck
    // breaks one of the per-seed bounds, so a run of 25 random seeds allows two such seeds and
    // judges the rest in aggregate. A policy with linear regret fails every seed.
    const seeds = fc.sample(fc.integer({ min: 0, max: 2 ** 31 - 1 }), 25)
    const ratios: number[] = []
    const failures: string[] = []
    for (const seed of seeds) {
      const { regret, choseBest } = simulateOfferPolicy(world, { rounds, seed })
      const firstHalf = sumRange(regret, 0, rounds / 2)
      const secondHalf = sumRange(regret, rounds / 2, rounds)
      const lateBest = sumRange(choseBest, rounds - 500, rounds) / 500
      ratios.push(secondHalf / firstHalf)
      // Linear regret would make both halves equal; logarithmic makes the second far smaller.
      if (!(
        secondHalf < 0.8 * firstHalf &&
        firstHalf + secondHalf < 0.4 * uniform &&
        lateBest > 0.85
      )) {
        failures.push(
          `seed ${seed}: regret ${firstHalf.toFixed(1)} then ${secondHalf.toFixed(1)} (uniform ${uniform.toFixed(1)}), best ${(100 * lateBest).toFixed(0)} % late`,
        )
      }
    }
    expect(failures.length, failures.join('\n')).toBeLessThanOrEqual(2)
    ratios.sort((x, y) => x - y)
    // The median seed's second half has about 0.14 of the first half's regret.
    expect(ratios[12]!, `ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`).toBeLessThan(0.4)
  })
})
