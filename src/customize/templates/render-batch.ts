import { restoreRecommender } from '../recommend/model-codec.js'
import type { ProductFacts } from '../recommend/recommendation-lists.js'
import type { ModelState } from '../recommend/recommender.js'
import { activityByCustomer, type ActivityColumns } from './activity-columns.js'
import { EMPTY_LISTS, recommendationListsFrom } from './recommendation-serving.js'
import { renderMessage, type CompiledMessage } from './render-message.js'
import {
  assembleTemplateContext,
  type CampaignContext,
  NO_LINKS,
  type OfferContext,
  type RecommendationServing,
  type RecommendationsContext,
} from './template-context.js'
import type { ContextCustomerRow, ContextScoreRow } from './template-context.repository.js'
import { formatProblem } from './template-problems.js'
import type { TemplateSettings } from './template-settings.js'
import type { MessageLinks } from '../../interact/message-links.js'

/**
 * What rendering a chunk of customers' messages needs once the database has been read: the rows,
 * the activity, and what the caller worked out per customer (the offer). Plain data,
 * so it can be posted to a render thread.
 */
export interface RenderBatchInput {
  /** The chunk's ids, as the activity columns index them (no repeats). */
  readonly customerIds: readonly string[]
  /** The customers found, in any order. */
  readonly customers: readonly ContextCustomerRow[]
  readonly scores: readonly ContextScoreRow[]
  readonly activity: ActivityColumns
  /** Per found customer (same order as `customers`). */
  readonly offers: readonly (OfferContext | null)[]
  /** What the unsubscribe links withdraw; null: the template shows no links. */
  readonly unsubscribe: { readonly channel: string; readonly topic: string } | null
  readonly campaign: CampaignContext | null
  readonly listLength: number
  /** Epoch ms the lists are served at (the discovery week). */
  readonly now: number
}

/** One customer's rendered message, or why it could not be rendered. */
export type RenderedItem =
  | {
      readonly customerId: string
      readonly ok: true
      readonly subject: string
      readonly html: string
      readonly text: string
    }
  | { readonly customerId: string; readonly ok: false; readonly message: string }

/**
 * Builds each found customer's context (recommendation lists from `serving` when the template
 * shows any), signs its links with `links` and renders the message: no I/O, the same on the
 * database thread and a render thread.
 */
export function renderBatchItems(
  compiled: CompiledMessage,
  serving: RecommendationServing | null,
  input: RenderBatchInput,
  settings: TemplateSettings,
  links: MessageLinks,
): RenderedItem[] {
  const needs = compiled.needs
  const wantsLists = needs.forYou || needs.becauseYouBought || needs.discovery
  let lists = new Map<string, RecommendationsContext>()
  if (wantsLists && serving !== null) {
    const activity = activityByCustomer(input.activity, input.customerIds)
    lists = recommendationListsFrom(
      serving,
      input.customers.map((c) => ({ id: c.id, events: activity.get(c.id) ?? [] })),
      needs,
      input.listLength,
      { now: input.now, shopUrl: settings.shopUrl },
    )
  }
  const scores = new Map(input.scores.map((s) => [s.customer_id, s]))
  const items: RenderedItem[] = []
  const unsubscribe = input.unsubscribe
  for (const [index, row] of input.customers.entries()) {
    const context = assembleTemplateContext(
      {
        row,
        score: scores.get(row.id),
        lists: lists.get(row.id) ?? EMPTY_LISTS,
        offer: input.offers[index] ?? null,
        campaign: input.campaign,
        links:
          unsubscribe === null
            ? NO_LINKS
            : {
                preferences: links.preferences(row.id),
                unsubscribe: links.unsubscribe(row.id, unsubscribe.channel, unsubscribe.topic),
              },
      },
      settings,
    )
    const rendered = renderMessage(compiled, context)
    items.push(
      rendered.ok
        ? { customerId: row.id, ok: true, ...rendered.value }
        : {
            customerId: row.id,
            ok: false,
            message: formatProblem(rendered.error.problem, compiled.name),
          },
    )
  }
  return items
}

/** A serving as plain data (typed arrays and strings), to rebuild it in another thread. */
export interface ServingSnapshot {
  readonly version: string
  readonly modelId: string
  readonly state: ModelState
  readonly itemIds: readonly string[]
  readonly popularity: Float64Array
  readonly segmentPopularity: ReadonlyMap<string, Float64Array> | null
  readonly facts: readonly ProductFacts[]
  readonly attributes: readonly (readonly [string, string])[]
}

export function snapshotOfServing(serving: RecommendationServing): ServingSnapshot {
  const rm = serving.model.rm
  return {
    version: serving.version,
    modelId: serving.model.id,
    state: rm.model.exportState(),
    itemIds: rm.itemIds,
    popularity: rm.popularity,
    segmentPopularity: rm.segmentPopularity ?? null,
    facts: [...serving.catalog.facts.values()],
    attributes: [...serving.catalog.attributes.entries()],
  }
}

/** The serving a snapshot was taken of: the model restored from its state (as stored models are). */
export function servingFromSnapshot(snapshot: ServingSnapshot): RecommendationServing {
  const segments = snapshot.segmentPopularity
  return {
    version: snapshot.version,
    model: {
      id: snapshot.modelId,
      rm: {
        model: restoreRecommender(snapshot.state),
        itemIds: snapshot.itemIds,
        itemIndex: new Map(snapshot.itemIds.map((id, i) => [id, i])),
        popularity: snapshot.popularity,
        ...(segments === null ? {} : { segmentPopularity: segments }),
      },
    },
    catalog: {
      facts: new Map(snapshot.facts.map((f) => [f.id, f])),
      attributes: new Map(snapshot.attributes),
    },
  }
}
