import type { Clock } from '../../core/clock.js'
import { parseJsonObject } from '../../core/json.js'
import type { Store } from '../../store/engine.js'
import { chooseNextBestOffers } from '../offers/choose-next-best-offer.js'
import { createOfferModelCache } from '../offers/offer-model-store.js'
import { offerFromStoredRow } from '../offers/offer-service.js'
import { listOfferRows } from '../offers/offers.repository.js'
import { recordPresentations } from '../offers/record-offer-outcome.js'
import type { OfferContext, TemplateItem } from '../templates/template-context.js'
import { campaignMessageKey } from './campaign-definition.js'
import type { CampaignProblem, OfferSource } from './campaign-ports.js'

/**
 * Next-best-offer for one-to-one campaigns over the offers module: offers are checked before
 * launch (none may lose money on acceptance), each batch's offers are chosen at once with
 * Thompson sampling, and the offers of messages that went out are recorded as presentations
 * under the campaign's message key, so the model learns from the campaign.
 */
export function storedOfferSource(store: Store, clock: Clock, shopUrl: string): OfferSource {
  const deps = { db: store.db, clock, models: createOfferModelCache() }
  return {
    problems: async () => {
      const now = clock.now()
      const offers = (await listOfferRows(store.db)).map(offerFromStoredRow)
      const live = offers.filter(
        (o) =>
          o.status === 'active' &&
          (o.activeFrom === null || o.activeFrom <= now) &&
          (o.activeTo === null || now < o.activeTo),
      )
      const productIds = [...new Set(live.flatMap((o) => o.productIds))]
      const products = await readProducts(store, productIds)
      const problems: CampaignProblem[] = []
      for (const offer of live) {
        if (offer.margin < 0) {
          problems.push({
            path: 'offers',
            code: 'invalid_offer',
            message: `offer "${offer.name}" (${offer.id}) has a negative margin (${offer.margin}): every acceptance loses money`,
            details: { offerId: offer.id, margin: offer.margin },
          })
        }
        if (offer.discountPercent === null) continue
        for (const id of offer.productIds) {
          const p = products.get(id)
          if (p?.price == null || p.cost === null) continue
          const net = p.price * (1 - offer.discountPercent / 100) - p.cost
          if (net < 0) {
            problems.push({
              path: 'offers',
              code: 'invalid_offer',
              message: `offer "${offer.name}" (${offer.id}) sells ${id} below cost: ${offer.discountPercent}% off ${p.price} leaves ${net.toFixed(2)} after its cost ${p.cost}`,
              details: { offerId: offer.id, productId: id, margin: net },
            })
          }
        }
      }
      return problems
    },
    chooseBatch: async (customerIds) => {
      const choices = await chooseNextBestOffers(deps, customerIds, { explore: true })
      const productIds = [...new Set(choices.flatMap((c) => c.chosen?.productIds ?? []))]
      const products = await readProducts(store, productIds)
      const out = new Map<string, OfferContext | null>()
      for (const choice of choices) {
        const c = choice.chosen
        out.set(
          choice.customerId,
          c === null
            ? null
            : {
                id: c.offerId,
                name: c.name,
                kind: c.kind,
                description: c.description,
                discountPercent: c.discountPercent,
                code: null,
                url: null,
                expiresAt: null,
                products: c.productIds.map((id) => itemOf(id, products.get(id), shopUrl)),
              },
        )
      }
      return out
    },
    recordPresented: async (db, campaignId, presented) => {
      if (presented.length === 0) return
      // `db` (the worker's transaction) holds the store's one SQLite connection: the prepared
      // statements on it join the transaction.
      await recordPresentations(
        { ...deps, db, sqlite: store.sqliteStatements },
        presented.map((p) => ({
          customerId: p.customerId,
          offerId: p.offerId,
          idempotencyKey: campaignMessageKey(campaignId, p.customerId),
          source: campaignId,
        })),
      )
    },
  }
}

interface ProductRow {
  readonly name: string | null
  readonly category: string | null
  readonly price: number | null
  readonly cost: number | null
  readonly attributes: string
}

async function readProducts(
  store: Store,
  ids: readonly string[],
): Promise<Map<string, ProductRow>> {
  const out = new Map<string, ProductRow>()
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await store.db
      .selectFrom('products')
      .select(['id', 'name', 'category', 'price', 'cost', 'attributes'])
      .where('id', 'in', ids.slice(start, start + 500))
      .execute()
    for (const r of rows) out.set(r.id, r)
  }
  return out
}

function itemOf(id: string, row: ProductRow | undefined, shopUrl: string): TemplateItem {
  const attributes = parseJsonObject(row?.attributes)
  const url = attributes['url']
  const image = attributes['image'] ?? attributes['imageUrl']
  return {
    id,
    name: row?.name ?? null,
    category: row?.category ?? null,
    price: row?.price ?? null,
    url: typeof url === 'string' ? url : `${shopUrl}/products/${encodeURIComponent(id)}`,
    imageUrl: typeof image === 'string' ? image : null,
    reason: 'In your offer',
  }
}
