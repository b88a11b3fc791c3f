import { z } from 'zod'
import { jsonBytesOver } from '../core/json-bytes-over.js'
import type { JsonObject } from '../core/json.js'

/** The Segment spec's call types idic accepts. */
export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'alias', 'group'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Segment's documented limit for one event. */
export const MAX_EVENT_BYTES = 32 * 1024

// Segment SDKs send ids as strings, but some send numbers; both are kept as strings.
const Id = z.union([z.string().min(1).max(512), z.number()]).transform(String)
const Timestamp = z.union([z.iso.datetime({ offset: true, local: true }), z.iso.date()])
const JsonRecord = z.record(z.string(), z.unknown())

const Common = {
  messageId: z.string().min(1).max(256).optional(),
  userId: Id.nullish(),
  anonymousId: Id.nullish(),
  timestamp: Timestamp.optional(),
  originalTimestamp: Timestamp.optional(),
  sentAt: Timestamp.optional(),
  context: JsonRecord.optional(),
  integrations: JsonRecord.optional(),
}

const hasSomeId = (e: {
  userId?: string | null | undefined
  anonymousId?: string | null | undefined
}): boolean => (e.userId ?? null) !== null || (e.anonymousId ?? null) !== null
const NEEDS_ID = { message: 'needs a userId or an anonymousId', path: ['userId'] }

const TrackSchema = z
  .object({
    ...Common,
    type: z.literal('track'),
    event: z.string().min(1).max(512),
    properties: JsonRecord.optional(),
  })
  .refine(hasSomeId, NEEDS_ID)
const IdentifySchema = z
  .object({ ...Common, type: z.literal('identify'), traits: JsonRecord.optional() })
  .refine(hasSomeId, NEEDS_ID)
const PageSchema = z
  .object({
    ...Common,
    type: z.literal('page'),
    name: z.string().max(512).nullish(),
    category: z.string().max(512).nullish(),
    properties: JsonRecord.optional(),
  })
  .refine(hasSomeId, NEEDS_ID)
const ScreenSchema = z
  .object({
    ...Common,
    type: z.literal('screen'),
    name: z.string().max(512).nullish(),
    properties: JsonRecord.optional(),
  })
  .refine(hasSomeId, NEEDS_ID)
const AliasSchema = z.object({
  ...Common,
  type: z.literal('alias'),
  userId: Id,
  previousId: Id,
})
const GroupSchema = z
  .object({ ...Common, type: z.literal('group'), groupId: Id, traits: JsonRecord.optional() })
  .refine(hasSomeId, NEEDS_ID)

const SCHEMAS = {
  track: TrackSchema,
  identify: IdentifySchema,
  page: PageSchema,
  screen: ScreenSchema,
  alias: AliasSchema,
  group: GroupSchema,
} as const

/** An event that passed validation, in the shape the store keeps. */
export interface NormalizedEvent {
  readonly messageId: string | null
  readonly type: EventType
  /** Track event name, page or screen name. */
  readonly name: string | null
  readonly userId: string | null
  readonly anonymousId: string | null
  /** Alias: the id the user had before. */
  readonly previousId: string | null
  /** Group: the account or company id. */
  readonly groupId: string | null
  /** Properties for track, page and screen; traits for identify and group. */
  readonly properties: JsonObject
  /** Traits of the person: identify traits, or those carried in context.traits. */
  readonly traits: JsonObject
  readonly context: JsonObject
  readonly timestamp: string | null
  readonly sentAt: string | null
}

export interface EventRejection {
  readonly code: 'invalid_event' | 'unknown_type' | 'event_too_large' | 'not_an_object'
  readonly message: string
  readonly path: string | null
}

export type EventValidation =
  | { readonly ok: true; readonly event: NormalizedEvent }
  | { readonly ok: false; readonly rejection: EventRejection }

/**
 * Validates one raw event against the Segment spec. `impliedType` is set by single-call
 * endpoints (`/v1/track` …), where the body may leave `type` out.
 */
export function validateSegmentEvent(raw: unknown, impliedType?: EventType): EventValidation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return reject('not_an_object', 'event must be a JSON object', null)
  }
  const size = jsonBytesOver(raw, MAX_EVENT_BYTES)
  if (size !== null) {
    return reject(
      'event_too_large',
      `event is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`,
      null,
    )
  }
  const record = raw as Record<string, unknown>
  const declared = record['type']
  const type = declared ?? impliedType
  if (impliedType !== undefined && declared !== undefined && declared !== impliedType) {
    return reject(
      'invalid_event',
      `type ${JSON.stringify(declared)} sent to the ${impliedType} endpoint`,
      'type',
    )
  }
  if (typeof type !== 'string' || !(type in SCHEMAS)) {
    return reject(
      'unknown_type',
      `unknown event type ${JSON.stringify(type ?? null)}; expected one of ${EVENT_TYPES.join(', ')}`,
      'type',
    )
  }
  const parsed = SCHEMAS[type as EventType].safeParse(
    declared === type ? record : { ...record, type },
  )
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue === undefined || issue.path.length === 0 ? null : issue.path.join('.')
    const message = issue === undefined ? 'invalid event' : issue.message
    return reject('invalid_event', path === null ? message : `${path}: ${message}`, path)
  }
  return { ok: true, event: normalize(parsed.data) }
}

function reject(
  code: EventRejection['code'],
  message: string,
  path: string | null,
): EventValidation {
  return { ok: false, rejection: { code, message, path } }
}

type ParsedEvent = z.output<(typeof SCHEMAS)[EventType]>

function normalize(event: ParsedEvent): NormalizedEvent {
  const context = (event.context ?? {}) as JsonObject
  const contextTraits = context['traits']
  const traits = isObject(contextTraits) ? contextTraits : {}
  switch (event.type) {
    case 'track':
      return shape(event, context, 'track', event.event, event.properties, traits)
    case 'identify': {
      const own = (event.traits ?? {}) as JsonObject
      return shape(event, context, 'identify', null, own, { ...traits, ...own })
    }
    case 'page':
      return shape(event, context, 'page', event.name ?? null, event.properties, traits)
    case 'screen':
      return shape(event, context, 'screen', event.name ?? null, event.properties, traits)
    case 'alias':
      return shape(event, context, 'alias', null, {}, traits, event.previousId)
    case 'group':
      return shape(event, context, 'group', null, event.traits, traits, null, event.groupId)
  }
}

/** One object literal with every field, so that all events share one shape (no spreads). */
function shape(
  event: ParsedEvent,
  context: JsonObject,
  type: EventType,
  name: string | null,
  properties: Record<string, unknown> | undefined,
  traits: JsonObject,
  previousId: string | null = null,
  groupId: string | null = null,
): NormalizedEvent {
  return {
    messageId: event.messageId ?? null,
    type,
    name,
    userId: event.userId ?? null,
    anonymousId: event.anonymousId ?? null,
    previousId,
    groupId,
    properties: (properties ?? {}) as JsonObject,
    traits,
    context,
    timestamp: event.timestamp ?? event.originalTimestamp ?? null,
    sentAt: event.sentAt ?? null,
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * When the event happened, corrected for the sender's clock the way Segment does it: the gap
 * between the event's timestamp and the batch's sentAt is taken from the time it was received.
 */
export function eventTime(
  event: NormalizedEvent,
  receivedAtMs: number,
  batchSentAt: string | null,
): number {
  if (event.timestamp === null) return receivedAtMs
  const at = Date.parse(event.timestamp)
  const sentAt = event.sentAt ?? batchSentAt
  if (sentAt === null) return at
  const skew = Date.parse(sentAt) - at
  return Number.isFinite(skew) && skew >= 0 ? receivedAtMs - skew : at
}
