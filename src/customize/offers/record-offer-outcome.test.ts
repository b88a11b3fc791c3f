import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { DAY_MS, manualClock } from '../../core/clock.js'
import { moveCustomerRows } from '../../store/customer-tables.js'
import { deleteCustomerRows } from '../../store/customer-tables.js'
import type { Store } from '../../store/engine.js'
import type { OfferDeps } from './choose-next-best-offer.js'
import { loadOfferFixture, OFFER_FIXTURE_NOW } from './offer-fixture.js'
import { createOffer } from './offer-service.js'
import {
  recordAcceptance,
  recordPresentation,
  recordPresentations,
} from './record-offer-outcome.js'

const NOW = OFFER_FIXTURE_NOW

async function setup(store: Store): Promise<{ deps: OfferDeps; a: string; b: string }> {
  await loadOfferFixture(store.db)
  const ids: string[] = []
  for (const name of ['A', 'B']) {
    const created = await createOffer(store.db, { name, kind: 'content', margin: 1 }, NOW)
    if (!created.ok) throw new Error(created.error.message)
    ids.push(created.value.id)
  }
  return { deps: { db: store.db, clock: manualClock(NOW) }, a: ids[0]!, b: ids[1]! }
}

describeEachEngine('offer outcomes', (current) => {
  it('records a presentation once per key, with the tier at that moment', async () => {
    const { deps, a, b } = await setup(current())
    const first = await recordPresentation(deps, {
      customerId: 'ana',
      offerId: a,
      idempotencyKey: 'campaign:1:ana',
      source: 'cmp_1',
    })
    expect(first.ok && first.value).toMatchObject({
      created: true,
      outcome: { tier: 'mvc', source: 'cmp_1', presentedAt: NOW, acceptedAt: null },
    })
    const again = await recordPresentation(deps, {
      customerId: 'ana',
      offerId: a,
      idempotencyKey: 'campaign:1:ana',
    })
    expect(again.ok && again.value.created).toBe(false)
    expect(again.ok && first.ok && again.value.outcome.id).toBe(first.ok && first.value.outcome.id)
    const clash = await recordPresentation(deps, {
      customerId: 'ana',
      offerId: b,
      idempotencyKey: 'campaign:1:ana',
    })
    expect(!clash.ok && clash.error.type).toBe('idempotency_conflict')
    const missing = await recordPresentation(deps, {
      customerId: 'ana',
      offerId: 'off_none',
      idempotencyKey: 'x',
    })
    expect(!missing.ok && missing.error.type).toBe('offer_not_found')
    const cy = await recordPresentation(deps, { customerId: 'cy', offerId: a, idempotencyKey: 'x' })
    expect(cy.ok && cy.value.outcome.tier).toBe('unscored')
  })

  it('reports each item of a batch', async () => {
    const { deps, a, b } = await setup(current())
    await recordPresentation(deps, { customerId: 'bob', offerId: a, idempotencyKey: 'old' })
    const reports = await recordPresentations(deps, [
      { customerId: 'ana', offerId: a, idempotencyKey: 'k' },
      { customerId: 'bob', offerId: b, idempotencyKey: 'k' },
      { customerId: 'bob', offerId: a, idempotencyKey: 'old' },
      { customerId: 'bob', offerId: b, idempotencyKey: 'old' },
      { customerId: 'cy', offerId: 'off_none', idempotencyKey: 'k' },
      { customerId: 'ana', offerId: a, idempotencyKey: 'k' },
    ])
    expect(reports.map((r) => r.status)).toEqual([
      'recorded',
      'recorded',
      'duplicate',
      'rejected',
      'rejected',
      'duplicate',
    ])
    expect(reports[3]!.error?.type).toBe('idempotency_conflict')
    expect(reports[4]!.error?.type).toBe('offer_not_found')
    expect(reports[5]!.outcomeId).toBe(reports[0]!.outcomeId)
  })

  it('accepts a presentation once, or records both when the key is new', async () => {
    const { deps, a, b } = await setup(current())
    await recordPresentation(deps, {
      customerId: 'ana',
      offerId: a,
      idempotencyKey: 'p1',
      presentedAt: NOW - 2 * DAY_MS,
    })
    const accepted = await recordAcceptance(deps, {
      customerId: 'ana',
      offerId: a,
      idempotencyKey: 'p1',
      revenue: 25,
    })
    expect(accepted.ok && accepted.value).toMatchObject({
      created: true,
      outcome: { presentedAt: NOW - 2 * DAY_MS, acceptedAt: NOW, revenue: 25 },
    })
    const repeat = await recordAcceptance(deps, {
      customerId: 'ana',
      offerId: a,
      idempotencyKey: 'p1',
      revenue: 99,
    })
    expect(repeat.ok && repeat.value).toMatchObject({ created: false, outcome: { revenue: 25 } })
    const direct = await recordAcceptance(deps, {
      customerId: 'bob',
      offerId: b,
      idempotencyKey: 'web-1',
    })
    expect(direct.ok && direct.value.outcome).toMatchObject({
      presentedAt: NOW,
      acceptedAt: NOW,
      tier: 'mgc',
    })
    const wrong = await recordAcceptance(deps, {
      customerId: 'ana',
      offerId: b,
      idempotencyKey: 'p1',
    })
    expect(!wrong.ok && wrong.error.type).toBe('idempotency_conflict')
  })

  it('moves outcomes to the surviving customer on merge and erases them with the customer', async () => {
    const store = current()
    const { deps, a } = await setup(store)
    await recordPresentation(deps, { customerId: 'ana', offerId: a, idempotencyKey: 'same' })
    await recordPresentation(deps, { customerId: 'bob', offerId: a, idempotencyKey: 'same' })
    await recordPresentation(deps, { customerId: 'bob', offerId: a, idempotencyKey: 'own' })
    await moveCustomerRows(store.db, 'bob', 'ana')
    const rows = await store.db
      .selectFrom('offer_outcomes')
      .select(['customer_id', 'idempotency_key'])
      .orderBy('idempotency_key')
      .execute()
    expect(rows).toEqual([
      { customer_id: 'ana', idempotency_key: 'own' },
      { customer_id: 'ana', idempotency_key: 'same' },
      { customer_id: 'ana', idempotency_key: 'same:bob' },
    ])
    const deleted = await deleteCustomerRows(store.db, 'ana')
    expect(deleted.offer_outcomes).toBe(3)
  })
})
