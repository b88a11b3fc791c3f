import { describe, expect, it } from 'vitest'
import { sampleTemplateContext } from './context-schema.js'
import { CustomerTraits } from './customer-traits.js'
import { htmlToText } from './html-to-text.js'
import { createTemplateSet } from './liquid-engine.js'
import { compileMessageTemplate, renderMessage, type CompiledMessage } from './render-message.js'
import type { TemplateContext } from './template-context.js'
import type { TemplateDefinition } from './template-definition.js'
import type { TemplateSettings } from './template-settings.js'

const SETTINGS: TemplateSettings = {
  shopName: 'Green Thumb',
  shopUrl: 'https://green.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}

export function template(
  name: string,
  kind: TemplateDefinition['kind'],
  html: string,
  more: Partial<TemplateDefinition> = {},
): TemplateDefinition {
  return { name, kind, subject: null, html, text: null, layout: null, channel: null, ...more }
}

const LAYOUT = template(
  'base',
  'layout',
  '<html><body>{% block %}{% endblock %}<footer>{% block footer %}{{ shop.name }}{% endblock %}</footer></body></html>',
  { text: '{% block %}{% endblock %}\n-- {{ shop.name }}' },
)
const CARD = template('card', 'partial', '<li>{{ item.name }}: {{ item.price | money }}</li>', {
  text: '* {{ item.name }}: {{ item.price | money }}',
})

function compile(t: TemplateDefinition, others: TemplateDefinition[] = [LAYOUT, CARD]) {
  const set = createTemplateSet([...others, t], SETTINGS)
  const compiled = compileMessageTemplate(set, t)
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.error.problems))
  return compiled.value
}

const SHOP = { name: SETTINGS.shopName, url: SETTINGS.shopUrl, currency: SETTINGS.currency }

function render(compiled: CompiledMessage, context: TemplateContext = sampleTemplateContext(SHOP)) {
  const rendered = renderMessage(compiled, context)
  if (!rendered.ok) throw new Error(JSON.stringify(rendered.error))
  return rendered.value
}

function withCustomer(patch: Partial<TemplateContext['customer']>): TemplateContext {
  const sample = sampleTemplateContext(SHOP)
  return { ...sample, customer: { ...sample.customer, ...patch } }
}

describe('renderMessage', () => {
  it('wraps a message in its layout, fills blocks and renders partials with the context', () => {
    const compiled = compile(
      template(
        'hello',
        'message',
        '<p>Hi {{ customer.firstName }}</p><ul>{% for item in recommendations.forYou limit: 2 %}{% render "card", item: item %}{% endfor %}</ul>{% block footer %}Bye from {{ shop.name }}{% endblock %}',
        {
          subject: 'For you, {{ customer.firstName }}',
          layout: 'base',
          text: 'Hi {{ customer.firstName }}\n{% for item in recommendations.forYou limit: 2 %}{% render "card", item: item %}\n{% endfor %}',
        },
      ),
    )
    const out = render(compiled)
    expect(out.subject).toBe('For you, Ada')
    expect(out.html).toBe(
      '<html><body><p>Hi Ada</p><ul><li>Rose pruner: €24.90</li><li>Watering can: €18.50</li></ul><footer>Bye from Green Thumb</footer></body></html>',
    )
    expect(out.text).toBe('Hi Ada\n* Rose pruner: €24.90\n* Watering can: €18.50\n\n-- Green Thumb')
    expect(compiled.needs).toEqual({
      value: false,
      links: false,
      forYou: true,
      becauseYouBought: false,
      discovery: false,
    })
  })

  it('escapes customer-supplied traits in the HTML part but not in the text part', () => {
    const compiled = compile(
      template('x', 'message', '<p>{{ customer.firstName }} {{ customer.traits.bio }}</p>', {
        text: '{{ customer.firstName }} {{ customer.traits.bio }}',
        subject: '{{ customer.firstName }}',
      }),
    )
    const context = withCustomer({
      firstName: '<script>alert(1)</script>',
      traits: new CustomerTraits({ bio: 'Tom & "Jerry"' }),
    })
    const out = render(compiled, context)
    expect(out.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; &#34;Jerry&#34;</p>')
    expect(out.html).not.toContain('<script>')
    expect(out.text).toBe('<script>alert(1)</script> Tom & "Jerry"')
    expect(out.subject).toBe('<script>alert(1)</script>')
  })

  it('reads a trait the customer lacks as nil, so default applies, while other names stay strict', () => {
    const compiled = compile(
      template('x', 'message', '{{ customer.traits.nickname | default: "friend" }}'),
    )
    expect(render(compiled).html).toBe('friend')
    const strict = compile(
      template(
        'y',
        'message',
        '{% for item in recommendations.forYou %}{{ item.name }}{% endfor %}',
      ),
    )
    const broken = withCustomer({})
    const bad = {
      ...broken,
      recommendations: {
        ...broken.recommendations,
        forYou: [{ id: 'p' } as unknown as TemplateContext['recommendations']['forYou'][number]],
      },
    }
    const result = renderMessage(strict, bad)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.problem).toMatchObject({
        type: 'unknown_variable',
        part: 'html',
        line: 1,
        column: 44,
        message: 'unknown variable item.name',
      })
    }
  })

  it('skips guarded list items of an empty list and reads nil objects as nil', () => {
    const sample = sampleTemplateContext(SHOP)
    const empty: TemplateContext = {
      ...sample,
      offer: null,
      recommendations: { ...sample.recommendations, forYou: [] },
    }
    const guarded = compile(
      template(
        'g',
        'message',
        '{% if recommendations.forYou.first %}{{ recommendations.forYou.first.name }}{% endif %}[{{ offer.name }}]',
      ),
    )
    expect(render(guarded, empty).html).toBe('[]')
    const indexed = compile(template('i', 'message', '{{ recommendations.forYou[0].name }}'))
    const failed = renderMessage(indexed, empty)
    expect(failed.ok ? 'rendered' : failed.error.problem.type).toBe('unknown_variable')
  })

  it('formats money in the customer currency and locale unless the filter names one', () => {
    const compiled = compile(
      template(
        'm',
        'message',
        '{{ 12.5 | money }}|{{ 12.5 | money: "USD" }}|{{ 1234.5 | money: "JPY" }}|{{ customer.traits.none | money }}|{{ value.shareOfWallet | percent }}|{{ 0.256 | percent: 1 }}',
      ),
    )
    expect(render(compiled).html).toBe('€12.50|US$12.50|JP¥1,235||65%|25.6%')
    // The customer's locale and currency, as Intl formats them (its spaces are no-break ones).
    const de = (currency: string, amount: number): string =>
      new Intl.NumberFormat('de-DE', { style: 'currency', currency }).format(amount)
    const pct = (share: number, digits: number): string =>
      new Intl.NumberFormat('de-DE', {
        style: 'percent',
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }).format(share)
    const german = withCustomer({ locale: 'de-DE', currency: 'CHF' })
    expect(render(compiled, german).html).toBe(
      [de('CHF', 12.5), de('USD', 12.5), de('JPY', 1234.5), '', pct(0.65, 0), pct(0.256, 1)].join(
        '|',
      ),
    )
    expect(de('CHF', 12.5)).toMatch(/^12,50\sCHF$/)
  })

  it("formats date in the settings' zone and local_date in the customer's", () => {
    const compiled = compile(
      template(
        'd',
        'message',
        '{{ "2026-07-01T22:30:00Z" | date: "%Y-%m-%d %H:%M" }}|{{ "2026-07-01T22:30:00Z" | local_date: "%Y-%m-%d %H:%M" }}',
      ),
    )
    expect(render(compiled, withCustomer({ timezone: 'Asia/Tokyo' })).html).toBe(
      '2026-07-01 22:30|2026-07-02 07:30',
    )
    expect(render(compiled, withCustomer({ timezone: null })).html).toBe(
      '2026-07-01 22:30|2026-07-01 22:30',
    )
    // Daylight saving time: Paris is UTC+1 in January and UTC+2 in July; %z and %Z still work.
    const paris = compile(
      template(
        'p',
        'message',
        '{{ "2026-01-15T12:00:00Z" | local_date: "%H:%M %z" }}|{{ "2026-07-15T12:00:00Z" | local_date: "%H:%M %z %Z" }}|{{ 1767225600 | local_date: "%Y-%m-%d %H:%M" }}',
      ),
    )
    expect(render(paris, withCustomer({ timezone: 'Europe/Paris' })).html).toBe(
      '13:00 +0100|14:00 +0200 Europe/Paris|2026-01-01 01:00',
    )
    const newYork = createTemplateSet([], { ...SETTINGS, timezone: 'America/New_York' })
    const t = newYork.html.parse(
      '{{ "2026-03-08T06:59:00Z" | date: "%H:%M" }} {{ "2026-03-08T07:00:00Z" | date: "%H:%M" }}',
    )
    expect(newYork.html.renderSync(t)).toBe('01:59 03:00')
  })

  it('generates the text part from the HTML when there is none', () => {
    const compiled = compile(
      template(
        'g',
        'message',
        '<h1>Hello {{ customer.firstName }}</h1><p>New: <a href="{{ shop.url }}/new?a=1&b=2">see them</a></p><ul><li>One</li><li>Two &amp; three</li></ul>',
        { layout: 'base' },
      ),
    )
    expect(render(compiled).text).toBe(
      'Hello Ada\n\nNew: see them (https://green.example/new?a=1&b=2)\n\n- One\n- Two & three\n\nGreen Thumb',
    )
  })

  it('refuses to compile a partial and reports parse errors of a message', () => {
    const set = createTemplateSet([CARD], SETTINGS)
    expect(compileMessageTemplate(set, CARD).ok).toBe(false)
    const broken = compileMessageTemplate(set, template('b', 'message', 'ok\n  {% if x %}'))
    expect(broken.ok).toBe(false)
    if (!broken.ok) {
      expect(broken.error.problems[0]).toMatchObject({
        type: 'syntax',
        part: 'html',
        line: 2,
        column: 3,
      })
    }
  })
})

describe('htmlToText', () => {
  it('drops head, styles and comments and decodes entities', () => {
    expect(
      htmlToText(
        '<html><head><title>T</title><style>p{}</style></head><body><!-- c --><p>A&nbsp;&#38;&#x42;</p><br/>C</body></html>',
      ),
    ).toBe('A &B\n\nC')
  })

  it('breaks lines at blocks and rows, spaces cells, and keeps at most one blank line', () => {
    expect(
      htmlToText(
        '<TABLE><tr><td>a</td><TD>b</td ></tr><tr><th>c</th></tr></table>\n\n\n<P CLASS="x">Up</P  ><pre>x</pre><div>  one \n  two  </div><hr/>end',
      ),
    ).toBe('a b\n\nc\n\nUp\nx\none\ntwo\n\nend')
  })

  it('writes a link as its label and url, once when they are the same', () => {
    expect(
      htmlToText(
        '<a href=\'https://x.example\'>https://x.example</a> <a class="c" href="https://y.example/?a=1&amp;b=2"><b>Shop</b> &amp; more</a> <a href="https://z.example"><img src="i"></a> <a name="n">anchor</a> <a href="https://w.example">open',
      ),
    ).toBe(
      'https://x.example Shop & more (https://y.example/?a=1&b=2) https://z.example anchor open',
    )
  })

  it('keeps text that only looks like markup, and unknown entities', () => {
    expect(htmlToText('1 < 2 &unknown; &#0; &#x1F600; <!-- open')).toBe(
      '1 < 2 &unknown; &#0; \u{1F600} <!-- open',
    )
    expect(htmlToText('<script>if (a < b) x()</script><header>h</header><title>t')).toBe('h\nt')
  })
})
