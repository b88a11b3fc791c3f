import type { Kysely } from 'kysely'
import { DAY_MS, type Clock } from '../core/clock.js'
import type { Database } from '../store/database.js'
import { getOrCreateSetting, randomSecret } from '../store/settings.repository.js'
import { signToken } from './signed-token.js'

/** Token purposes; a token signed for one is refused for another. */
export const TOKEN_PURPOSES = {
  preferences: 'pref',
  unsubscribe: 'unsub',
  open: 'open',
  click: 'click',
} as const

/** Preference links in messages stay valid this long. */
export const PREFERENCE_LINK_TTL_MS = 30 * DAY_MS

/** Signed links idic puts in messages, all served by idic itself. */
export interface MessageLinks {
  /** The public URL the links start with (no trailing slash). */
  readonly baseUrl: string
  readonly secret: string
  preferences(customerId: string, ttlMs?: number): string
  /** One-click unsubscribe (RFC 8058); it does not expire, as mail clients may use it late. */
  unsubscribe(customerId: string, channel: string, topic: string): string
  openPixel(customerId: string, deliveryId: string): string
  click(customerId: string, deliveryId: string, url: string): string
}

export function createMessageLinks(baseUrl: string, secret: string, clock: Clock): MessageLinks {
  const base = baseUrl.replace(/\/+$/, '')
  return {
    baseUrl: base,
    secret,
    preferences: (customerId, ttlMs = PREFERENCE_LINK_TTL_MS) =>
      `${base}/p/${signToken(secret, TOKEN_PURPOSES.preferences, { c: customerId }, clock.now() + ttlMs)}`,
    unsubscribe: (customerId, channel, topic) =>
      `${base}/u/${signToken(secret, TOKEN_PURPOSES.unsubscribe, { c: customerId, ch: channel, t: topic }, null)}`,
    openPixel: (customerId, deliveryId) =>
      `${base}/t/o/${signToken(secret, TOKEN_PURPOSES.open, { c: customerId, d: deliveryId }, null)}`,
    click: (customerId, deliveryId, url) =>
      `${base}/t/c/${signToken(secret, TOKEN_PURPOSES.click, { c: customerId, d: deliveryId, u: url }, null)}`,
  }
}

/**
 * The key links are signed with: the configured secret, or one generated on first use and kept
 * in `settings`, so links survive restarts and are shared by every API process.
 */
export async function resolveSigningSecret(
  db: Kysely<Database>,
  configured: string | null,
): Promise<string> {
  if (configured !== null) return configured
  return getOrCreateSetting(db, 'signing_secret', randomSecret)
}
