import type { Clock } from '../core/clock.js'
import { updateLiveSegmentsOnStored } from '../customize/segments/segment-service.js'
import type { IngestDeps, StoredEventsHook } from '../identify/ingest-events.js'
import {
  checkInteractEvent,
  interactProjection,
  type InteractProjectionSettings,
} from '../interact/project-interact-events.js'
import type { Store } from '../store/engine.js'

/** Runs hooks in order inside the ingestion transaction on the events just stored. */
function runInOrder(hooks: readonly StoredEventsHook[]): StoredEventsHook {
  return async (db, messageIds, nowMs) => {
    for (const hook of hooks) await hook(db, messageIds, nowMs)
  }
}

/**
 * Ingestion as the API runs it, on the request path or in the inbox processor alike: dialogue
 * events (Customer Question Asked, …) also become thread messages, consent events record
 * consents, orders convert the marketing messages that preceded them, and live segments follow
 * the customers whose events arrived.
 */
export function buildIngestDeps(
  store: Store,
  clock: Clock,
  settings: InteractProjectionSettings,
): IngestDeps {
  return {
    store,
    clock,
    onStored: runInOrder([interactProjection(settings), updateLiveSegmentsOnStored]),
    validate: checkInteractEvent,
  }
}

/** The settings the projection needs, as plain data a worker thread can be handed. */
export function projectionSettingsOf(
  config: InteractProjectionSettings,
): InteractProjectionSettings {
  return {
    attributionWindowMs: config.attributionWindowMs,
    consentCategories: config.consentCategories,
  }
}
