import type { StoredEventsHook } from '../identify/ingest-events.js'
import { attributeConversions } from './attribute-conversions.js'
import { projectDialogueEvents } from './dialogue.js'

/** What Interact's ingestion projection reads from the app's settings. */
export interface InteractProjectionSettings {
  /** An order this long after a marketing delivery credits it (see attributeConversions). */
  readonly attributionWindowMs: number
}

/**
 * Interact's part of ingestion, run inside the ingestion transaction on the events stored now:
 * dialogue events become thread messages, and `Order Completed` orders convert the marketing
 * deliveries that preceded them.
 */
export function interactProjection(settings: InteractProjectionSettings): StoredEventsHook {
  return async (db, eventIds, nowMs) => {
    await projectDialogueEvents(db, eventIds, nowMs)
    await attributeConversions(db, { eventIds }, { windowMs: settings.attributionWindowMs, nowMs })
  }
}
