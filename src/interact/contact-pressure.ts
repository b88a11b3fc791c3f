import { DAY_MS, WEEK_MS } from '../core/clock.js'
import type { ChannelName } from './channel.js'

/** How many contacts a customer may get on a channel within a rolling period. */
export interface FrequencyCap {
  readonly max: number
  readonly periodMs: number
}

/** Local hours during which push channels stay silent, e.g. 21 → 8 (wraps midnight). */
export interface QuietHours {
  readonly startHour: number
  readonly endHour: number
}

export const LIMIT_POLICIES = ['wait', 'drop'] as const
/** What happens to a message over a limit: it waits for the window to reopen, or is dropped. */
export type LimitPolicy = (typeof LIMIT_POLICIES)[number]

export interface ContactPolicy {
  readonly caps: Readonly<Partial<Record<ChannelName, FrequencyCap>>>
  readonly quietHours: QuietHours | null
  /** Channels quiet hours apply to; the in-app inbox is pulled by the customer, so not it. */
  readonly quietChannels: readonly ChannelName[]
  readonly onLimit: LimitPolicy
  /** Used when a customer has no (valid) `timezone` trait. */
  readonly defaultTimeZone: string
}

export const DEFAULT_CONTACT_POLICY: ContactPolicy = {
  caps: {
    email: { max: 3, periodMs: WEEK_MS },
    webhook: { max: 3, periodMs: WEEK_MS },
    in_app: { max: 5, periodMs: DAY_MS },
  },
  quietHours: { startHour: 21, endHour: 8 },
  quietChannels: ['email', 'webhook'],
  onLimit: 'wait',
  defaultTimeZone: 'UTC',
}

export const PRESSURE_REASONS = ['frequency_cap', 'quiet_hours'] as const
export type PressureReason = (typeof PRESSURE_REASONS)[number]

export type PressureDecision =
  | { readonly action: 'send' }
  | { readonly action: 'wait'; readonly reason: PressureReason; readonly until: number }
  | { readonly action: 'drop'; readonly reason: PressureReason }

export interface PressureInput {
  readonly nowMs: number
  readonly channel: ChannelName
  /** Times of this customer's earlier contacts on the channel (any order). */
  readonly contactTimes: readonly number[]
  /** IANA zone from the customer's `timezone` trait, or null. */
  readonly timeZone: string | null
}

/**
 * Whether a marketing message may go out now. Frequency cap first (a rolling window per customer
 * and channel), then quiet hours in the customer's own time zone; a waiting message gets the
 * earliest time both allow. Pure: the caller reads the contact log and the trait.
 */
export function decideContact(input: PressureInput, policy: ContactPolicy): PressureDecision {
  const zone = validTimeZone(input.timeZone) ?? validTimeZone(policy.defaultTimeZone) ?? 'UTC'
  const cap = policy.caps[input.channel]
  let at = input.nowMs
  let reason: PressureReason | null = null
  if (cap !== undefined) {
    const inWindow = input.contactTimes
      .filter((t) => t > at - cap.periodMs && t <= at)
      .sort((a, b) => a - b)
    if (inWindow.length >= cap.max) {
      reason = 'frequency_cap'
      // The window reopens when enough of the oldest contacts have aged out of it.
      at = (inWindow[inWindow.length - cap.max] ?? at) + cap.periodMs
    }
  }
  const quiet = policy.quietHours
  if (quiet !== null && policy.quietChannels.includes(input.channel)) {
    const wait = msUntilQuietEnds(at, quiet, zone)
    if (wait > 0) {
      reason ??= 'quiet_hours'
      at += wait
    }
  }
  if (reason === null) return { action: 'send' }
  return policy.onLimit === 'drop'
    ? { action: 'drop', reason }
    : { action: 'wait', reason, until: at }
}

/**
 * Formatters of local hour and minute by zone (null: Intl does not know the zone). Building one
 * costs tens of microseconds, more than a whole decision otherwise; a batch of sends asks for
 * the same few zones thousands of times.
 */
const formatters = new Map<string, Intl.DateTimeFormat | null>()

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en', {
        timeZone: zone,
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      })
    } catch {
      formatter = null
    }
    // Zones come from customer traits: keep the memory bounded.
    if (formatters.size >= 1000) formatters.clear()
    formatters.set(zone, formatter)
  }
  return formatter
}

/** An IANA zone Intl knows, or null. */
export function validTimeZone(zone: string | null): string | null {
  if (zone === null || zone === '') return null
  return formatterFor(zone) === null ? null : zone
}

/** Minutes past local midnight in `zone` at `ms`. */
export function localMinutes(ms: number, zone: string): number {
  const formatter = formatterFor(zone)
  if (formatter === null) throw new RangeError(`Invalid time zone specified: ${zone}`)
  const parts = formatter.formatToParts(new Date(ms))
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0)
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0)
  return hour * 60 + minute
}

/**
 * 0 outside quiet hours; otherwise how long until they end (to the minute). The wall-clock gap
 * is corrected once against the zone's offset at the end time, so a night with a daylight
 * saving change still ends at the local end hour.
 */
export function msUntilQuietEnds(ms: number, quiet: QuietHours, zone: string): number {
  const now = localMinutes(ms, zone)
  const start = quiet.startHour * 60
  const end = quiet.endHour * 60
  const inside = start <= end ? now >= start && now < end : now >= start || now < end
  if (!inside) return 0
  const minutes = (end - now + 1440) % 1440
  let wait = minutes * 60_000 - (ms % 60_000)
  const drift = localMinutes(ms + wait, zone) - end
  if (drift !== 0 && Math.abs(drift) <= 120) wait -= drift * 60_000
  return wait
}
