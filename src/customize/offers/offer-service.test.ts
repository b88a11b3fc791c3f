import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { loadOfferFixture, OFFER_FIXTURE_NOW } from './offer-fixture.js'
import {
  createOffer,
  findOffer,
  listOffers,
  updateOffer,
  upsertOfferByName,
  type OfferError,
} from './offer-service.js'

const NOW = OFFER_FIXTURE_NOW

function errorOf(result: { ok: boolean; error?: OfferError }): OfferError {
  if (result.ok || result.error === undefined) throw new Error('expected an error')
  return result.error
}

describeEachEngine('offer definitions', (current) => {
  it('saves an offer and reads it back by id and by name', async () => {
    const { db } = current()
    await loadOfferFixture(db)
    const created = await createOffer(
      db,
      {
        name: 'VIP tea',
        kind: 'discount',
        productIds: ['tea'],
        discountPercent: 15,
        margin: 4.5,
        cost: 0.2,
        eligibility: { score: 'tier', op: 'eq', value: 'mvc' },
        caps: {
          presentations: 2,
          windowDays: 30,
          acceptancesPerCustomer: 1,
          acceptanceBudget: 100,
        },
        activeFrom: '2026-01-01',
        activeTo: '2026-03-01T00:00:00Z',
      },
      NOW,
    )
    if (!created.ok) throw new Error(created.error.message)
    const offer = created.value
    expect(offer).toMatchObject({
      name: 'VIP tea',
      kind: 'discount',
      productIds: ['tea'],
      discountPercent: 15,
      margin: 4.5,
      cost: 0.2,
      status: 'active',
      eligibility: { score: 'tier', op: 'eq', value: 'mvc' },
      caps: { presentations: 2, windowDays: 30, acceptancesPerCustomer: 1, acceptanceBudget: 100 },
      activeFrom: Date.parse('2026-01-01'),
      activeTo: Date.parse('2026-03-01T00:00:00Z'),
    })
    expect(await findOffer(db, offer.id)).toEqual(offer)
    expect(await findOffer(db, 'VIP tea')).toEqual(offer)
    expect(await findOffer(db, 'nothing')).toBeNull()
    expect(await listOffers(db)).toMatchObject([
      { id: offer.id, presentations: 0, acceptances: 0, revenue: 0 },
    ])
  })

  it('refuses a negative margin, naming the field', async () => {
    const { db } = current()
    const error = errorOf(
      await createOffer(db, { name: 'Loss leader', kind: 'content', margin: -5 }, NOW),
    )
    expect(error.type).toBe('invalid_offer')
    expect(error.message).toBe('Offer is invalid at margin: margin must not be negative')
    expect(await listOffers(db)).toEqual([])
  })

  it('names unknown products, bad rules and inconsistent fields by path', async () => {
    const { db } = current()
    await loadOfferFixture(db)
    const products = errorOf(
      await createOffer(
        db,
        { name: 'B', kind: 'bundle', productIds: ['tea', 'ghost'], margin: 3 },
        NOW,
      ),
    )
    expect(products.type === 'invalid_offer' && products.errors).toEqual([
      { path: 'productIds[1]', message: 'unknown product "ghost"' },
    ])
    const rule = errorOf(
      await createOffer(
        db,
        {
          name: 'R',
          kind: 'content',
          margin: 1,
          eligibility: {
            all: [
              { score: 'tier', op: 'eq', value: 'gold' },
              { trait: 'favourite_colour', op: 'exists' },
            ],
          },
        },
        NOW,
      ),
    )
    const paths = rule.type === 'invalid_offer' ? rule.errors.map((e) => e.path) : []
    expect(paths[0]).toMatch(/^eligibility\.all\[0\]/)
    expect(rule.message).toContain('eligibility.all[0]')
    const shape = errorOf(
      await createOffer(
        db,
        { name: 'P', kind: 'product', margin: 1, caps: { presentations: 3 } },
        NOW,
      ),
    )
    expect(shape.type === 'invalid_offer' && shape.errors.map((e) => e.path)).toEqual([
      'productIds',
      'caps.windowDays',
    ])
    const dates = errorOf(
      await createOffer(
        db,
        { name: 'D', kind: 'content', margin: 1, activeFrom: '2026-02-01', activeTo: '2026-01-01' },
        NOW,
      ),
    )
    expect(dates.message).toContain('activeTo')
  })

  it('keeps names unique, upserts by name and patches fields', async () => {
    const { db } = current()
    await loadOfferFixture(db)
    const first = await createOffer(
      db,
      { name: 'Tea', kind: 'product', productIds: ['tea'], margin: 2 },
      NOW,
    )
    if (!first.ok) throw new Error(first.error.message)
    expect(
      errorOf(await createOffer(db, { name: 'Tea', kind: 'content', margin: 1 }, NOW)).type,
    ).toBe('duplicate_name')
    const upserted = await upsertOfferByName(
      db,
      { name: 'Tea', kind: 'product', productIds: ['tea'], margin: 3 },
      NOW + 1,
    )
    expect(upserted.ok && upserted.value).toMatchObject({
      created: false,
      offer: { id: first.value.id, margin: 3, createdAt: NOW, updatedAt: NOW + 1 },
    })
    const paused = await updateOffer(db, first.value.id, { status: 'paused' }, NOW + 2)
    expect(paused.ok && paused.value).toMatchObject({ status: 'paused', margin: 3 })
    const negative = errorOf(await updateOffer(db, first.value.id, { margin: -1 }, NOW + 3))
    expect(negative.message).toContain('margin must not be negative')
    expect((await findOffer(db, first.value.id))?.margin).toBe(3)
    expect(errorOf(await updateOffer(db, 'off_missing', { margin: 1 }, NOW)).type).toBe(
      'offer_not_found',
    )
  })
})
