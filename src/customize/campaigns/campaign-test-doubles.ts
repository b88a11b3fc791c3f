import { manualClock, type ManualClock } from '../../core/clock.js'
import { ok } from '../../core/result.js'
import type { Channel } from '../../interact/channel.js'
import { createInAppChannel } from '../../interact/channels/in-app-channel.js'
import { setConsent } from '../../interact/consents.repository.js'
import { DEFAULT_CONTACT_POLICY } from '../../interact/contact-pressure.js'
import type { InteractDeps } from '../../interact/interact-deps.js'
import { createMessageLinks } from '../../interact/message-links.js'
import { sendMessages } from '../../interact/send-messages.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import type { Store } from '../../store/engine.js'
import type {
  CampaignDeps,
  OfferSource,
  RenderedContent,
  SegmentSource,
  TemplateSource,
} from './campaign-ports.js'

/**
 * Test doubles for the ports campaigns use, so the queue, launch and worker can be tested on
 * their own: templates that render `"<name> for <customer>"`, segments from a map, no offers.
 * The end-to-end test uses the real template, segment and offer modules instead.
 */
export function fixedTemplates(names: readonly string[]): TemplateSource {
  const known = new Set(names)
  return {
    check: (name, path) =>
      Promise.resolve(
        known.has(name)
          ? []
          : [{ path, code: 'unknown_template' as const, message: `no template "${name}"` }],
      ),
    prepare: (name) =>
      Promise.resolve(
        ok({
          startRender: (ids: readonly string[]) =>
            Promise.resolve({
              rendered: Promise.resolve(
                new Map(
                  ids.map((id) => [
                    id,
                    ok<RenderedContent>({
                      subject: name,
                      text: `${name} for ${id}`,
                      html: null,
                    }),
                  ]),
                ),
              ),
            }),
        }),
      ),
  }
}

export function fixedSegments(
  segments: Readonly<Record<string, readonly string[]>>,
): SegmentSource {
  return {
    find: (id) => Promise.resolve(id in segments ? { id, name: id } : null),
    members: (id) => Promise.resolve(new Set(segments[id] ?? [])),
    refresh: () => Promise.resolve(),
  }
}

export const NO_OFFERS: OfferSource = {
  problems: () => Promise.resolve([]),
  chooseBatch: (ids) => Promise.resolve(new Map(ids.map((id) => [id, null]))),
  recordPresented: () => Promise.resolve(),
}

export interface CampaignFixture {
  readonly clock: ManualClock
  readonly deps: CampaignDeps
  /** Messages the in-app channel was handed, by customer. */
  readonly handed: string[]
  /** Adds `n` customers (u0…) consenting to in_app/news; returns their ids. */
  addCustomers(n: number, options?: { consent?: boolean; from?: number }): Promise<string[]>
}

/** Tuesday 2026-03-10 12:00 UTC. */
export const CAMPAIGN_T0 = Date.UTC(2026, 2, 10, 12)

export function campaignFixture(
  store: Store,
  ports: { templates?: TemplateSource; segments?: SegmentSource; offers?: OfferSource } = {},
): CampaignFixture {
  const clock = manualClock(CAMPAIGN_T0)
  const handed: string[] = []
  const inApp = createInAppChannel(clock)
  const counting: Channel = {
    ...inApp,
    send: (envelope) => {
      handed.push(envelope.customerId)
      return inApp.send(envelope)
    },
  }
  const interact: InteractDeps = {
    db: store.db,
    clock,
    channels: { in_app: counting },
    links: createMessageLinks('http://idic.test', 'test-secret-test-secret-test-secret', clock),
    policy: { ...DEFAULT_CONTACT_POLICY, caps: {} },
  }
  return {
    clock,
    handed,
    deps: {
      store,
      interact,
      templates: ports.templates ?? fixedTemplates(['hello']),
      segments: ports.segments ?? fixedSegments({}),
      offers: ports.offers ?? NO_OFFERS,
      send: sendMessages,
    },
    addCustomers: async (n, options = {}) => {
      const from = options.from ?? 0
      const report = await ingestEvents(
        { store, clock },
        Array.from({ length: n }, (_, i) => ({
          type: 'identify',
          userId: `u${from + i}`,
          traits: { email: `u${from + i}@example.com` },
        })),
      )
      const ids = Array.from({ length: n }, (_, i) => report.customers.get(i)!)
      if (options.consent !== false) {
        for (const id of ids) {
          await setConsent(
            store.db,
            id,
            { channel: 'in_app', topic: 'news', granted: true, source: 'test' },
            clock.now(),
          )
        }
      }
      return ids
    },
  }
}
