import type { EventCheck, StoredEventsHook } from '../identify/ingest-events.js'
import { attributeConversions, ORDER_COMPLETED } from './attribute-conversions.js'
import type { ConsentCategoryMap } from './consent-categories.js'
import { checkConsentEvent, projectConsentEvents } from './consent-events.js'
import { checkDialogueEvent, projectDialogueEvents } from './dialogue.js'

/** What Interact's ingestion projection reads from the app's settings. */
export interface InteractProjectionSettings {
  /** An order this long after a marketing delivery credits it (see attributeConversions). */
  readonly attributionWindowMs: number
  /** Consent categories of `Segment Consent Preference Updated` events and their topics. */
  readonly consentCategories: ConsentCategoryMap
}

/**
 * Interact's part of ingestion, run inside the ingestion transaction on the events stored now:
 * dialogue events become thread messages, consent events record consents (by event time), and
 * `Order Completed` orders convert the marketing deliveries that preceded them.
 */
export function interactProjection(settings: InteractProjectionSettings): StoredEventsHook {
  return async (db, events, nowMs) => {
    await projectDialogueEvents(db, events, nowMs)
    await projectConsentEvents(db, events, settings.consentCategories)
    const eventIds = events.filter((e) => e.name === ORDER_COMPLETED).map((e) => e.messageId)
    if (eventIds.length === 0) return
    await attributeConversions(db, { eventIds }, { windowMs: settings.attributionWindowMs, nowMs })
  }
}

/**
 * Interact's checks of incoming events: a consent event must say what it means, a dialogue
 * event's rating must be one.
 */
export const checkInteractEvent: EventCheck = (event) =>
  checkConsentEvent(event) ?? checkDialogueEvent(event)
