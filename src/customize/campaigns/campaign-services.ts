import type { Store } from '../../store/engine.js'
import type { InteractDeps } from '../../interact/interact-deps.js'
import { sendMessages } from '../../interact/send-messages.js'
import { withLiveRecommendations } from '../templates/recommendation-source.js'
import { RenderThread } from '../templates/render-batches-in-worker.js'
import type { TemplateSettings } from '../templates/template-settings.js'
import { storedOfferSource } from './offer-adapter.js'
import { storedSegmentSource, storedTemplateSource } from './campaign-adapters.js'
import type { CampaignDeps } from './campaign-ports.js'

export interface CampaignDepsOptions {
  /**
   * Render messages (recommendation lists, contexts, Liquid) on a second thread while this one
   * reads and writes the database (default true); false renders in this thread.
   */
  readonly renderThread?: boolean
}

/**
 * Campaign deps over the real stores: stored templates rendered with batch contexts (the live
 * recommender's lists), stored segments, next-best-offers, and interact's sendMessages with its
 * channels, consent, caps and quiet hours. One per process: the recommender model and catalog
 * are cached inside.
 */
export function buildCampaignDeps(
  store: Store,
  interact: InteractDeps,
  settings: TemplateSettings,
  options: CampaignDepsOptions = {},
): CampaignDeps {
  return {
    store,
    // Sends run on the store's connection: their inserts may use its prepared statements.
    interact:
      interact.sqlite === undefined && interact.db === store.db
        ? { ...interact, sqlite: store.sqliteStatements }
        : interact,
    templates: storedTemplateSource(
      withLiveRecommendations({
        db: store.db,
        clock: interact.clock,
        settings,
        links: interact.links,
        sqlite: store.sqliteStatements,
      }),
      { renderThread: options.renderThread === false ? null : new RenderThread() },
    ),
    segments: storedSegmentSource(store.db),
    offers: storedOfferSource(store, interact.clock, settings.shopUrl),
    send: sendMessages,
  }
}
