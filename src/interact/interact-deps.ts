import type { Kysely } from 'kysely'
import type { Clock } from '../core/clock.js'
import type { Database } from '../store/database.js'
import type { SqlitePrepare, Store } from '../store/engine.js'
import type { ChannelSet } from './channel.js'
import { createEmailChannel } from './channels/email-channel.js'
import { createInAppChannel } from './channels/in-app-channel.js'
import { createWebhookChannel } from './channels/webhook-channel.js'
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from './contact-pressure.js'
import { createMessageLinks, resolveSigningSecret, type MessageLinks } from './message-links.js'

/** What sending needs: the database, time, the channels, link signing and the contact rules. */
export interface InteractDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly channels: ChannelSet
  readonly links: MessageLinks
  readonly policy: ContactPolicy
  /**
   * Later rounds for a delivery whose channel gave up after its own quick retries (a webhook
   * still answering 500; an SMTP server answering 4xx, unreachable or timing out): it is held
   * and tried again after `baseDelayMs`, doubling each round, and dead-lettered after `rounds`
   * rounds. Default: one round (dead at once).
   */
  readonly retry?: RetryPolicy
  /**
   * SQLite only: the store's statement handle on the connection behind `db`
   * (`Store.sqliteStatements`), so batch sends insert their rows through prepared statements.
   */
  readonly sqlite?: SqlitePrepare | null
}

export interface RetryPolicy {
  readonly rounds: number
  readonly baseDelayMs: number
}

/**
 * Deliveries whose channel gave up are tried again 5, 10 and 20 minutes later (by
 * `idic deliveries process`), then dead-lettered: four rounds in all.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { rounds: 4, baseDelayMs: 5 * 60_000 }

/** The settings Interact reads (a subset of the app's Config). */
export interface InteractSettings {
  readonly secret: string | null
  readonly publicUrl: string
  readonly smtpUrl: string | null
  readonly mailFrom: string
  readonly webhookUrl: string | null
  readonly webhookSecret: string | null
  /** Caps, quiet hours and the like; DEFAULT_CONTACT_POLICY when absent. */
  readonly contactPolicy?: ContactPolicy
}

/**
 * Interact's deps from settings: the in-app inbox always, email when an SMTP URL is set, the
 * webhook when a URL is set (signed with its own secret or the signing secret), the contact
 * policy of the settings. `channels` and `policy` replace them (tests, embedding).
 */
export async function buildInteractDeps(
  store: Store,
  clock: Clock,
  settings: InteractSettings,
  overrides: {
    readonly channels?: ChannelSet | undefined
    readonly policy?: ContactPolicy | undefined
  } = {},
): Promise<InteractDeps> {
  const secret = await resolveSigningSecret(store.db, settings.secret)
  const channels: ChannelSet = overrides.channels ?? {
    in_app: createInAppChannel(clock),
    ...(settings.smtpUrl === null
      ? {}
      : { email: createEmailChannel({ smtp: settings.smtpUrl, from: settings.mailFrom, clock }) }),
    ...(settings.webhookUrl === null
      ? {}
      : {
          // A few quick tries inside the send (worst case ~17 s), then later rounds.
          webhook: createWebhookChannel({
            url: settings.webhookUrl,
            secret: settings.webhookSecret ?? secret,
            clock,
            maxAttempts: 3,
            baseDelayMs: 500,
            timeoutMs: 5000,
            sleep: (ms) =>
              new Promise((resolve) => {
                setTimeout(resolve, ms)
              }),
          }),
        }),
  }
  return {
    db: store.db,
    sqlite: store.sqliteStatements,
    clock,
    channels,
    links: createMessageLinks(settings.publicUrl, secret, clock),
    policy: overrides.policy ?? settings.contactPolicy ?? DEFAULT_CONTACT_POLICY,
    retry: DEFAULT_RETRY_POLICY,
  }
}
