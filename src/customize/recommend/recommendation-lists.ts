import { err, ok, type Result } from '../../core/result.js'
import type { InteractionKind, InteractionWeights } from './interaction-matrix.js'
import { DEFAULT_INTERACTION_WEIGHTS } from './interaction-matrix.js'
import { selectMmr } from './mmr.js'
import type { Recommender } from './recommender.js'
import { selectTopN } from './top-n.js'
import { isoWeek, weeklyRandom } from './iso-week.js'

export const LIST_KINDS = ['for-you', 'because-you-bought', 'discovery', 'popular'] as const
export type ListKind = (typeof LIST_KINDS)[number]

export function isListKind(value: string): value is ListKind {
  return (LIST_KINDS as readonly string[]).includes(value)
}

export const MAX_LIST_LENGTH = 100

/** What the lists need to know about a product. */
export interface ProductFacts {
  readonly id: string
  readonly name: string | null
  readonly inStock: boolean
  readonly repeatable: boolean
  readonly category: string | null
  readonly price: number | null
}

/** A trained model with the catalog it was trained on and popularity to fall back to. */
export interface RecommendationModel {
  readonly model: Recommender
  /** Item index → product id (the model's columns). */
  readonly itemIds: readonly string[]
  readonly itemIndex: ReadonlyMap<string, number>
  /** Customers per item over all customers. */
  readonly popularity: Float64Array
  /** Customers per item within a segment (e.g. country, tier), when known. */
  readonly segmentPopularity?: ReadonlyMap<string, Float64Array>
}

/** One thing a customer did with a product, newest last. */
export interface ActivityEvent {
  readonly productId: string
  readonly kind: InteractionKind
  readonly time: number
}

export interface CustomerActivity {
  /** Null for an anonymous visitor. */
  readonly customerId: string | null
  readonly events: readonly ActivityEvent[]
  /** Products viewed in the current session (anonymous visitors included). */
  readonly sessionViews?: readonly string[]
  readonly segment?: string
}

export interface ListRequest {
  readonly list: ListKind
  readonly n: number
  /** For because-you-bought: the product to start from (default: the latest purchase). */
  readonly seedProductId?: string
  readonly category?: string
  readonly minPrice?: number
  readonly maxPrice?: number
  /** Epoch ms; picks the discovery week. */
  readonly now: number
}

export const REASON_CODES = [
  'because-you-bought',
  'because-you-liked',
  'because-you-viewed',
  'for-you',
  'discovery',
  'popular',
  'popular-in-segment',
] as const
export type ReasonCode = (typeof REASON_CODES)[number]

export interface Reason {
  readonly code: ReasonCode
  readonly text: string
  /** The product the suggestion follows from, when there is one. */
  readonly seedProductId?: string
}

export interface RecommendedItem {
  readonly productId: string
  readonly score: number
  readonly reason: Reason
}

export interface RecommendationList {
  readonly list: ListKind
  readonly items: readonly RecommendedItem[]
  /** Why the list is empty or shorter than asked (nothing left to suggest, empty catalog…). */
  readonly note?: string
  /** The ISO week a discovery list belongs to, e.g. `2026-W48`. */
  readonly week?: string
}

export type RecommendError =
  | { readonly type: 'invalid_n'; readonly n: number }
  | { readonly type: 'unknown_product'; readonly productId: string }

export interface ListOptions {
  readonly weights?: InteractionWeights
  /** How far the neighbours of a skipped (dismissed) item fall, relative to the top score. */
  readonly skipPenalty?: number
  readonly dismissPenalty?: number
  /** MMR trade-off for discovery (1 = relevance only). */
  readonly diversity?: number
}

const KIND_REASON: Partial<Record<InteractionKind, ReasonCode>> = {
  purchase: 'because-you-bought',
  like: 'because-you-liked',
  view: 'because-you-viewed',
  click: 'because-you-viewed',
  cart_add: 'because-you-viewed',
}

/** Per-model scratch buffers, so serving allocates nothing per item. */
interface Scratch {
  readonly scores: Float64Array
  readonly tmp: Float64Array
  readonly excluded: Uint8Array
}

const scratchByModel = new WeakMap<Recommender, Scratch>()

function scratchFor(model: Recommender): Scratch {
  let s = scratchByModel.get(model)
  if (s === undefined) {
    const n = model.itemCount
    s = { scores: new Float64Array(n), tmp: new Float64Array(n), excluded: new Uint8Array(n) }
    scratchByModel.set(model, s)
  }
  return s
}

/**
 * A recommendation list for one customer: pure, from a trained model, the customer's activity
 * (purchases and feedback as of now, so likes, skips and dismissals act at once without
 * retraining) and the product facts. `products` is read as immutable: availability is cached
 * per map, so pass a new map when the catalog changes (the service does).
 */
export function recommendList(
  rm: RecommendationModel,
  products: ReadonlyMap<string, ProductFacts>,
  activity: CustomerActivity,
  request: ListRequest,
  options: ListOptions = {},
): Result<RecommendationList, RecommendError> {
  if (!Number.isInteger(request.n) || request.n < 1 || request.n > MAX_LIST_LENGTH) {
    return err({ type: 'invalid_n', n: request.n })
  }
  if (request.seedProductId !== undefined && !products.has(request.seedProductId)) {
    return err({ type: 'unknown_product', productId: request.seedProductId })
  }
  const list = request.list
  const nItems = rm.model.itemCount
  if (nItems === 0 || products.size === 0) {
    return ok({ list, items: [], note: 'the catalog is empty' })
  }
  const weights = options.weights ?? DEFAULT_INTERACTION_WEIGHTS
  const { scores, tmp, excluded } = scratchFor(rm.model)
  const seen = summarize(rm, activity, weights)

  // Exclusions: out of stock, filtered, not in the product table (per catalog, cached while the
  // same product map is served), then per customer: already bought (unless repeatable),
  // skipped, dismissed; discovery also drops anything the customer has met at all.
  const filtered =
    request.category !== undefined ||
    request.minPrice !== undefined ||
    request.maxPrice !== undefined
  if (filtered) {
    for (let i = 0; i < nItems; i++) {
      const p = products.get(rm.itemIds[i]!)
      excluded[i] = p === undefined || !p.inStock || !passesFilters(p, request) ? 1 : 0
    }
  } else {
    excluded.set(unavailableMask(rm, products))
  }
  for (const [i, state] of seen.state) {
    if (excluded[i] === 1) continue
    const repeatable = products.get(rm.itemIds[i]!)?.repeatable === true
    if (state.negative || (state.bought && !repeatable) || list === 'discovery') excluded[i] = 1
  }

  const note = (text: string): Result<RecommendationList, RecommendError> =>
    ok({ list, items: [], note: text })

  switch (list) {
    case 'popular':
      return ok(popularList(rm, activity, request, scores, excluded))
    case 'because-you-bought': {
      const seedId = request.seedProductId ?? seen.latestSeed
      if (seedId === undefined) return note('no purchases or likes yet to start from')
      const seed = rm.itemIndex.get(seedId)
      if (seed === undefined) return note(`no customer data yet on product ${seedId}`)
      rm.model.similar(seed, scores)
      excluded[seed] = 1
      applyFeedback(rm.model, seen.negatives, scores, tmp, options)
      const name = products.get(seedId)?.name ?? seedId
      const bought = seen.state.get(seed)?.bought === true
      const reason: Reason = {
        code: bought ? 'because-you-bought' : 'because-you-liked',
        text: `Because you ${bought ? 'bought' : 'liked'} ${name}`,
        seedProductId: seedId,
      }
      return ok(
        withNote(
          { list, items: topItems(rm, scores, excluded, request.n, () => reason, true) },
          request.n,
        ),
      )
    }
    case 'for-you':
    case 'discovery': {
      if (seen.history.items.length === 0) {
        if (list === 'for-you') return ok(popularList(rm, activity, request, scores, excluded))
        // Discovery for a newcomer: popular items, shuffled by week.
        for (let i = 0; i < nItems; i++) scores[i] = rm.popularity[i]!
      } else {
        scoreWithFeedback(rm.model, seen, scores, tmp, options)
      }
      if (list === 'for-you') {
        const explain = explainer(rm, products, seen)
        return ok(
          withNote(
            { list, items: topItems(rm, scores, excluded, request.n, explain, false) },
            request.n,
          ),
        )
      }
      return ok(discoveryList(rm, activity, request, scores, excluded, options))
    }
  }
}

interface ItemState {
  bought: boolean
  negative: boolean
  dismissed: boolean
  weight: number
  lastTime: number
  lastKind: InteractionKind
}

interface Seen {
  readonly state: Map<number, ItemState>
  readonly history: { readonly items: Int32Array; readonly values: Float64Array }
  readonly negatives: readonly { readonly item: number; readonly dismissed: boolean }[]
  /** The latest purchase, else the latest like: where because-you-bought starts. */
  readonly latestSeed: string | undefined
}

function summarize(
  rm: RecommendationModel,
  activity: CustomerActivity,
  weights: InteractionWeights,
): Seen {
  const state = new Map<number, ItemState>()
  let latestPurchase: string | undefined
  let latestPurchaseTime = -Infinity
  let latestLike: string | undefined
  let latestLikeTime = -Infinity
  const events: ActivityEvent[] = [...activity.events].sort((a, b) => a.time - b.time)
  for (const id of activity.sessionViews ?? [])
    events.push({ productId: id, kind: 'view', time: 0 })
  for (const e of events) {
    if (e.kind === 'purchase' && e.time >= latestPurchaseTime) {
      latestPurchase = e.productId
      latestPurchaseTime = e.time
    }
    const i = rm.itemIndex.get(e.productId)
    if (i === undefined) continue
    let s = state.get(i)
    if (s === undefined) {
      s = {
        bought: false,
        negative: false,
        dismissed: false,
        weight: 0,
        lastTime: -Infinity,
        lastKind: e.kind,
      }
      state.set(i, s)
    }
    if (e.kind === 'purchase') s.bought = true
    // The latest explicit feedback decides: a like after a skip restores the item.
    if (e.kind === 'skip' || e.kind === 'dismiss') s.negative = true
    if (e.kind === 'dismiss') s.dismissed = true
    if (e.kind === 'like') {
      s.negative = false
      s.dismissed = false
      if (e.time >= latestLikeTime) {
        latestLike = e.productId
        latestLikeTime = e.time
      }
    }
    s.weight += weights[e.kind]
    if (e.time >= s.lastTime && e.kind !== 'skip' && e.kind !== 'dismiss') {
      s.lastTime = e.time
      s.lastKind = e.kind
    }
  }
  const items: number[] = []
  const values: number[] = []
  const negatives: { item: number; dismissed: boolean }[] = []
  for (const [i, s] of [...state.entries()].sort((a, b) => a[0] - b[0])) {
    if (s.negative) {
      negatives.push({ item: i, dismissed: s.dismissed })
      continue
    }
    if (s.weight > 0) {
      items.push(i)
      // Models were trained on binary or weighted cells; a like counts as a strong positive.
      values.push(Math.min(1, s.weight / weights.purchase) || 1)
    }
  }
  return {
    state,
    history: { items: Int32Array.from(items), values: Float64Array.from(values) },
    negatives,
    latestSeed: latestPurchase ?? latestLike,
  }
}

const unavailableByCatalog = new WeakMap<
  ReadonlyMap<string, ProductFacts>,
  WeakMap<RecommendationModel, Uint8Array>
>()

/** 1 for model items that are unknown to the catalog or out of stock. */
function unavailableMask(
  rm: RecommendationModel,
  products: ReadonlyMap<string, ProductFacts>,
): Uint8Array {
  let byModel = unavailableByCatalog.get(products)
  if (byModel === undefined) {
    byModel = new WeakMap()
    unavailableByCatalog.set(products, byModel)
  }
  let mask = byModel.get(rm)
  if (mask === undefined) {
    const n = rm.model.itemCount
    mask = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const p = products.get(rm.itemIds[i]!)
      mask[i] = p === undefined || !p.inStock ? 1 : 0
    }
    byModel.set(rm, mask)
  }
  return mask
}

function passesFilters(p: ProductFacts, request: ListRequest): boolean {
  if (request.category !== undefined) {
    const c = p.category ?? ''
    if (c !== request.category && !c.startsWith(`${request.category} > `)) return false
  }
  if (request.minPrice !== undefined && !(p.price !== null && p.price >= request.minPrice)) {
    return false
  }
  if (request.maxPrice !== undefined && !(p.price !== null && p.price <= request.maxPrice)) {
    return false
  }
  return true
}

/**
 * The customer's scores with their feedback applied; a model that can score and compute the
 * first skipped item's similarities in one pass does so.
 */
function scoreWithFeedback(
  model: Recommender,
  seen: Seen,
  scores: Float64Array,
  tmp: Float64Array,
  options: ListOptions,
): void {
  const first = seen.negatives[0]
  if (first !== undefined && model.scoreAndSimilar !== undefined) {
    model.scoreAndSimilar(seen.history, scores, first.item, tmp)
    applyFeedback(model, seen.negatives, scores, tmp, options, true)
  } else {
    model.score(seen.history, scores)
    applyFeedback(model, seen.negatives, scores, tmp, options)
  }
}

/**
 * Skipped and dismissed items' neighbours fall by a share of the top score. With
 * `firstInTmp`, `tmp` already holds the first negative item's similarities.
 */
function applyFeedback(
  model: Recommender,
  negatives: Seen['negatives'],
  scores: Float64Array,
  tmp: Float64Array,
  options: ListOptions,
  firstInTmp = false,
): void {
  if (negatives.length === 0) return
  const n = model.itemCount
  let top = 0
  for (let i = 0; i < n; i++) if (Math.abs(scores[i]!) > top) top = Math.abs(scores[i]!)
  if (top === 0) top = 1
  for (let t = 0; t < negatives.length; t++) {
    const { item, dismissed } = negatives[t]!
    if (!(firstInTmp && t === 0)) model.similar(item, tmp)
    let maxSim = 0
    for (let i = 0; i < n; i++) if (tmp[i]! > maxSim) maxSim = tmp[i]!
    if (maxSim <= 0) continue
    const strength =
      (dismissed ? (options.dismissPenalty ?? 1) : (options.skipPenalty ?? 0.5)) * top
    for (let i = 0; i < n; i++) {
      const s = tmp[i]!
      if (s > 0) scores[i]! -= (strength * s) / maxSim
    }
  }
}

function topItems(
  rm: RecommendationModel,
  scores: Float64Array,
  excluded: Uint8Array,
  n: number,
  reasonFor: (item: number) => Reason,
  positiveOnly: boolean,
): RecommendedItem[] {
  const idx = new Int32Array(n)
  const val = new Float64Array(n)
  const count = selectTopN(scores, rm.model.itemCount, n, excluded, idx, val)
  const items: RecommendedItem[] = []
  for (let r = 0; r < count; r++) {
    if (positiveOnly && !(val[r]! > 0)) break
    const i = idx[r]!
    items.push({ productId: rm.itemIds[i]!, score: val[r]!, reason: reasonFor(i) })
  }
  return items
}

function withNote(l: RecommendationList, n: number): RecommendationList {
  if (l.items.length >= n) return l
  return {
    ...l,
    note:
      l.items.length === 0
        ? 'nothing left to suggest: everything that fits has been bought, skipped or filtered out'
        : `only ${l.items.length} items fit`,
  }
}

/** The history item that contributes most to an item's score names the reason. */
function explainer(
  rm: RecommendationModel,
  products: ReadonlyMap<string, ProductFacts>,
  seen: Seen,
): (item: number) => Reason {
  const { items, values } = seen.history
  // Look at the most recent history items only: the explanation needs one row per seed.
  const recent = [...items]
    .map((i, h) => ({ i, v: values[h]!, t: seen.state.get(i)?.lastTime ?? 0 }))
    .sort((a, b) => b.t - a.t)
    .slice(0, 20)
  return (item) => {
    let best = -1
    let bestValue = 0
    for (const { i, v } of recent) {
      const s = v * rm.model.pairSimilarity(i, item)
      if (s > bestValue) {
        bestValue = s
        best = i
      }
    }
    if (best < 0) return { code: 'for-you', text: 'Picked for you' }
    const id = rm.itemIds[best]!
    const kind = seen.state.get(best)?.lastKind ?? 'purchase'
    const code = KIND_REASON[kind] ?? 'because-you-bought'
    const name = products.get(id)?.name ?? id
    const verb =
      code === 'because-you-liked' ? 'liked' : code === 'because-you-viewed' ? 'viewed' : 'bought'
    return { code, text: `Because you ${verb} ${name}`, seedProductId: id }
  }
}

function popularList(
  rm: RecommendationModel,
  activity: CustomerActivity,
  request: ListRequest,
  scores: Float64Array,
  excluded: Uint8Array,
): RecommendationList {
  const seg =
    activity.segment === undefined ? undefined : rm.segmentPopularity?.get(activity.segment)
  const source = seg ?? rm.popularity
  scores.set(source)
  const reason: Reason =
    seg === undefined
      ? { code: 'popular', text: 'Popular with our customers' }
      : { code: 'popular-in-segment', text: 'Popular among customers like you' }
  return withNote(
    { list: 'popular', items: topItems(rm, scores, excluded, request.n, () => reason, true) },
    request.n,
  )
}

/**
 * Items new to the customer, diverse by MMR over a pool three times the list length, the pool's
 * relevance jittered by a generator seeded from (customer, ISO week): the same list all week,
 * a fresh one the next.
 */
function discoveryList(
  rm: RecommendationModel,
  activity: CustomerActivity,
  request: ListRequest,
  scores: Float64Array,
  excluded: Uint8Array,
  options: ListOptions,
): RecommendationList {
  const week = isoWeek(request.now)
  const poolSize = Math.min(rm.model.itemCount, request.n * 3)
  const pool = new Int32Array(poolSize)
  const poolScores = new Float64Array(poolSize)
  const count = selectTopN(scores, rm.model.itemCount, poolSize, excluded, pool, poolScores)
  if (count === 0) {
    return {
      list: 'discovery',
      items: [],
      week,
      note: 'nothing new to discover: the customer has met every product that fits',
    }
  }
  const rand = weeklyRandom(activity.customerId ?? 'anonymous', week)
  const lo = poolScores[count - 1]!
  const span = poolScores[0]! - lo || 1
  const relevance = new Float64Array(count)
  for (let c = 0; c < count; c++) relevance[c] = (poolScores[c]! - lo) / span + 0.5 * rand()
  const picked = new Int32Array(request.n)
  const m = selectMmr(
    relevance,
    count,
    (a, b) => rm.model.pairSimilarity(pool[a]!, pool[b]!),
    request.n,
    options.diversity ?? 0.7,
    picked,
  )
  const items: RecommendedItem[] = []
  for (let r = 0; r < m; r++) {
    const c = picked[r]!
    items.push({
      productId: rm.itemIds[pool[c]!]!,
      score: poolScores[c]!,
      reason: { code: 'discovery', text: `New for you this week (${week})` },
    })
  }
  return withNote({ list: 'discovery', items, week }, request.n)
}
