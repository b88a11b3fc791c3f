import type { Clock } from '../core/clock.js'
import type { Store } from '../store/engine.js'
import type { ChannelSet } from './channel.js'
import { createEmailChannel } from './channels/email-channel.js'
import { createInAppChannel } from './channels/in-app-channel.js'
import { createWebhookChannel } from './channels/webhook-channel.js'
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from './contact-pressure.js'
import { createMessageLinks, resolveSigningSecret } from './message-links.js'
import type { InteractDeps } from './send-message.js'

/** The settings Interact reads (a subset of the app's Config). */
export interface InteractSettings {
  readonly secret: string | null
  readonly publicUrl: string
  readonly smtpUrl: string | null
  readonly mailFrom: string
  readonly webhookUrl: string | null
  readonly webhookSecret: string | null
}

/**
 * Interact's deps from settings: the in-app inbox always, email when an SMTP URL is set, the
 * webhook when a URL is set (signed with its own secret or the signing secret). `channels` and
 * `policy` replace the defaults (tests, embedding).
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
          webhook: createWebhookChannel({
            url: settings.webhookUrl,
            secret: settings.webhookSecret ?? secret,
            clock,
            sleep: (ms) =>
              new Promise((resolve) => {
                setTimeout(resolve, ms)
              }),
          }),
        }),
  }
  return {
    db: store.db,
    clock,
    channels,
    links: createMessageLinks(settings.publicUrl, secret, clock),
    policy: overrides.policy ?? DEFAULT_CONTACT_POLICY,
  }
}
