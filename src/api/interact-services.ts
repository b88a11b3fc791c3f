import { createEmailChannel } from '../interact/channels/email-channel.js'
import { createInAppChannel } from '../interact/channels/in-app-channel.js'
import { createWebhookChannel } from '../interact/channels/webhook-channel.js'
import type { ChannelSet } from '../interact/channel.js'
import { DEFAULT_CONTACT_POLICY } from '../interact/contact-pressure.js'
import { createMessageLinks, resolveSigningSecret } from '../interact/message-links.js'
import type { InteractDeps } from '../interact/send-message.js'
import type { AppDeps } from './app-deps.js'

/**
 * Interact's deps for the API, built on first use (the signing secret may have to be read from
 * or created in the database) and then shared by every request.
 */
export function interactServices(deps: AppDeps): () => Promise<InteractDeps> {
  let built: Promise<InteractDeps> | null = null
  return () => {
    built ??= build(deps).catch((error: unknown) => {
      built = null
      throw error
    })
    return built
  }
}

async function build(deps: AppDeps): Promise<InteractDeps> {
  const { config, clock } = deps
  const secret = await resolveSigningSecret(deps.store.db, config.secret)
  const channels: ChannelSet = deps.channels ?? {
    in_app: createInAppChannel(clock),
    ...(config.smtpUrl === null
      ? {}
      : { email: createEmailChannel({ smtp: config.smtpUrl, from: config.mailFrom, clock }) }),
    ...(config.webhookUrl === null
      ? {}
      : {
          webhook: createWebhookChannel({
            url: config.webhookUrl,
            secret: config.webhookSecret ?? secret,
            clock,
            sleep: (ms) =>
              new Promise((resolve) => {
                setTimeout(resolve, ms)
              }),
          }),
        }),
  }
  return {
    db: deps.store.db,
    clock,
    channels,
    links: createMessageLinks(config.publicUrl, secret, clock),
    policy: deps.contactPolicy ?? DEFAULT_CONTACT_POLICY,
  }
}
