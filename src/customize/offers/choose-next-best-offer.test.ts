import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { DAY_MS, manualClock } from '../../core/clock.js'
import { createRandom } from '../../numeric/random.js'
import type { Store } from '../../store/engine.js'
import {
  chooseNextBestOffer,
  chooseNextBestOffers,
  type NextBestOffer,
  type OfferDeps,
} from './choose-next-best-offer.js'
import { loadOfferFixture, OFFER_FIXTURE_NOW } from './offer-fixture.js'
import { createOffer } from './offer-service.js'
import { recordAcceptance, recordPresentations } from './record-offer-outcome.js'

const NOW = OFFER_FIXTURE_NOW

async function offer(store: Store, input: Record<string, unknown>): Promise<string> {
  const created = await createOffer(
    store.db,
    { kind: 'content', margin: 1, ...input },
    NOW - DAY_MS,
  )
  if (!created.ok) throw new Error(created.error.message)
  return created.value.id
}

function deps(store: Store, seed = 1): OfferDeps {
  return { db: store.db, clock: manualClock(NOW), random: createRandom(seed) }
}

function reasonsOf(choice: NextBestOffer): Record<string, string[]> {
  return Object.fromEntries(choice.considered.map((c) => [c.name, c.reasons.map((r) => r.code)]))
}

describeEachEngine('next-best-offer', (current) => {
  it('explains which offers are eligible and why the others are not', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    await offer(store, { name: 'Tea', kind: 'product', productIds: ['tea'], margin: 5 })
    await offer(store, { name: 'Mug', kind: 'product', productIds: ['mug'], margin: 4 })
    await offer(store, { name: 'Kettle', kind: 'product', productIds: ['kettle'], margin: 20 })
    await offer(store, { name: 'Beans', kind: 'product', productIds: ['beans'], margin: 3 })
    await offer(store, {
      name: 'VIP',
      kind: 'discount',
      discountPercent: 10,
      margin: 3,
      eligibility: { score: 'tier', op: 'eq', value: 'mvc' },
    })
    await offer(store, { name: 'Paused', status: 'paused' })
    await offer(store, { name: 'Later', activeFrom: NOW + DAY_MS })
    await offer(store, { name: 'Over', activeFrom: NOW - 9 * DAY_MS, activeTo: NOW - DAY_MS })
    const capped = await offer(store, { name: 'Capped', caps: { presentations: 1, windowDays: 7 } })
    const budget = await offer(store, { name: 'Budget', caps: { acceptanceBudget: 1 } })
    const once = await offer(store, { name: 'Once', caps: { acceptancesPerCustomer: 1 } })
    const d = deps(store)
    await recordPresentations(d, [
      { customerId: 'ana', offerId: capped, idempotencyKey: 'k1', presentedAt: NOW - 2 * DAY_MS },
      { customerId: 'bob', offerId: capped, idempotencyKey: 'k2', presentedAt: NOW - 8 * DAY_MS },
    ])
    await recordAcceptance(d, { customerId: 'dee', offerId: budget, idempotencyKey: 'k3' })
    await recordAcceptance(d, { customerId: 'ana', offerId: once, idempotencyKey: 'k4' })

    const ana = await chooseNextBestOffer(d, 'ana', { explore: false })
    expect(reasonsOf(ana)).toEqual({
      Beans: [],
      Budget: ['budget_spent'],
      Capped: ['presentation_cap'],
      Kettle: ['out_of_stock'],
      Later: ['not_started'],
      Mug: ['already_bought'],
      Once: ['acceptance_cap'],
      Over: ['ended'],
      Paused: ['paused'],
      Tea: [],
      VIP: [],
    })
    const capReason = ana.considered.find((c) => c.name === 'Capped')!.reasons[0]!
    expect(capReason.message).toBe('presented 1 times in the last 7 days (cap 1)')
    const bob = await chooseNextBestOffer(d, 'bob', { explore: false })
    expect(reasonsOf(bob)).toMatchObject({
      Beans: [],
      Capped: [],
      Mug: [],
      Once: [],
      VIP: ['rule_not_matched'],
    })
    expect(bob.tier).toBe('mgc')
    expect((await chooseNextBestOffer(d, 'cy', { explore: false })).tier).toBe('unscored')
  })

  it('exploits by expected value and says so, with the posterior behind each figure', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    const tea = await offer(store, {
      name: 'Tea',
      kind: 'product',
      productIds: ['tea'],
      margin: 10,
      cost: 0.5,
    })
    const news = await offer(store, { name: 'News', margin: 2, cost: 0.1 })
    const d = deps(store)
    // Tea: 12 of 40 MVC presentations accepted; news: 2 of 40. Both resolved (older than 7 days).
    const inputs = Array.from({ length: 80 }, (_, i) => ({
      customerId: 'ana',
      offerId: i < 40 ? tea : news,
      idempotencyKey: `p${i}`,
      presentedAt: NOW - 30 * DAY_MS + i * 1000,
    }))
    await recordPresentations(d, inputs)
    for (const [i, input] of inputs.entries()) {
      if ((i < 40 && i < 12) || (i >= 40 && i < 42)) {
        await recordAcceptance(d, { ...input, acceptedAt: input.presentedAt + DAY_MS })
      }
    }
    const choice = await chooseNextBestOffer(d, 'bob', { explore: false })
    const teaRow = choice.considered.find((c) => c.offerId === tea)!
    const newsRow = choice.considered.find((c) => c.offerId === news)!
    expect(choice.mode).toBe('exploit')
    expect(choice.chosen?.offerId).toBe(tea)
    expect(choice.chosen?.expectedValue).toBeCloseTo(teaRow.expectedValue, 12)
    expect(teaRow.expectedValue).toBeCloseTo(teaRow.posterior.mean * 10 - 0.5, 12)
    expect(teaRow.sampledTheta).toBeNull()
    // Bob is MGC: no data in his cell, so the posterior leans on the MVC data of each offer.
    expect(teaRow.posterior).toMatchObject({ presentations: 0, acceptances: 0 })
    expect(teaRow.posterior.priorMean).toBeGreaterThan(newsRow.posterior.priorMean)
    for (const row of [teaRow, newsRow]) {
      expect(row.posterior.lower).toBeLessThan(row.posterior.mean)
      expect(row.posterior.upper).toBeGreaterThan(row.posterior.mean)
    }
    expect(choice.why).toContain('Chose "Tea": the highest expected value of 2 eligible offers, ')
    expect(choice.why).toContain('ahead of "News"')
    const anaChoice = await chooseNextBestOffer(d, 'ana', { explore: false })
    const anaTea = anaChoice.considered.find((c) => c.offerId === tea)!
    expect(anaTea.posterior).toMatchObject({ presentations: 40, acceptances: 12 })
    expect(anaChoice.model.resolvedPresentations).toBe(80)
    expect(anaChoice.model.resolvedAcceptances).toBe(14)
  })

  it('samples in Thompson mode: the winner has the largest sampled value', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    await offer(store, { name: 'A', margin: 5, cost: 0.2 })
    await offer(store, { name: 'B', margin: 6, cost: 0.2 })
    await offer(store, { name: 'C', margin: 1, status: 'paused' })
    const winners = new Set<string>()
    for (let seed = 1; seed <= 30; seed += 1) {
      const choice = await chooseNextBestOffer(deps(store, seed), 'ana')
      const eligible = choice.considered.filter((c) => c.eligible)
      const best = Math.max(...eligible.map((c) => c.sampledValue!))
      expect(choice.chosen?.value).toBe(best)
      expect(choice.considered.find((c) => c.name === 'C')?.sampledValue).toBeNull()
      expect(choice.why).toMatch(/the highest sampled value of 2 eligible offers/)
      winners.add(choice.chosen!.name)
    }
    // With no data both are uncertain, so both get tried.
    expect([...winners].sort()).toEqual(['A', 'B'])
    const again = await chooseNextBestOffer(deps(store, 7), 'ana')
    const first = await chooseNextBestOffer(deps(store, 7), 'ana')
    expect(again.chosen?.offerId).toBe(first.chosen?.offerId)
  })

  it('offers nothing when nothing is worth its cost, and scores many customers at once', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    await offer(store, { name: 'Costly', margin: 1, cost: 5 })
    const none = await chooseNextBestOffer(deps(store), 'ana', { explore: false })
    expect(none.chosen).toBeNull()
    expect(none.why).toMatch(/^No offer: every eligible offer is expected to cost more/)
    await offer(store, { name: 'Tea', kind: 'product', productIds: ['tea'], margin: 5 })
    await offer(store, { name: 'Mug', kind: 'product', productIds: ['mug'], margin: 9 })
    const d = deps(store)
    const batch = await chooseNextBestOffers(d, ['ana', 'bob', 'cy', 'dee'], { explore: false })
    expect(batch.map((c) => c.customerId)).toEqual(['ana', 'bob', 'cy', 'dee'])
    // Ana bought the mug already.
    expect(batch.map((c) => c.chosen?.name)).toEqual(['Tea', 'Mug', 'Mug', 'Mug'])
    expect(batch[0]!.considered).toEqual([])
    for (const c of batch) {
      const single = await chooseNextBestOffer(d, c.customerId, { explore: false })
      expect(single.chosen?.offerId).toBe(c.chosen?.offerId)
    }
  })
})
