import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { invalidInput, notFound } from '../../core/errors.js'
import type { Database } from '../../store/database.js'
import { buildInteractionMatrix } from './interaction-matrix.js'
import { decodeModel, encodeModel, restoreRecommender } from './model-codec.js'
import { fitPopularity } from './popularity.js'
import {
  loadLatestRecommenderModel,
  readCustomerActivity,
  readInteractionRows,
  readProductFacts,
  recordInteraction,
  saveRecommenderModel,
  type StoredModelInfo,
} from './recommend.repository.js'
import {
  recommendList,
  type ListRequest,
  type ProductFacts,
  type RecommendationList,
  type RecommendationModel,
} from './recommendation-lists.js'
import type { FitProgress, ModelKind, ModelParams, ModelState } from './recommender.js'
import { trainInWorker } from './train-in-worker.js'

export const FEEDBACK_KINDS = ['like', 'skip', 'dismiss'] as const
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number]

export interface RecommendationServiceDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  /** How long product facts and the "is there a newer model" answer are reused (ms). */
  readonly cacheMs?: number
}

/** A list as served: each item with what the catalog says of the product, and the model used. */
export interface ServedRecommendationList extends Omit<RecommendationList, 'items'> {
  readonly model: string
  readonly items: readonly (RecommendationList['items'][number] & {
    readonly name: string | null
    readonly category: string | null
    readonly price: number | null
  })[]
}

export interface RecommendationService {
  /** A list for a known customer (id) or an anonymous visitor (null). */
  recommend(
    customerId: string | null,
    request: Omit<ListRequest, 'now'> & { readonly sessionViews?: readonly string[] },
  ): Promise<ServedRecommendationList>
  /** Records like/skip/dismiss; the very next list reflects it (no retraining). */
  feedback(customerId: string, productId: string, kind: FeedbackKind): Promise<void>
  /** Loads the newest stored model now (it is also picked up on its own within cacheMs). */
  reload(): Promise<void>
}

/** The model lists are served from, with the id of its stored version ('popularity:live' without one). */
export interface LiveRecommendationModel {
  readonly id: string
  readonly rm: RecommendationModel
}

type Live = LiveRecommendationModel

/**
 * Loads the newest stored recommender, or popularity computed from the store when none is
 * stored; `previous` is returned as it is when it already holds that version.
 */
export async function loadLiveRecommendationModel(
  db: Kysely<Database>,
  previous: LiveRecommendationModel | null,
): Promise<LiveRecommendationModel> {
  const stored = await loadLatestRecommenderModel(db)
  if (stored === null) {
    if (previous?.id === 'popularity:live') return previous
    const data = buildInteractionMatrix(await readInteractionRows(db))
    const model = fitPopularity(data.matrix)
    const popularity = new Float64Array(model.itemCount)
    model.score({ items: new Int32Array(0), values: new Float64Array(0) }, popularity)
    return {
      id: 'popularity:live',
      rm: { model, itemIds: data.itemIds, itemIndex: data.itemIndex, popularity },
    }
  }
  if (previous?.id === stored.id) return previous
  return { id: stored.id, rm: toRecommendationModel(decodeModel(stored.bytes), stored.itemIds) }
}

/**
 * Serves lists from the newest stored model, swapping a newly trained one in without a restart.
 * With no stored model it serves popularity computed from the store.
 */
export function createRecommendationService(
  deps: RecommendationServiceDeps,
): RecommendationService {
  const cacheMs = deps.cacheMs ?? 10_000
  let live: Live | null = null
  let checkedAt = -Infinity
  let products: { readonly at: number; readonly facts: Map<string, ProductFacts> } | null = null

  const load = (): Promise<Live> => loadLiveRecommendationModel(deps.db, live)

  const current = async (): Promise<Live> => {
    const now = deps.clock.now()
    if (live === null || now - checkedAt >= cacheMs) {
      live = await load()
      checkedAt = now
    }
    return live
  }

  const productFacts = async (): Promise<Map<string, ProductFacts>> => {
    const now = deps.clock.now()
    if (products === null || now - products.at >= cacheMs) {
      products = { at: now, facts: await readProductFacts(deps.db) }
    }
    return products.facts
  }

  return {
    async recommend(customerId, request) {
      const [model, facts] = await Promise.all([current(), productFacts()])
      const events = customerId === null ? [] : await readCustomerActivity(deps.db, customerId)
      const result = recommendList(
        model.rm,
        facts,
        {
          customerId,
          events,
          ...(request.sessionViews === undefined ? {} : { sessionViews: request.sessionViews }),
        },
        { ...request, now: deps.clock.now() },
      )
      if (!result.ok) {
        const e = result.error
        switch (e.type) {
          case 'invalid_n':
            throw invalidInput(`n must be an integer from 1 to 100, got ${e.n}`, { n: e.n })
          case 'unknown_product':
            throw notFound(`Product "${e.productId}"`, { productId: e.productId })
        }
      }
      const items = result.value.items.map((item) => {
        const product = facts.get(item.productId)
        return {
          ...item,
          name: product?.name ?? null,
          category: product?.category ?? null,
          price: product?.price ?? null,
        }
      })
      return { ...result.value, items, model: model.id }
    },
    async feedback(customerId, productId, kind) {
      const facts = await productFacts()
      if (!facts.has(productId)) {
        // The cache may predate the product: ask the store before refusing.
        products = null
        if (!(await productFacts()).has(productId)) {
          throw notFound(`Product "${productId}"`, { productId })
        }
      }
      await recordInteraction(deps.db, {
        customerId,
        productId,
        kind,
        occurredAt: deps.clock.now(),
      })
    },
    async reload() {
      checkedAt = -Infinity
      await current()
    },
  }
}

/** A restored model with its catalog and the popularity stored beside it. */
export function toRecommendationModel(
  state: ModelState,
  itemIds: readonly string[],
): RecommendationModel {
  const model = restoreRecommender(state)
  const pop = state.arrays['popularity']
  const popularity =
    pop instanceof Float64Array && pop.length === model.itemCount
      ? pop
      : new Float64Array(model.itemCount)
  return {
    model,
    itemIds,
    itemIndex: new Map(itemIds.map((id, i) => [id, i])),
    popularity,
  }
}

export interface TrainOptions {
  readonly kind: ModelKind
  readonly params?: ModelParams
  readonly onProgress?: FitProgress
}

/**
 * Reads every interaction from the store, fits a model in a worker thread and stores it as the
 * next version of its kind (with the item popularity for fallbacks). Running services pick it
 * up within their cache time.
 */
export async function trainAndStoreRecommender(
  deps: { readonly db: Kysely<Database>; readonly clock: Clock },
  options: TrainOptions,
): Promise<StoredModelInfo & { readonly customers: number; readonly items: number }> {
  const data = buildInteractionMatrix(await readInteractionRows(deps.db))
  const started = deps.clock.now()
  const state = await trainInWorker(options.kind, data.matrix, options.params, options.onProgress)
  const fitMs = deps.clock.now() - started
  const pop = fitPopularity(data.matrix)
  const popularity = new Float64Array(pop.itemCount)
  pop.score({ items: new Int32Array(0), values: new Float64Array(0) }, popularity)
  const bytes = encodeModel({ ...state, arrays: { ...state.arrays, popularity } })
  const info = await saveRecommenderModel(deps.db, {
    kind: options.kind,
    params: { ...state.params },
    metrics: { fitMs },
    itemIds: data.itemIds,
    bytes,
    trainedAt: deps.clock.now(),
  })
  return { ...info, customers: data.customerIds.length, items: data.itemIds.length }
}
