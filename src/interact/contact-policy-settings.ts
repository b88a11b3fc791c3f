import { DAY_MS, WEEK_MS } from '../core/clock.js'
import { err, ok, type Result } from '../core/result.js'
import { CHANNELS, isChannelName, type ChannelName } from './channel.js'
import {
  DEFAULT_CONTACT_POLICY,
  LIMIT_POLICIES,
  validTimeZone,
  type ContactPolicy,
  type FrequencyCap,
  type LimitPolicy,
} from './contact-pressure.js'

/** Contact rules as an operator writes them (environment variables), each optional. */
export interface ContactPolicyText {
  /** `IDIC_FREQUENCY_CAPS`: `email=3/7d,in_app=5/1d,webhook=off`, or `off` for no caps. */
  readonly caps?: string | undefined
  /** `IDIC_QUIET_HOURS`: `21-8` (local hours, wrapping midnight), or `off`. */
  readonly quietHours?: string | undefined
  /** `IDIC_ON_LIMIT`: `wait` or `drop`. */
  readonly onLimit?: string | undefined
  /** `IDIC_DEFAULT_TIMEZONE`: IANA zone for customers without a `timezone` trait. */
  readonly defaultTimeZone?: string | undefined
}

export interface PolicyError {
  readonly type: 'invalid_policy'
  readonly setting: 'caps' | 'quietHours' | 'onLimit' | 'defaultTimeZone'
  readonly message: string
}

const PERIOD_MS = { h: 3_600_000, d: DAY_MS, w: WEEK_MS } as const

/**
 * The contact policy from settings; what a setting leaves out keeps DEFAULT_CONTACT_POLICY's
 * value (3 emails and 3 webhooks a week, 5 in-app messages a day, quiet 21–8 local, wait).
 */
export function parseContactPolicy(text: ContactPolicyText): Result<ContactPolicy, PolicyError> {
  let caps: Partial<Record<ChannelName, FrequencyCap>> = { ...DEFAULT_CONTACT_POLICY.caps }
  if (text.caps !== undefined) {
    if (text.caps.trim() === 'off') caps = {}
    else {
      for (const part of text.caps.split(',')) {
        const match = /^\s*([a-z_]+)\s*=\s*(?:off|(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*([hdw]))\s*$/.exec(
          part,
        )
        const channel = match?.[1]
        if (match === null || channel === undefined || !isChannelName(channel)) {
          return fail(
            'caps',
            `"${part.trim()}" is not CHANNEL=MAX/PERIOD (e.g. email=3/7d) or CHANNEL=off, with CHANNEL one of ${CHANNELS.join(', ')}`,
          )
        }
        const max = match[2]
        if (max === undefined) {
          caps = Object.fromEntries(Object.entries(caps).filter(([c]) => c !== channel))
          continue
        }
        const unit = match[4] as keyof typeof PERIOD_MS
        const periodMs = Number(match[3]) * PERIOD_MS[unit]
        if (Number(max) < 1 || periodMs <= 0) {
          return fail('caps', `"${part.trim()}" needs at least 1 message in a period over 0`)
        }
        caps[channel] = { max: Number(max), periodMs }
      }
    }
  }
  let quietHours = DEFAULT_CONTACT_POLICY.quietHours
  if (text.quietHours !== undefined) {
    const match = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(text.quietHours)
    if (text.quietHours.trim() === 'off') quietHours = null
    else if (
      match === null ||
      Number(match[1]) > 23 ||
      Number(match[2]) > 23 ||
      match[1] === match[2]
    ) {
      return fail(
        'quietHours',
        `"${text.quietHours}" is not START-END local hours (e.g. 21-8) or off`,
      )
    } else quietHours = { startHour: Number(match[1]), endHour: Number(match[2]) }
  }
  const onLimit = text.onLimit ?? DEFAULT_CONTACT_POLICY.onLimit
  if (!(LIMIT_POLICIES as readonly string[]).includes(onLimit)) {
    return fail('onLimit', `must be ${LIMIT_POLICIES.join(' or ')}, not "${onLimit}"`)
  }
  const zone = text.defaultTimeZone ?? DEFAULT_CONTACT_POLICY.defaultTimeZone
  if (validTimeZone(zone) === null) {
    return fail('defaultTimeZone', `"${zone}" is not an IANA time zone (e.g. Europe/Paris)`)
  }
  return ok({
    ...DEFAULT_CONTACT_POLICY,
    caps,
    quietHours,
    onLimit: onLimit as LimitPolicy,
    defaultTimeZone: zone,
  })
}

function fail(setting: PolicyError['setting'], message: string): Result<never, PolicyError> {
  return err({ type: 'invalid_policy', setting, message })
}
