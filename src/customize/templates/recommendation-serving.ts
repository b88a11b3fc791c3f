import { parseJsonObject } from '../../core/json.js'
import {
  recommendList,
  type ActivityEvent,
  type ListKind,
  type RecommendedItem,
} from '../recommend/recommendation-lists.js'
import type { ContextNeeds } from './context-needs.js'
import type {
  RecommendationCatalog,
  RecommendationServing,
  RecommendationsContext,
  TemplateItem,
} from './template-context.js'

export const EMPTY_LISTS: RecommendationsContext = {
  forYou: [],
  becauseYouBought: { anchor: null, items: [] },
  discovery: [],
  model: null,
}

type Display = Map<string, { readonly url: string; readonly imageUrl: string | null }>

/** Product links and pictures, worked out once per serving. */
const displayByCatalog = new WeakMap<RecommendationCatalog, Display>()

function itemOf(
  c: RecommendationCatalog,
  shopUrl: string,
  entry: { productId: string; reason: string },
): TemplateItem {
  const facts = c.facts.get(entry.productId)
  let display = displayByCatalog.get(c)
  if (display === undefined) {
    display = new Map()
    displayByCatalog.set(c, display)
  }
  let shown = display.get(entry.productId)
  if (shown === undefined) {
    const attributes = parseJsonObject(c.attributes.get(entry.productId))
    const url = attributes['url']
    const image = attributes['imageUrl'] ?? attributes['image_url'] ?? attributes['image']
    shown = {
      url:
        typeof url === 'string' && url !== ''
          ? url
          : `${shopUrl}/products/${encodeURIComponent(entry.productId)}`,
      imageUrl: typeof image === 'string' && image !== '' ? image : null,
    }
    display.set(entry.productId, shown)
  }
  return {
    id: entry.productId,
    name: facts?.name ?? null,
    category: facts?.category ?? null,
    price: facts?.price ?? null,
    url: shown.url,
    imageUrl: shown.imageUrl,
    reason: entry.reason,
  }
}

/**
 * The three lists for each customer from a serving (only those `needs` asks for; the others
 * empty): pure, so a render thread computes them from its copy exactly as the source would.
 */
export function recommendationListsFrom(
  serving: RecommendationServing,
  customers: readonly { readonly id: string; readonly events: readonly ActivityEvent[] }[],
  needs: ContextNeeds,
  n: number,
  options: { readonly now: number; readonly shopUrl: string },
): Map<string, RecommendationsContext> {
  const result = new Map<string, RecommendationsContext>()
  if (!needs.forYou && !needs.becauseYouBought && !needs.discovery) {
    for (const c of customers) result.set(c.id, EMPTY_LISTS)
    return result
  }
  const { model, catalog } = serving
  const { now, shopUrl } = options
  const list = (customerId: string, events: readonly ActivityEvent[], kind: ListKind) => {
    const served = recommendList(
      model.rm,
      catalog.facts,
      { customerId, events },
      { list: kind, n, now },
    )
    return served.ok ? served.value.items : []
  }
  const toItems = (items: readonly RecommendedItem[]): TemplateItem[] =>
    items.map((i) => itemOf(catalog, shopUrl, { productId: i.productId, reason: i.reason.text }))
  for (const c of customers) {
    const bought = needs.becauseYouBought ? list(c.id, c.events, 'because-you-bought') : []
    const seed = bought[0]?.reason.seedProductId
    result.set(c.id, {
      forYou: needs.forYou ? toItems(list(c.id, c.events, 'for-you')) : [],
      becauseYouBought: {
        anchor:
          seed === undefined ? null : itemOf(catalog, shopUrl, { productId: seed, reason: '' }),
        items: toItems(bought),
      },
      discovery: needs.discovery ? toItems(list(c.id, c.events, 'discovery')) : [],
      model: model.id,
    })
  }
  return result
}
