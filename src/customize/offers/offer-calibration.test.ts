import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { DAY_MS, manualClock } from '../../core/clock.js'
import { createRandom } from '../../numeric/random.js'
import { foldOf, runOfferCalibration } from './offer-calibration.js'
import { loadOfferFixture, OFFER_FIXTURE_NOW } from './offer-fixture.js'
import { createOffer } from './offer-service.js'

const NOW = OFFER_FIXTURE_NOW

describeEachEngine('offer calibration', (current) => {
  it('reports the reliability of P(accept) on resolved outcomes only', async () => {
    const { db } = current()
    await loadOfferFixture(db)
    const ids: string[] = []
    for (const name of ['Tea', 'News']) {
      const created = await createOffer(db, { name, kind: 'content', margin: 1 }, NOW)
      if (!created.ok) throw new Error(created.error.message)
      ids.push(created.value.id)
    }
    const rate: Record<string, number> = {
      'Tea:mvc': 0.3,
      'Tea:mgc': 0.1,
      'News:mvc': 0.05,
      'News:mgc': 0.02,
    }
    const random = createRandom(5)
    const rows = []
    for (let i = 0; i < 3000; i += 1) {
      const offer = i % 2 === 0 ? 'Tea' : 'News'
      const tier = i % 3 === 0 ? 'mgc' : 'mvc'
      const presentedAt = NOW - 60 * DAY_MS + i * 1000
      const accepted = random.uniform() < rate[`${offer}:${tier}`]!
      rows.push({
        id: `oo_${i}`,
        customer_id: `c${i % 700}`,
        offer_id: offer === 'Tea' ? ids[0]! : ids[1]!,
        tier,
        source: 'test',
        idempotency_key: `k${i}`,
        presented_at: presentedAt,
        accepted_at: accepted ? presentedAt + DAY_MS : null,
        revenue: null,
        order_id: null,
      })
    }
    // Recent and unanswered: not resolved yet, left out.
    rows.push({
      ...rows[1]!,
      id: 'recent',
      idempotency_key: 'recent',
      presented_at: NOW - DAY_MS,
      accepted_at: null,
    })
    for (let start = 0; start < rows.length; start += 400) {
      await db
        .insertInto('offer_outcomes')
        .values(rows.slice(start, start + 400))
        .execute()
    }
    const report = await runOfferCalibration({ db, clock: manualClock(NOW) }, { folds: 5, bins: 4 })
    expect(report.presentations).toBe(3000)
    expect(report.bins.length).toBeGreaterThanOrEqual(3)
    expect(report.bins.reduce((s, b) => s + b.presentations, 0)).toBe(3000)
    expect(report.brierSkill).toBeGreaterThan(0)
    expect(report.expectedCalibrationError).toBeLessThan(0.03)
    expect(report.byOffer.map((o) => o.name).sort()).toEqual(['News', 'Tea'])
    expect(report.verdict).toMatch(/bins predict within the observed rate's 95% interval/)
    expect(report.acceptWindowDays).toBe(7)
  })

  it('says what to do when there is nothing to calibrate on', async () => {
    const { db } = current()
    const report = await runOfferCalibration({ db, clock: manualClock(NOW) })
    expect(report.presentations).toBe(0)
    expect(report.verdict).toMatch(/^No resolved presentations yet/)
    expect(foldOf('cus_1', 5)).toBe(foldOf('cus_1', 5))
    const folds = new Set(Array.from({ length: 100 }, (_, i) => foldOf(`cus_${i}`, 5)))
    expect(folds.size).toBe(5)
  })
})
