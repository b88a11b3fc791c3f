import { afterEach, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { InfrastructureError } from '../../core/errors.js'
import { scoreCustomers } from '../../differentiate/value/score-customers.js'
import { loadDemoShop } from '../../identify/demo/load-demo-shop.js'
import { createInAppChannel } from '../../interact/channels/in-app-channel.js'
import { DEFAULT_CONTACT_POLICY } from '../../interact/contact-pressure.js'
import type { InteractDeps } from '../../interact/interact-deps.js'
import { createMessageLinks } from '../../interact/message-links.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { createOffer } from '../offers/offer-service.js'
import { trainAndStoreRecommender } from '../recommend/recommendation-service.js'
import { withLiveRecommendations } from '../templates/recommendation-source.js'
import { RenderThread } from '../templates/render-batches-in-worker.js'
import { compileMessageTemplate, renderMessage } from '../templates/render-message.js'
import { createTemplateSet } from '../templates/liquid-engine.js'
import { buildTemplateContexts } from '../templates/template-context.js'
import { saveTemplate } from '../templates/template-service.js'
import type { TemplateSettings } from '../templates/template-settings.js'
import { listStoredTemplates } from '../templates/templates.repository.js'
import { storedTemplateSource } from './campaign-adapters.js'
import type { CampaignDeps, PreparedTemplate, RenderedBatch } from './campaign-ports.js'
import { buildCampaignDeps } from './campaign-services.js'
import { runCampaignWorker } from './campaign-worker.js'
import { createCampaign, launchCampaign } from './launch-campaign.js'
import { grantInAppNewsToAll } from '../../../test-support/in-app-consents.js'

const SETTINGS: TemplateSettings = {
  shopName: 'Demo shop',
  shopUrl: 'https://shop.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}
const NOW = Date.UTC(2026, 5, 1)
const PICKS = {
  name: 'picks',
  kind: 'message' as const,
  subject: '{{ customer.firstName | default: "Hello" }}, picked for you',
  html: [
    '<p>Hi {{ customer.firstName | default: "there" }},</p>',
    '{% if value.scored %}<p>{{ value.tierName }}: {{ value.clv | money }}</p>{% endif %}',
    '<ul>{% for item in recommendations.forYou limit: 4 %}<li><a href="{{ item.url }}">{{ item.name }}</a> ({{ item.reason }})</li>{% endfor %}</ul>',
    '{% if recommendations.becauseYouBought.anchor %}<p>{{ recommendations.becauseYouBought.anchor.name }}: {% for item in recommendations.becauseYouBought.items limit: 2 %}{{ item.name }} {% endfor %}</p>{% endif %}',
    '<p>{% for item in recommendations.discovery limit: 2 %}{{ item.name }} {% endfor %}</p>',
    '{% if offer %}<p>{{ offer.name }}</p>{% endif %}',
    '<p><a href="{{ links.unsubscribe }}">Unsubscribe</a></p>',
  ].join('\n'),
  text: null,
  layout: null,
  channel: 'in_app' as const,
}

const threads: RenderThread[] = []
afterEach(async () => {
  for (const thread of threads.splice(0)) await thread.close()
})

describeEachEngine('campaign messages rendered on the render thread', (current) => {
  async function shop() {
    const store = current()
    const clock = manualClock(NOW)
    await loadDemoShop({ store, clock }, { customers: 60, seed: 5 })
    const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
    if (!scored.ok) throw new Error(JSON.stringify(scored.error))
    await trainAndStoreRecommender({ db: store.db, clock }, { kind: 'item-knn' })
    const saved = await saveTemplate({ db: store.db, clock, settings: SETTINGS }, PICKS)
    if (!saved.ok) throw new Error(JSON.stringify(saved.error))
    const created = await createOffer(
      store.db,
      { name: 'Brewing guide', kind: 'content', margin: 1, cost: 0.05 },
      clock.now(),
    )
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const ids = await grantInAppNewsToAll(store.db, clock.now())
    const links = createMessageLinks(
      'http://idic.test',
      'test-secret-test-secret-test-secret',
      clock,
    )
    const contextDeps = withLiveRecommendations({
      db: store.db,
      clock,
      settings: SETTINGS,
      links,
      sqlite: store.sqliteStatements,
    })
    const interact: InteractDeps = {
      db: store.db,
      clock,
      channels: { in_app: createInAppChannel(clock) },
      links,
      policy: DEFAULT_CONTACT_POLICY,
    }
    return { store, clock, ids, contextDeps, interact }
  }

  async function prepared(source: ReturnType<typeof storedTemplateSource>) {
    const result = await source.prepare('picks')
    if (!result.ok) throw new Error(JSON.stringify(result.error))
    return result.value
  }

  it('renders the same messages as this thread and as the preview path', async () => {
    const { store, ids, contextDeps } = await shop()
    const thread = new RenderThread()
    threads.push(thread)
    const offer = {
      id: 'off_1',
      name: 'Brewing guide',
      kind: 'content',
      description: null,
      discountPercent: null,
      code: null,
      url: null,
      expiresAt: null,
      products: [],
    }
    const extras = {
      campaign: { id: 'cmp_1', name: 'Picks' },
      channel: 'in_app',
      topic: 'news',
      offers: new Map(ids.map((id, i) => [id, i % 2 === 0 ? offer : null])),
    }
    const asked = [...ids, 'cus_ghost']
    const render = async (template: PreparedTemplate): Promise<RenderedBatch> =>
      (await template.startRender(asked, extras)).rendered
    const onThread = await render(
      await prepared(storedTemplateSource(contextDeps, { renderThread: thread })),
    )
    const here = await render(await prepared(storedTemplateSource(contextDeps)))
    expect(onThread).toEqual(here)
    expect(onThread.get('cus_ghost')).toMatchObject({
      ok: false,
      error: { type: 'customer_not_found' },
    })

    // The preview path (buildTemplateContexts, renderMessage) gives the same messages.
    const stored = await listStoredTemplates(store.db)
    const compiled = compileMessageTemplate(
      createTemplateSet(stored, SETTINGS),
      stored.find((t) => t.name === 'picks')!,
    )
    if (!compiled.ok) throw new Error('does not compile')
    const { contexts } = await buildTemplateContexts(contextDeps, ids, {
      campaign: extras.campaign,
      channel: 'in_app',
      topic: 'news',
      needs: compiled.value.needs,
      offerFor: (id) => extras.offers.get(id) ?? null,
    })
    let withLists = 0
    for (const id of ids) {
      const preview = renderMessage(compiled.value, contexts.get(id)!)
      if (!preview.ok) throw new Error(JSON.stringify(preview.error))
      expect(onThread.get(id)).toEqual({ ok: true, value: preview.value })
      if (preview.value.html.includes('<li>')) withLists++
    }
    expect(withLists).toBeGreaterThan(ids.length / 2)
  })

  it('a render thread that dies fails its batch (retryable) and the next batch gets a new one', async () => {
    const { contextDeps, ids } = await shop()
    const thread = new RenderThread()
    threads.push(thread)
    const template = await prepared(storedTemplateSource(contextDeps, { renderThread: thread }))
    const extras = { campaign: { id: 'cmp_1', name: 'Picks' }, channel: 'in_app', topic: 'news' }
    const pending = await template.startRender(ids, extras)
    await thread.close()
    const failure: unknown = await pending.rendered.catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(InfrastructureError)
    expect(failure).toMatchObject({ code: 'render_thread_died', retryable: true })
    const again = await (await template.startRender(ids, extras)).rendered
    expect([...again.values()].every((r) => r.ok)).toBe(true)
  })

  it('the worker sends a batch whose render thread died on a later try, once', async () => {
    const { store, clock, ids, contextDeps, interact } = await shop()
    const thread = new RenderThread()
    threads.push(thread)
    const real = storedTemplateSource(contextDeps, { renderThread: thread })
    let kills = 1
    const deps: CampaignDeps = {
      ...buildCampaignDeps(store, interact, SETTINGS, { renderThread: false }),
      templates: {
        ...real,
        prepare: async (name) => {
          const result = await real.prepare(name)
          if (!result.ok) return result
          return {
            ok: true,
            value: {
              startRender: async (customerIds, extras) => {
                const pending = await result.value.startRender(customerIds, extras)
                if (kills-- > 0) await thread.close()
                return pending
              },
            },
          }
        },
      },
    }
    const created = await createCampaign(
      deps,
      {
        name: 'Picks',
        strategy: 'one-to-one',
        channel: 'in_app',
        topic: 'news',
        templateName: 'picks',
        holdoutShare: 0,
      },
      clock.now(),
    )
    if (!created.ok) throw new Error(JSON.stringify(created.error))
    const launched = await launchCampaign(deps, created.value.id, clock.now())
    if (!launched.ok) throw new Error(JSON.stringify(launched.error))
    const backoff = { baseMs: 1000, maxMs: 1000 }
    const first = await runCampaignWorker(deps, { workerId: 'w1', batchSize: 25, backoff })
    expect(first).toMatchObject({ claimed: ids.length, retried: 25, failed: 0 })
    expect(first.sent).toBe(ids.length - 25)
    clock.advance(1000)
    const second = await runCampaignWorker(deps, { workerId: 'w2', batchSize: 25, backoff })
    expect(second).toMatchObject({ claimed: 25, sent: 25, duplicates: 0, failed: 0 })
    const messages = await store.db
      .selectFrom('messages')
      .select('customer_id')
      .where('idempotency_key', 'like', `campaign:${created.value.id}:%`)
      .execute()
    expect(messages).toHaveLength(ids.length)
    expect(new Set(messages.map((m) => m.customer_id)).size).toBe(ids.length)
  })
})
