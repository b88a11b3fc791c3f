import { expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { createMessageLinks } from '../../interact/message-links.js'
import { verifyToken } from '../../interact/signed-token.js'
import { seedTemplateShop, TEMPLATE_SHOP_T0 } from '../../../test-support/template-shop.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { trainAndStoreRecommender } from '../recommend/recommendation-service.js'
import { withLiveRecommendations } from './recommendation-source.js'
import { buildTemplateContext, buildTemplateContexts } from './template-context.js'
import type { TemplateDefinition } from './template-definition.js'
import {
  deleteTemplate,
  loadTemplateSet,
  previewTemplate,
  saveTemplate,
} from './template-service.js'
import { compileMessageTemplate, renderMessage } from './render-message.js'
import type { TemplateSettings } from './template-settings.js'
import { listStoredTemplates } from './templates.repository.js'

const SETTINGS: TemplateSettings = {
  shopName: 'Green Thumb',
  shopUrl: 'https://green.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}
const SECRET = 'x'.repeat(32)

function def(
  name: string,
  kind: TemplateDefinition['kind'],
  html: string,
  more: Partial<TemplateDefinition> = {},
): TemplateDefinition {
  return { name, kind, subject: null, html, text: null, layout: null, channel: null, ...more }
}

const LAYOUT = def(
  'base',
  'layout',
  '<main>{% block %}{% endblock %}</main><a href="{{ links.unsubscribe }}">Unsubscribe</a>',
)
const CARD = def(
  'card',
  'partial',
  '<li><a href="{{ item.url }}">{{ item.name }}</a> {{ item.price | money }}</li>',
)
const MESSAGE = def(
  'picks',
  'message',
  [
    '<p>Hi {{ customer.firstName | default: "there" }}, {{ customer.traits.bio }}</p>',
    '{% if value.scored %}<p>{{ value.tierName }}: CLV {{ value.clv | money }}, {{ value.pAlive | percent }} active</p>{% endif %}',
    '<ul>{% for item in recommendations.forYou limit: 3 %}{% render "card", item: item %}{% endfor %}</ul>',
    '{% if recommendations.becauseYouBought.anchor %}<p>With {{ recommendations.becauseYouBought.anchor.name }}</p>{% endif %}',
    '<p>Since {{ customer.firstSeenAt | local_date: "%Y-%m-%d %H:%M" }}</p>',
  ].join('\n'),
  { subject: 'Picks for {{ customer.firstName | default: "you" }}', layout: 'base' },
)

describeEachEngine('templates', (current) => {
  const clock = manualClock(TEMPLATE_SHOP_T0)
  const store = () => ({ db: current().db, clock, settings: SETTINGS })
  const contextDeps = () =>
    withLiveRecommendations({
      ...store(),
      links: createMessageLinks('https://idic.example', SECRET, clock),
    })

  async function saveAll(): Promise<void> {
    for (const t of [LAYOUT, CARD, MESSAGE]) {
      const saved = await saveTemplate(store(), t)
      if (!saved.ok) throw new Error(JSON.stringify(saved.error))
    }
  }

  it('saves, versions, lists and refuses to delete what is in use', async () => {
    await saveAll()
    const again = await saveTemplate(store(), { ...CARD, html: '<li>{{ item.name }}</li>' })
    expect(again.ok && again.value.version).toBe(2)
    expect(await saveTemplate(store(), CARD, { mode: 'create' })).toMatchObject({
      ok: false,
      error: { type: 'template_exists' },
    })
    expect(
      await saveTemplate(store(), def('nope', 'partial', 'x'), { mode: 'update' }),
    ).toMatchObject({
      ok: false,
      error: { type: 'template_not_found' },
    })
    expect(await saveTemplate(store(), CARD, { expectedVersion: 1 })).toMatchObject({
      ok: false,
      error: { type: 'version_conflict', expected: 1, actual: 2 },
    })
    const all = await listStoredTemplates(current().db)
    expect(all.map((t) => [t.name, t.kind, t.version, t.uses])).toEqual([
      ['base', 'layout', 1, []],
      ['card', 'partial', 2, []],
      ['picks', 'message', 1, ['base', 'card']],
    ])
    expect(await deleteTemplate(current().db, 'card')).toEqual({
      ok: false,
      error: { type: 'template_in_use', name: 'card', users: ['picks'] },
    })
    expect((await deleteTemplate(current().db, 'picks')).ok).toBe(true)
    expect((await deleteTemplate(current().db, 'card')).ok).toBe(true)
    expect(await deleteTemplate(current().db, 'card')).toMatchObject({
      ok: false,
      error: { type: 'template_not_found' },
    })
  })

  it('stores nothing when a template has problems', async () => {
    await saveAll()
    const bad = await saveTemplate(store(), { ...MESSAGE, html: '{{ customer.frist_name }}' })
    expect(bad).toMatchObject({
      ok: false,
      error: {
        type: 'invalid_template',
        problems: [{ part: 'html', line: 1, column: 4, variable: 'customer.frist_name' }],
      },
    })
    // A partial change that would break a message that uses it is refused too.
    const breaking = await saveTemplate(store(), { ...CARD, html: '{{ item.title }}' })
    expect(breaking.ok).toBe(false)
    const stored = await listStoredTemplates(current().db)
    expect(stored.find((t) => t.name === 'picks')?.version).toBe(1)
    expect(stored.find((t) => t.name === 'card')?.html).toBe(CARD.html)
  })

  it('previews a message for a real customer with value figures and recommendation lists', async () => {
    await seedTemplateShop(current())
    await saveAll()
    await trainAndStoreRecommender(
      { db: current().db, clock },
      { kind: 'item-knn', params: { neighbours: 5 } },
    )
    const preview = await previewTemplate(contextDeps(), 'picks', 'c0')
    if (!preview.ok) throw new Error(JSON.stringify(preview.error))
    const { subject, html, text } = preview.value.rendered
    expect(subject).toBe('Picks for Ada')
    expect(html).toContain('Hi Ada, &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>')
    expect(html).not.toContain('<script>')
    expect(html).toContain('<p>Most valuable: CLV €412.50, 87% active</p>')
    // c0 bought g1 only: the trained model suggests the rest of the garden family.
    expect(html).toContain(
      '<li><a href="https://green.example/g2-special">Garden item G2</a> €12.50</li>',
    )
    expect(html).toContain(
      '<li><a href="https://green.example/products/g3">Garden item G3</a> €15.00</li>',
    )
    expect(html).not.toContain('Garden item G1</a>')
    expect(html).toContain('<p>With Garden item G1</p>')
    // First seen 2025-12-06T10:00Z, shown in Ada's Tokyo time.
    expect(html).toContain('<p>Since 2025-12-06 19:00</p>')
    const unsubscribe = /href="https:\/\/idic\.example\/u\/([^"]+)"/.exec(html)?.[1]
    expect(unsubscribe).toBeDefined()
    expect(verifyToken(SECRET, 'unsub', unsubscribe!, clock.now())).toMatchObject({
      ok: true,
      value: { c: 'c0', ch: 'email', t: '*' },
    })
    expect(text).toContain('Most valuable: CLV €412.50, 87% active')
    expect(text).toContain('Garden item G2 (https://green.example/g2-special) €12.50')
  })

  it('builds contexts in batches: unscored customers, no model, unknown ids', async () => {
    await seedTemplateShop(current())
    const deps = contextDeps()
    const single = await buildTemplateContext(deps, 'c1')
    if (!single.ok) throw new Error('c1 missing')
    expect(single.value.value).toMatchObject({ scored: false, clv: null, tier: null })
    expect(single.value.customer).toMatchObject({
      id: 'c1',
      email: null,
      firstName: null,
      currency: 'EUR',
      timezone: null,
    })
    // No trained model: popularity from the store, as the recommendations API serves it.
    expect(single.value.recommendations.model).toBe('popularity:live')
    expect(single.value.recommendations.forYou.map((i) => i.id)).not.toContain('k1')
    expect(await buildTemplateContext(deps, 'ghost')).toEqual({
      ok: false,
      error: { type: 'customer_not_found', customerId: 'ghost' },
    })
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`)
    const batch = await buildTemplateContexts(deps, [...ids, 'ghost'], {
      campaign: { id: 'cmp1', name: 'Spring' },
      offerFor: (id) =>
        id === 'c2'
          ? {
              id: 'o1',
              name: '10% off',
              kind: 'discount',
              description: null,
              discountPercent: 10,
              code: 'TEN',
              url: null,
              expiresAt: null,
              products: [],
            }
          : null,
      needs: { value: true, links: false, forYou: true, becauseYouBought: false, discovery: false },
      listLength: 2,
    })
    expect(batch.missing).toEqual(['ghost'])
    expect([...batch.contexts.keys()].sort()).toEqual(ids)
    const c2 = batch.contexts.get('c2')!
    expect(c2.offer?.code).toBe('TEN')
    expect(batch.contexts.get('c3')!.offer).toBeNull()
    expect(c2.campaign).toEqual({ id: 'cmp1', name: 'Spring' })
    expect(c2.customer).toMatchObject({ firstName: 'Customer', name: 'Customer 2' })
    expect(c2.links).toEqual({ preferences: '', unsubscribe: '' })
    expect(c2.recommendations.discovery).toEqual([])
    for (const c of batch.contexts.values()) {
      expect(c.recommendations.forYou.length).toBeLessThanOrEqual(2)
    }
  })

  it('renders an empty store: lists are empty, not errors', async () => {
    await current()
      .db.insertInto('customers')
      .values({
        id: 'solo',
        traits: '{}',
        email: null,
        first_seen_at: 0,
        last_seen_at: 0,
        manager_id: null,
        created_at: 0,
      })
      .execute()
    await saveAll()
    const set = await loadTemplateSet(current().db, SETTINGS)
    const compiled = compileMessageTemplate(set, MESSAGE)
    if (!compiled.ok) throw new Error('compile')
    const context = await buildTemplateContext(contextDeps(), 'solo', {
      needs: compiled.value.needs,
    })
    if (!context.ok) throw new Error('context')
    expect(context.value.recommendations.forYou).toEqual([])
    const rendered = renderMessage(compiled.value, context.value)
    expect(rendered.ok && rendered.value.html).toContain('<ul></ul>')
    expect(rendered.ok && rendered.value.subject).toBe('Picks for you')
  })
})
