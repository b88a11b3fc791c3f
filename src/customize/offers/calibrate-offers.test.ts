import { describe, expect, it } from 'vitest'
import { createRandom } from '../../numeric/random.js'
import { calibrateOffers, wilson, type CalibrationGroups } from './calibrate-offers.js'

function groups(
  rows: readonly (readonly [number, number, number, number])[],
  shape: {
    offerCount: number
    tierCount: number
    folds: number
  },
): CalibrationGroups {
  return {
    ...shape,
    cell: Int32Array.from(rows, (r) => r[0]),
    fold: Int32Array.from(rows, (r) => r[1]),
    presentations: Float64Array.from(rows, (r) => r[2]),
    acceptances: Float64Array.from(rows, (r) => r[3]),
  }
}

describe('calibrateOffers', () => {
  it('computes Brier scores from out-of-fold predictions, by hand', () => {
    // One cell, two folds: 2 of 10 and 5 of 10. Prior weights pinned at 4 around ½: the model
    // trained on fold 1 predicts (2 + 5)/(4 + 10) = ½ for fold 0; on fold 0, (2 + 2)/14 = 2/7.
    const report = calibrateOffers(
      groups(
        [
          [0, 0, 10, 2],
          [0, 1, 10, 5],
        ],
        { offerCount: 1, tierCount: 1, folds: 2 },
      ),
      { bins: 2, model: { minConcentration: 4, maxConcentration: 4 } },
    )
    const p0 = 0.5
    const p1 = 2 / 7
    const brier = (2 * (1 - p0) ** 2 + 8 * p0 ** 2 + 5 * (1 - p1) ** 2 + 5 * p1 ** 2) / 20
    expect(report.brier).toBeCloseTo(brier, 12)
    // Baselines: each fold's training rate under Beta(1, 1): 6/12 and 3/12.
    const b1 = 0.25
    const baseline = (2 * 0.25 + 8 * 0.25 + 5 * (1 - b1) ** 2 + 5 * b1 ** 2) / 20
    expect(report.brierBaseline).toBeCloseTo(baseline, 12)
    expect(report.brierSkill).toBeCloseTo(1 - brier / baseline, 12)
    expect(report.bins.map((b) => [b.presentations, b.acceptances, b.meanPredicted])).toEqual([
      [10, 5, p1],
      [10, 2, p0],
    ])
    expect(report.meanPredicted).toBeCloseTo((p0 + p1) / 2, 12)
    expect(report.observedRate).toBe(7 / 20)
  })

  it('finds a model fitted on data from its own assumptions well calibrated', () => {
    const random = createRandom(99)
    const offers = 6
    const tiers = 4
    const folds = 5
    const rates = Array.from({ length: offers * tiers }, () => random.beta(2, 18))
    const rows: [number, number, number, number][] = []
    for (let customer = 0; customer < 4000; customer += 1) {
      const fold = customer % folds
      const tier = Math.floor(random.uniform() * tiers)
      for (let i = 0; i < 5; i += 1) {
        const offer = Math.floor(random.uniform() * offers)
        const cell = offer * tiers + tier
        rows.push([cell, fold, 1, random.uniform() < rates[cell]! ? 1 : 0])
      }
    }
    const report = calibrateOffers(groups(rows, { offerCount: offers, tierCount: tiers, folds }))
    expect(report.presentations).toBe(20_000)
    expect(report.bins).toHaveLength(10)
    expect(report.expectedCalibrationError).toBeLessThan(0.015)
    expect(report.binsWithinInterval).toBeGreaterThanOrEqual(8)
    expect(report.brierSkill).toBeGreaterThan(0.01)
    expect(Math.abs(report.meanPredicted - report.observedRate)).toBeLessThan(0.005)
    expect(report.byOffer).toHaveLength(offers)
  })

  it('shows miscalibration when an offer accepts differently in each fold', () => {
    // Fold 0 accepts 40%, fold 1 accepts 5%: each fold is predicted from the other, badly.
    const report = calibrateOffers(
      groups(
        [
          [0, 0, 1000, 400],
          [0, 1, 1000, 50],
        ],
        { offerCount: 1, tierCount: 1, folds: 2 },
      ),
    )
    expect(report.binsWithinInterval).toBe(0)
    expect(report.expectedCalibrationError).toBeGreaterThan(0.3)
    expect(report.brierSkill).toBeLessThan(0)
  })

  it('has the Wilson interval of the closed form', () => {
    const z2 = 1.959963984540054 ** 2
    expect(wilson(0, 20)[0]).toBe(0)
    expect(wilson(0, 20)[1]).toBeCloseTo(z2 / (20 + z2), 12)
    const [lo, hi] = wilson(30, 100)
    expect(lo).toBeLessThan(0.3)
    expect(hi).toBeGreaterThan(0.3)
    expect((lo + hi) / 2).toBeCloseTo((30 + z2 / 2) / (100 + z2), 12)
  })
})
