import { manualClock, type ManualClock } from '../src/core/clock.js'
import { closeChannels } from '../src/interact/channel.js'
import { createEmailChannel } from '../src/interact/channels/email-channel.js'
import { createInAppChannel } from '../src/interact/channels/in-app-channel.js'
import { createWebhookChannel } from '../src/interact/channels/webhook-channel.js'
import { DEFAULT_CONTACT_POLICY, type LimitPolicy } from '../src/interact/contact-pressure.js'
import { createMessageLinks } from '../src/interact/message-links.js'
import type { InteractDeps } from '../src/interact/interact-deps.js'
import type { Store } from '../src/store/engine.js'
import { startHttpSink, type HttpSink } from './http-sink.js'
import { addCustomer } from './interact-fixture.js'
import { startSmtpSink, type SmtpSink } from './smtp-sink.js'

export const HOUR_MS_FOR_TESTS = 3_600_000
/** Tuesday 2026-03-10 12:00 UTC. */
export const FIXTURE_START = Date.UTC(2026, 2, 10, 12, 0, 0)

export interface SendFixture {
  readonly deps: InteractDeps
  readonly store: Store
  readonly clock: ManualClock
  readonly smtp: SmtpSink
  readonly hook: HttpSink
  readonly sleeps: number[]
  readonly customerId: string
  close(): Promise<void>
}

/**
 * Interact deps wired to a real SMTP server and a real HTTP receiver, with customer `u1`
 * (ana@example.com) already known.
 */
export async function sendFixture(
  store: Store,
  options: {
    refuseSmtp?: boolean
    /** SMTP reply code of the n-th RCPT TO (null or 250 accepts). */
    smtpRcptReply?: (n: number) => number | null
    webhookStatus?: number
    /** Status per request number (1-based), for receivers that recover. */
    webhookRespond?: (n: number) => number
    onLimit?: LimitPolicy
    timezone?: string
  } = {},
): Promise<SendFixture> {
  const clock = manualClock(FIXTURE_START)
  const smtp = await startSmtpSink({
    refuse: options.refuseSmtp ?? false,
    ...(options.smtpRcptReply === undefined ? {} : { rcptReply: options.smtpRcptReply }),
  })
  const hook = await startHttpSink(options.webhookRespond ?? (() => options.webhookStatus ?? 200))
  const sleeps: number[] = []
  const deps: InteractDeps = {
    db: store.db,
    clock,
    links: createMessageLinks('http://idic.test', 'test-secret-test-secret-test-secret', clock),
    policy: { ...DEFAULT_CONTACT_POLICY, onLimit: options.onLimit ?? 'wait' },
    channels: {
      email: createEmailChannel({ smtp: smtp.url, from: 'shop@example.com', clock }),
      webhook: createWebhookChannel({
        url: hook.url,
        secret: 'webhook-secret-for-tests',
        clock,
        sleep: (ms) => {
          sleeps.push(ms)
          return Promise.resolve()
        },
        maxAttempts: 3,
        baseDelayMs: 50,
      }),
      in_app: createInAppChannel(clock),
    },
  }
  const customerId = await addCustomer(store, clock, 'u1', {
    email: 'ana@example.com',
    name: 'Ana',
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
  })
  return {
    deps,
    store,
    clock,
    smtp,
    hook,
    sleeps,
    customerId,
    close: async () => {
      await closeChannels(deps.channels)
      await smtp.close()
      await hook.close()
    },
  }
}
