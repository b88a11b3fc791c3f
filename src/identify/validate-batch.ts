import { newId } from '../core/ids.js'
import type { Clock } from '../core/clock.js'
import {
  validateSegmentEvent,
  type EventRejection,
  type EventType,
  type NormalizedEvent,
} from './segment-event.js'

/**
 * A later stage's own check of a valid event (Interact: consent events must say what they
 * mean); a rejection is reported with the event's index like any other, the rest is stored.
 */
export type EventCheck = (event: NormalizedEvent) => EventRejection | null

export interface RejectedEvent extends EventRejection {
  readonly index: number
  readonly messageId: string | null
}

/** An event that passed validation, with the messageId it is stored under. */
export interface ValidEvent {
  /** Its index in the batch as sent. */
  readonly index: number
  readonly messageId: string
  readonly event: NormalizedEvent
}

/** A batch after validation, before anything is stored. */
export interface ValidatedBatch {
  /** When it was received: the clock's time at validation. */
  readonly receivedAt: number
  /** Valid events, the first of each messageId, in batch order. */
  readonly valid: readonly ValidEvent[]
  /** Valid events repeating a messageId earlier in the same batch. */
  readonly batchDuplicates: readonly ValidEvent[]
  readonly rejected: readonly RejectedEvent[]
}

/**
 * Checks each event of a batch on its own (the Segment spec, the 32 KB limit, a later stage's
 * `validate`), gives an event without a messageId a generated one, and sets aside repeats
 * within the batch. No I/O.
 */
export function validateBatch(
  deps: { readonly clock: Clock; readonly validate?: EventCheck },
  rawEvents: readonly unknown[],
  options: { readonly impliedType?: EventType | undefined },
): ValidatedBatch {
  const rejected: RejectedEvent[] = []
  const valid: ValidEvent[] = []
  const seenIds = new Set<string>()
  const batchDuplicates: ValidEvent[] = []
  const receivedAt = deps.clock.now()
  rawEvents.forEach((raw, index) => {
    const result = validateSegmentEvent(raw, options.impliedType)
    if (!result.ok) {
      rejected.push({ index, messageId: messageIdOf(raw), ...result.rejection })
      return
    }
    const refused = deps.validate?.(result.event) ?? null
    if (refused !== null) {
      rejected.push({ index, messageId: messageIdOf(raw), ...refused })
      return
    }
    const messageId = result.event.messageId ?? newId('gen', receivedAt)
    const entry = { index, messageId, event: result.event }
    if (seenIds.has(messageId)) batchDuplicates.push(entry)
    else {
      seenIds.add(messageId)
      valid.push(entry)
    }
  })
  return { receivedAt, valid, batchDuplicates, rejected }
}

function messageIdOf(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  const id = (raw as Record<string, unknown>)['messageId']
  return typeof id === 'string' ? id : null
}
