import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { parseJsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import { readProductFacts } from '../recommend/recommend.repository.js'
import {
  recommendList,
  type ActivityEvent,
  type ListKind,
  type ProductFacts,
  type RecommendedItem,
} from '../recommend/recommendation-lists.js'
import {
  loadLiveRecommendationModel,
  type LiveRecommendationModel,
} from '../recommend/recommendation-service.js'
import type {
  RecommendationSource,
  RecommendationsContext,
  TemplateItem,
} from './template-context.js'
import { readProductAttributes } from './template-context.repository.js'

export interface RecommendationSourceDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  /** Product links default to `{shopUrl}/products/{id}`. */
  readonly shopUrl: string
  /** How long the live model and the catalog are reused (ms); default 60 s. */
  readonly cacheMs?: number
}

type Live = LiveRecommendationModel

interface Catalog {
  readonly facts: Map<string, ProductFacts>
  readonly attributes: Map<string, string>
  readonly display: Map<string, { readonly url: string; readonly imageUrl: string | null }>
}

const EMPTY_LISTS: RecommendationsContext = {
  forYou: [],
  becauseYouBought: { anchor: null, items: [] },
  discovery: [],
  model: null,
}

/**
 * Serves lists the way the recommendations API does (recommendation-service.ts): from the
 * newest stored model, or popularity computed from the store before any model is trained
 * (empty lists when the store has no purchases or interactions); bought (unless repeatable),
 * skipped, dismissed and out-of-stock products left out. Keeps the model and the catalog for
 * `cacheMs`, so a campaign loads them once.
 */
export function createRecommendationSource(deps: RecommendationSourceDeps): RecommendationSource {
  const cacheMs = deps.cacheMs ?? 60_000
  let live: { readonly at: number; readonly value: Promise<Live> } | null = null
  let catalog: { readonly at: number; readonly value: Promise<Catalog> } | null = null

  const loadModel = (previous: Live | null): Promise<Live> =>
    loadLiveRecommendationModel(deps.db, previous)

  const currentModel = async (): Promise<Live> => {
    const now = deps.clock.now()
    if (live === null || now - live.at >= cacheMs) {
      const previous = live === null ? null : await live.value.catch(() => null)
      live = { at: now, value: loadModel(previous) }
      live.value.catch(() => {
        live = null
      })
    }
    return live.value
  }

  const currentCatalog = (): Promise<Catalog> => {
    const now = deps.clock.now()
    if (catalog === null || now - catalog.at >= cacheMs) {
      const value = Promise.all([readProductFacts(deps.db), readProductAttributes(deps.db)]).then(
        ([facts, attributes]) => ({ facts, attributes, display: new Map() }),
      )
      catalog = { at: now, value }
      value.catch(() => {
        catalog = null
      })
    }
    return catalog.value
  }

  const item = (c: Catalog, entry: { productId: string; reason: string }): TemplateItem => {
    const facts = c.facts.get(entry.productId)
    let shown = c.display.get(entry.productId)
    if (shown === undefined) {
      const attributes = parseJsonObject(c.attributes.get(entry.productId))
      const url = attributes['url']
      const image = attributes['imageUrl'] ?? attributes['image_url'] ?? attributes['image']
      shown = {
        url:
          typeof url === 'string' && url !== ''
            ? url
            : `${deps.shopUrl}/products/${encodeURIComponent(entry.productId)}`,
        imageUrl: typeof image === 'string' && image !== '' ? image : null,
      }
      c.display.set(entry.productId, shown)
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

  return {
    async listsFor(customers, needs, n) {
      const result = new Map<string, RecommendationsContext>()
      if (!needs.forYou && !needs.becauseYouBought && !needs.discovery) {
        for (const c of customers) result.set(c.id, EMPTY_LISTS)
        return result
      }
      const [model, cat] = await Promise.all([currentModel(), currentCatalog()])
      const now = deps.clock.now()
      const list = (customerId: string, events: readonly ActivityEvent[], kind: ListKind) => {
        const served = recommendList(
          model.rm,
          cat.facts,
          { customerId, events },
          { list: kind, n, now },
        )
        return served.ok ? served.value.items : []
      }
      const toItems = (items: readonly RecommendedItem[]): TemplateItem[] =>
        items.map((i) => item(cat, { productId: i.productId, reason: i.reason.text }))
      for (const c of customers) {
        const bought = needs.becauseYouBought ? list(c.id, c.events, 'because-you-bought') : []
        const seed = bought[0]?.reason.seedProductId
        result.set(c.id, {
          forYou: needs.forYou ? toItems(list(c.id, c.events, 'for-you')) : [],
          becauseYouBought: {
            anchor: seed === undefined ? null : item(cat, { productId: seed, reason: '' }),
            items: toItems(bought),
          },
          discovery: needs.discovery ? toItems(list(c.id, c.events, 'discovery')) : [],
          model: model.id,
        })
      }
      return result
    },
  }
}
