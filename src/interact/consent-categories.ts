import { err, ok, type Result } from '../core/result.js'
import { CHANNELS, isChannelName, type ChannelName } from './channel.js'
import { ALL_TOPICS } from './consents.repository.js'

/** Where a consent category's answer goes: a topic on one channel, or on every channel (`*`). */
export interface ConsentTarget {
  readonly channel: ChannelName | '*'
  readonly topic: string
}

/** Consent categories (lower case, as a CMP names them) and the topics they stand for. */
export type ConsentCategoryMap = Readonly<Record<string, readonly ConsentTarget[]>>

/**
 * `marketing` answers for all marketing (`*`) on every channel; other categories (analytics,
 * functional, advertising…) are about cookies and data collection, not messages, and are kept
 * on the timeline only.
 */
export const DEFAULT_CONSENT_CATEGORIES: ConsentCategoryMap = {
  marketing: [{ channel: '*', topic: ALL_TOPICS }],
}

const TOPIC = /^[^\s:]{1,100}$/

/**
 * Reads a category mapping (`IDIC_CONSENT_CATEGORIES`): a JSON object from category to one
 * target or a list, each `topic` (every channel) or `channel:topic`, `*` standing for every
 * channel or every topic, e.g. `{"marketing": "*", "C0004": ["email:news", "in_app:*"]}`.
 * Categories are matched case-insensitively. The result replaces the default mapping.
 */
export function parseConsentCategories(
  text: string,
): Result<ConsentCategoryMap, { readonly type: 'invalid_mapping'; readonly message: string }> {
  const fail = (message: string) => err({ type: 'invalid_mapping' as const, message })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail('must be JSON, e.g. {"marketing": "*"}')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('must be a JSON object from category to topics')
  }
  const map: Record<string, ConsentTarget[]> = {}
  for (const [category, raw] of Object.entries(value as Record<string, unknown>)) {
    const entries: unknown[] = Array.isArray(raw) ? raw : [raw]
    if (category.trim() === '' || entries.length === 0) {
      return fail(`category "${category}" needs a name and at least one topic`)
    }
    const targets: ConsentTarget[] = []
    for (const entry of entries) {
      const target = typeof entry === 'string' ? parseTarget(entry) : null
      if (target === null) {
        return fail(
          `${category}: ${JSON.stringify(entry)} is not "topic" or "channel:topic" with channel one of ${CHANNELS.join(', ')} or *`,
        )
      }
      targets.push(target)
    }
    map[category.toLowerCase()] = [...(map[category.toLowerCase()] ?? []), ...targets]
  }
  return ok(map)
}

function parseTarget(entry: string): ConsentTarget | null {
  const colon = entry.indexOf(':')
  const channel = colon < 0 ? '*' : entry.slice(0, colon)
  const topic = colon < 0 ? entry : entry.slice(colon + 1)
  if (!TOPIC.test(topic)) return null
  if (channel === '*' || isChannelName(channel)) return { channel, topic }
  return null
}
