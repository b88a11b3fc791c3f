import type { Kysely } from 'kysely'
import { isJsonObject, type JsonObject } from '../core/json.js'
import { err, ok, type Result } from '../core/result.js'
import type { StoredEvent } from '../identify/ingest-events.js'
import type { EventRejection, NormalizedEvent } from '../identify/segment-event.js'
import type { Database } from '../store/database.js'
import { CHANNELS, isChannelName, type ChannelName } from './channel.js'
import type { ConsentCategoryMap } from './consent-categories.js'
import { ALL_TOPICS, recordConsentAt } from './consents.repository.js'

/**
 * Track events that carry consent, so existing client libraries can set it:
 * - `Segment Consent Preference Updated` (Segment's consent spec): the answers are in
 *   `context.consent.categoryPreferences` as `{ category: true | false }`; categories map to
 *   channels and topics through a ConsentCategoryMap (`marketing` → everything by default);
 * - `Consent Updated`: `properties.channel` (email, webhook, in_app or `*`, default `*`),
 *   `properties.topic` (default `*`) and `properties.granted` (true or false).
 */
export const CONSENT_EVENTS = {
  segment: 'Segment Consent Preference Updated',
  explicit: 'Consent Updated',
} as const

const NAMES: readonly string[] = Object.values(CONSENT_EVENTS)

/** The source consents from events are recorded under. */
export const EVENT_CONSENT_SOURCE = 'segment'

export interface ConsentAnswer {
  readonly channel: ChannelName
  readonly topic: string
  readonly granted: boolean
}

export interface ConsentEventError {
  readonly type: 'invalid_consent_event'
  /** Where in the event: `properties.granted`, `context.consent.categoryPreferences`… */
  readonly path: string
  readonly message: string
}

export function isConsentEvent(name: string | null): boolean {
  return name !== null && NAMES.includes(name)
}

/**
 * The consent answers one event carries, one per channel and topic. Categories the mapping does
 * not name are left out (cookie categories such as analytics say nothing about messages); when
 * several categories map to the same channel and topic, a withdrawal wins, since a customer who
 * refused any of them did not agree to the message.
 */
export function consentAnswersOf(
  name: string,
  properties: JsonObject,
  context: JsonObject,
  categories: ConsentCategoryMap,
): Result<readonly ConsentAnswer[], ConsentEventError> {
  if (name === CONSENT_EVENTS.explicit) return explicitAnswer(properties)
  const consent = context['consent']
  const preferences = isJsonObject(consent) ? consent['categoryPreferences'] : undefined
  if (!isJsonObject(preferences)) {
    return invalid(
      'context.consent.categoryPreferences',
      'must be an object of category: true or false',
    )
  }
  const answers = new Map<string, ConsentAnswer>()
  for (const [category, value] of Object.entries(preferences)) {
    if (typeof value !== 'boolean') {
      return invalid(`context.consent.categoryPreferences.${category}`, 'must be true or false')
    }
    for (const target of categories[category.toLowerCase()] ?? []) {
      const channels = target.channel === '*' ? CHANNELS : [target.channel]
      for (const channel of channels) {
        const key = `${channel}\u0000${target.topic}`
        const granted = (answers.get(key)?.granted ?? true) && value
        answers.set(key, { channel, topic: target.topic, granted })
      }
    }
  }
  return ok([...answers.values()])
}

function explicitAnswer(
  properties: JsonObject,
): Result<readonly ConsentAnswer[], ConsentEventError> {
  const granted = properties['granted']
  if (typeof granted !== 'boolean') return invalid('properties.granted', 'must be true or false')
  const channel = properties['channel'] ?? '*'
  if (typeof channel !== 'string' || (channel !== '*' && !isChannelName(channel))) {
    return invalid('properties.channel', `must be one of ${CHANNELS.join(', ')} or *`)
  }
  const topic = properties['topic'] ?? ALL_TOPICS
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 100) {
    return invalid('properties.topic', 'must be a topic name of 1 to 100 characters, or *')
  }
  const channels = channel === '*' ? CHANNELS : [channel]
  return ok(channels.map((c) => ({ channel: c, topic, granted })))
}

function invalid(path: string, message: string): Result<never, ConsentEventError> {
  return err({ type: 'invalid_consent_event', path, message })
}

/**
 * Refuses a consent event that does not say what it means (ingestion rejects it with its index
 * and this reason, and keeps the rest of the batch). Other events pass.
 */
export function checkConsentEvent(event: NormalizedEvent): EventRejection | null {
  if (event.type !== 'track' || event.name === null || !isConsentEvent(event.name)) return null
  const answers = consentAnswersOf(event.name, event.properties, event.context, {})
  if (answers.ok) return null
  const { path, message } = answers.error
  return { code: 'invalid_event', message: `${path}: ${message}`, path }
}

/**
 * Records the consent answers of stored consent events (ingestion calls this inside its
 * transaction), with source `segment` and the event's own time: an answer older than the one
 * stored for the same channel and topic is left out, whatever order the events arrive in.
 */
export async function projectConsentEvents(
  db: Kysely<Database>,
  events: readonly StoredEvent[],
  categories: ConsentCategoryMap,
): Promise<void> {
  const consent = events
    .filter((e) => e.type === 'track' && isConsentEvent(e.name))
    .sort((a, b) => a.occurredAt - b.occurredAt)
  for (const event of consent) {
    if (event.name === null) continue
    const answers = consentAnswersOf(event.name, event.properties, event.context, categories)
    if (!answers.ok) continue
    for (const answer of answers.value) {
      await recordConsentAt(
        db,
        event.customerId,
        { ...answer, source: EVENT_CONSENT_SOURCE },
        event.occurredAt,
      )
    }
  }
}
