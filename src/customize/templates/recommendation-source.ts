import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import type { Database } from '../../store/database.js'
import { readProductFacts } from '../recommend/recommend.repository.js'
import {
  loadLiveRecommendationModel,
  type LiveRecommendationModel,
} from '../recommend/recommendation-service.js'
import { EMPTY_LISTS, recommendationListsFrom } from './recommendation-serving.js'
import type {
  RecommendationCatalog,
  RecommendationServing,
  RecommendationSource,
  TemplateContextDeps,
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

/**
 * Template context deps whose recommendation lists come from the live model
 * ({@link createRecommendationSource} over the same database, clock and shop URL).
 */
export function withLiveRecommendations(
  deps: Omit<TemplateContextDeps, 'recommendations'>,
): TemplateContextDeps {
  return {
    ...deps,
    recommendations: createRecommendationSource({
      db: deps.db,
      clock: deps.clock,
      shopUrl: deps.settings.shopUrl,
    }),
  }
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
  type Live = LiveRecommendationModel
  let live: { readonly at: number; readonly value: Promise<Live> } | null = null
  let catalog: {
    readonly at: number
    readonly loads: number
    readonly value: Promise<RecommendationCatalog>
  } | null = null
  let catalogLoads = 0

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

  const currentCatalog = (): {
    readonly loads: number
    readonly value: Promise<RecommendationCatalog>
  } => {
    const now = deps.clock.now()
    if (catalog === null || now - catalog.at >= cacheMs) {
      const value = Promise.all([readProductFacts(deps.db), readProductAttributes(deps.db)]).then(
        ([facts, attributes]) => ({ facts, attributes }),
      )
      catalogLoads += 1
      catalog = { at: now, loads: catalogLoads, value }
      value.catch(() => {
        catalog = null
      })
    }
    return catalog
  }

  const serving = async (): Promise<RecommendationServing> => {
    const current = currentCatalog()
    const [model, cat] = await Promise.all([currentModel(), current.value])
    return { version: `${model.id}|${current.loads}`, model, catalog: cat }
  }

  return {
    serving,
    async listsFor(customers, needs, n) {
      if (!needs.forYou && !needs.becauseYouBought && !needs.discovery) {
        return new Map(customers.map((c) => [c.id, EMPTY_LISTS]))
      }
      return recommendationListsFrom(await serving(), customers, needs, n, {
        now: deps.clock.now(),
        shopUrl: deps.shopUrl,
      })
    },
  }
}
