import { afterEach, expect, it } from 'vitest'
import { seedTemplateShop, TEMPLATE_SHOP_T0 } from '../../../test-support/template-shop.js'
import { callApi, openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { trainAndStoreRecommender } from '../../customize/recommend/recommendation-service.js'
import { createApiKey } from '../../store/api-keys.repository.js'

const LAYOUT = {
  name: 'base',
  kind: 'layout',
  html: '<main>{% block %}{% endblock %}</main><footer>{{ shop.name }}</footer>',
}
const CARD = {
  name: 'card',
  kind: 'partial',
  html: '<li>{{ item.name }} {{ item.price | money }}</li>',
}
const PICKS = {
  name: 'picks',
  subject: 'For you, {{ customer.firstName | default: "friend" }}',
  html: [
    '<p>{{ customer.traits.bio }}</p>',
    '{% if value.scored %}<p>{{ value.tierName }} · {{ value.clv | money }}</p>{% endif %}',
    '<ul>{% for item in recommendations.forYou limit: 2 %}{% render "card", item: item %}{% endfor %}</ul>',
  ].join('\n'),
  layout: 'base',
  channel: 'email',
}

describeEachEngine('template routes', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })
  const call = callApi

  it('creates, lists, shows, replaces and deletes templates', async () => {
    t = await openTestApp(current(), TEMPLATE_SHOP_T0)
    for (const body of [LAYOUT, CARD, PICKS]) {
      const res = await call(t, 'POST', '/v1/templates', body)
      expect(res.statusCode, res.body).toBe(201)
    }
    expect((await call(t, 'POST', '/v1/templates', CARD)).statusCode).toBe(409)
    const list = await call(t, 'GET', '/v1/templates')
    expect(
      list.json().templates.map((x: { name: string; uses: string[] }) => [x.name, x.uses]),
    ).toEqual([
      ['base', []],
      ['card', []],
      ['picks', ['base', 'card']],
    ])
    const shown = await call(t, 'GET', '/v1/templates/picks')
    expect(shown.json()).toMatchObject({
      kind: 'message',
      version: 1,
      layout: 'base',
      channel: 'email',
    })
    const replaced = await call(t, 'PUT', '/v1/templates/card', {
      html: '<li>{{ item.name }}</li>',
      expectedVersion: 1,
    })
    expect(replaced.statusCode, replaced.body).toBe(200)
    expect(replaced.json()).toMatchObject({ kind: 'partial', version: 2 })
    const stale = await call(t, 'PUT', '/v1/templates/card', { html: 'x', expectedVersion: 1 })
    expect(stale.statusCode).toBe(409)
    expect(stale.json().error.code).toBe('version_conflict')
    const inUse = await call(t, 'DELETE', '/v1/templates/card')
    expect(inUse.statusCode).toBe(409)
    expect(inUse.json().error).toMatchObject({
      code: 'template_in_use',
      details: { users: ['picks'] },
    })
    expect((await call(t, 'DELETE', '/v1/templates/picks')).json()).toEqual({ deleted: 'picks' })
    expect((await call(t, 'DELETE', '/v1/templates/card')).statusCode).toBe(200)
    expect((await call(t, 'GET', '/v1/templates/card')).statusCode).toBe(404)
    expect((await call(t, 'PUT', '/v1/templates/card', { html: 'x' })).statusCode).toBe(404)
  })

  it('refuses a template with problems, each with part, line, column and message', async () => {
    t = await openTestApp(current(), TEMPLATE_SHOP_T0)
    const res = await call(t, 'POST', '/v1/templates', {
      name: 'broken',
      subject: 'Hi {{ customer.frist_name }}',
      html: '<p>\n  {{ value.clv | moneyy }}</p>',
      layout: 'nolayout',
    })
    expect(res.statusCode).toBe(400)
    const error = res.json().error
    expect(error.code).toBe('invalid_template')
    expect(error.message).toContain('has 3 problems')
    expect(error.details).toEqual([
      expect.objectContaining({
        type: 'missing_layout',
        part: 'template',
        line: null,
        column: null,
        message: 'no layout named "nolayout"',
      }),
      expect.objectContaining({
        type: 'unknown_variable',
        part: 'subject',
        line: 1,
        column: 7,
        message: 'unknown variable customer.frist_name',
        variable: 'customer.frist_name',
        known: expect.arrayContaining(['customer.firstName']),
      }),
      expect.objectContaining({ type: 'unknown_filter', part: 'html', line: 2, column: 3 }),
    ])
    expect((await call(t, 'GET', '/v1/templates/broken')).statusCode).toBe(404)
    const badName = await call(t, 'POST', '/v1/templates', { name: 'has space', html: 'x' })
    expect(badName.statusCode).toBe(400)
    expect(badName.json().error.message).toContain('body/name')
  })

  it('previews a message for a customer named by email, with value figures and lists', async () => {
    await seedTemplateShop(current())
    t = await openTestApp(current(), TEMPLATE_SHOP_T0)
    for (const body of [LAYOUT, CARD, PICKS]) await call(t, 'POST', '/v1/templates', body)
    await trainAndStoreRecommender(
      { db: current().db, clock: t.clock },
      { kind: 'item-knn', params: { neighbours: 5 } },
    )
    const res = await call(t, 'POST', '/v1/templates/picks/preview', {
      identity: 'ada@example.com',
    })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({
      template: 'picks',
      version: 1,
      customerId: 'c0',
      subject: 'For you, Ada',
    })
    expect(body.html).toContain('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>')
    expect(body.html).toContain('<p>Most valuable · €412.50</p>')
    expect(body.html).toMatch(
      /<ul><li>Garden item G[23] €1\d\.\d0<\/li><li>Garden item G[23] €1\d\.\d0<\/li><\/ul>/,
    )
    expect(body.html).toContain('<footer>')
    expect(body.text).toContain('Most valuable · €412.50')
    // The text part is plain text: the trait reads as the customer wrote it, not as markup.
    expect(body.text).toContain('<script>alert("x")</script>')
    expect(body.text).not.toContain('<li>')

    const unscored = await call(t, 'POST', '/v1/templates/picks/preview', { identity: 'c1' })
    expect(unscored.json().subject).toBe('For you, friend')
    expect(unscored.json().html).not.toContain('Most valuable')
    expect(
      (await call(t, 'POST', '/v1/templates/picks/preview', { identity: 'nobody' })).statusCode,
    ).toBe(404)
    expect(
      (await call(t, 'POST', '/v1/templates/none/preview', { identity: 'c0' })).statusCode,
    ).toBe(404)
    const partial = await call(t, 'POST', '/v1/templates/card/preview', { identity: 'c0' })
    expect(partial.statusCode).toBe(400)
  })

  it('lets analysts in and keeps managers and write keys out', async () => {
    t = await openTestApp(current(), TEMPLATE_SHOP_T0)
    const analyst = await createApiKey(
      current().db,
      { name: 'a', role: 'analyst' },
      TEMPLATE_SHOP_T0,
    )
    const created = await call(t, 'POST', '/v1/templates', CARD, `Bearer ${analyst.key}`)
    expect(created.statusCode).toBe(201)
    const manager = await createApiKey(
      current().db,
      { name: 'm', role: 'manager' },
      TEMPLATE_SHOP_T0,
    )
    expect(
      (await call(t, 'GET', '/v1/templates', undefined, `Bearer ${manager.key}`)).statusCode,
    ).toBe(403)
    expect((await call(t, 'GET', '/v1/templates', undefined, t.basic)).statusCode).toBe(403)
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/templates',
        '/v1/templates/{name}',
        '/v1/templates/{name}/preview',
      ]),
    )
  })
})
