import { z } from 'zod'
import type { JsonObject } from '../core/json.js'
import { EVENT_TYPES, type EventType, type NormalizedEvent } from './segment-event.js'
import type { ValidEvent } from './validate-batch.js'

/** An acknowledged batch as the inbox keeps it: validated events, each with its messageId. */
export interface InboxBatch {
  /** The batch envelope's sentAt, for clock-skew correction. */
  readonly sentAt: string | null
  readonly events: readonly ValidEvent[]
}

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The events were validated before they were appended, and the inbox is written only by
 * `encodeInboxBatch`: reading them back checks the envelope and each event's messageId and
 * type, not every field again (a full check cost ≈6% of the processor's time).
 */
const StoredEventSchema = z.custom<NormalizedEvent & { readonly messageId: string }>(
  (value) =>
    isJsonObject(value) &&
    typeof value['messageId'] === 'string' &&
    EVENT_TYPES.includes(value['type'] as EventType),
  'expected an event written by encodeInboxBatch',
)

const PayloadSchema = z.object({
  sentAt: z.string().nullable(),
  events: z.array(StoredEventSchema),
})

/** The inbox payload of a batch: JSON of its normalized events (validation is not repeated). */
export function encodeInboxBatch(batch: InboxBatch): string {
  return JSON.stringify({
    sentAt: batch.sentAt,
    events: batch.events.map((e): NormalizedEvent => ({ ...e.event, messageId: e.messageId })),
  })
}

/** Reads a payload written by `encodeInboxBatch`; throws on anything else. */
export function decodeInboxBatch(payload: string): InboxBatch {
  const parsed = PayloadSchema.parse(JSON.parse(payload))
  return {
    sentAt: parsed.sentAt,
    events: parsed.events.map((event, index) => ({ index, messageId: event.messageId, event })),
  }
}
