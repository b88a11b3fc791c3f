import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { DAY_MS, manualClock } from '../../core/clock.js'
import type { Store } from '../../store/engine.js'
import { attributeOfferAcceptances } from './attribute-offer-acceptances.js'
import { chooseNextBestOffer, type OfferDeps } from './choose-next-best-offer.js'
import { addOrder, loadOfferFixture, OFFER_FIXTURE_NOW } from './offer-fixture.js'
import { createOffer } from './offer-service.js'
import { recordPresentations } from './record-offer-outcome.js'

const NOW = OFFER_FIXTURE_NOW

async function offer(store: Store, input: Record<string, unknown>): Promise<string> {
  const created = await createOffer(store.db, { margin: 2, ...input }, NOW - 60 * DAY_MS)
  if (!created.ok) throw new Error(created.error.message)
  return created.value.id
}

async function outcomes(store: Store) {
  return store.db
    .selectFrom('offer_outcomes')
    .select(['idempotency_key', 'accepted_at', 'revenue', 'order_id'])
    .orderBy('idempotency_key')
    .execute()
}

describeEachEngine('offer acceptance from orders', (current) => {
  it('marks a presentation accepted by a later order of its product within the window', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    const tea = await offer(store, { name: 'Tea', kind: 'product', productIds: ['tea'] })
    const deps: OfferDeps = { db: store.db, clock: manualClock(NOW) }
    const at = NOW - 20 * DAY_MS
    await recordPresentations(deps, [
      { customerId: 'bob', offerId: tea, idempotencyKey: 'in-window', presentedAt: at },
      { customerId: 'cy', offerId: tea, idempotencyKey: 'too-late', presentedAt: at },
      { customerId: 'dee', offerId: tea, idempotencyKey: 'cancelled', presentedAt: at },
      { customerId: 'ana', offerId: tea, idempotencyKey: 'before', presentedAt: at },
    ])
    await addOrder(store.db, 'bob', 'B2', at + 3 * DAY_MS, [
      ['tea', 10],
      ['mug', 8],
    ])
    await addOrder(store.db, 'cy', 'C1', at + 8 * DAY_MS, [['tea', 10]])
    await addOrder(store.db, 'dee', 'D1', at + DAY_MS, [['tea', 10]], 'cancelled')
    await addOrder(store.db, 'ana', 'A2', at - DAY_MS, [['tea', 10]])
    const report = await attributeOfferAcceptances(store.db, { now: NOW })
    expect(report).toMatchObject({ attributed: 1, byOffer: { [tea]: 1 }, windowDays: 7 })
    expect(await outcomes(store)).toEqual([
      { idempotency_key: 'before', accepted_at: null, revenue: null, order_id: null },
      { idempotency_key: 'cancelled', accepted_at: null, revenue: null, order_id: null },
      { idempotency_key: 'in-window', accepted_at: at + 3 * DAY_MS, revenue: 18, order_id: 'B2' },
      { idempotency_key: 'too-late', accepted_at: null, revenue: null, order_id: null },
    ])
    expect((await attributeOfferAcceptances(store.db, { now: NOW })).attributed).toBe(0)
    // A longer window takes cy's order too.
    expect(
      (await attributeOfferAcceptances(store.db, { now: NOW, windowDays: 10 })).attributed,
    ).toBe(1)
  })

  it('gives an order to one presentation only, and needs a whole bundle in one order', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    const tea = await offer(store, { name: 'Tea', kind: 'product', productIds: ['tea'] })
    const bundle = await offer(store, { name: 'Set', kind: 'bundle', productIds: ['tea', 'mug'] })
    const deps: OfferDeps = { db: store.db, clock: manualClock(NOW) }
    const at = NOW - 20 * DAY_MS
    await recordPresentations(deps, [
      { customerId: 'bob', offerId: tea, idempotencyKey: 't1', presentedAt: at },
      { customerId: 'bob', offerId: tea, idempotencyKey: 't2', presentedAt: at + DAY_MS },
      { customerId: 'bob', offerId: bundle, idempotencyKey: 'set', presentedAt: at },
      { customerId: 'cy', offerId: bundle, idempotencyKey: 'set-cy', presentedAt: at },
    ])
    await addOrder(store.db, 'bob', 'B2', at + 2 * DAY_MS, [['tea', 10]])
    await addOrder(store.db, 'cy', 'C1', at + 2 * DAY_MS, [
      ['tea', 10],
      ['mug', 8],
    ])
    const report = await attributeOfferAcceptances(store.db, {
      now: NOW,
      customerIds: ['bob', 'cy'],
    })
    expect(report.attributed).toBe(2)
    const rows = await outcomes(store)
    expect(rows.map((r) => [r.idempotency_key, r.order_id])).toEqual([
      ['set', null],
      ['set-cy', 'C1'],
      ['t1', null],
      ['t2', 'B2'],
    ])
    // A second pass must not hand B2 to the earlier presentation.
    expect((await attributeOfferAcceptances(store.db, { now: NOW })).attributed).toBe(0)
  })

  it('attributes before choosing, so a bought product is no longer offered', async () => {
    const store = current()
    await loadOfferFixture(store.db)
    const tea = await offer(store, {
      name: 'Tea',
      kind: 'discount',
      discountPercent: 5,
      productIds: ['tea'],
      caps: { acceptancesPerCustomer: 1 },
    })
    const deps: OfferDeps = { db: store.db, clock: manualClock(NOW) }
    await recordPresentations(deps, [
      { customerId: 'bob', offerId: tea, idempotencyKey: 'p', presentedAt: NOW - 3 * DAY_MS },
    ])
    await addOrder(store.db, 'bob', 'B2', NOW - DAY_MS, [['tea', 10]])
    const choice = await chooseNextBestOffer(deps, 'bob', { explore: false })
    expect(choice.chosen).toBeNull()
    expect(choice.considered[0]!.reasons.map((r) => r.code)).toEqual(['acceptance_cap'])
  })
})
