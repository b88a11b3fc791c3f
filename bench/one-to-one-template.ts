/**
 * A realistic one-to-one email for benchmarks: a layout, a product-card partial and a message
 * with a greeting, the customer's tier, five recommended items with prices, an offer block
 * and the unsubscribe link. bench/template-render.bench.ts renders it; a campaign benchmark
 * can render the same one (`ONE_TO_ONE_TEMPLATES`, message `ONE_TO_ONE_MESSAGE`).
 */
import { CustomerTraits } from '../src/customize/templates/customer-traits.js'
import type { TemplateContext, TemplateItem } from '../src/customize/templates/template-context.js'
import type { TemplateDefinition } from '../src/customize/templates/template-definition.js'
import { TIER_NAMES, TIERS } from '../src/differentiate/value/tiers.js'

const LAYOUT: TemplateDefinition = {
  name: 'bench-layout',
  kind: 'layout',
  subject: null,
  html: `<!doctype html>
<html><head><meta charset="utf-8"><title>{{ shop.name }}</title></head>
<body style="font-family:sans-serif">
<header><a href="{{ shop.url }}">{{ shop.name }}</a></header>
{% block %}{% endblock %}
<footer>
  <a href="{{ links.preferences }}">Your preferences</a> ·
  <a href="{{ links.unsubscribe }}">Unsubscribe</a>
</footer>
</body></html>`,
  text: null,
  layout: null,
  channel: 'email',
}

const CARD: TemplateDefinition = {
  name: 'bench-card',
  kind: 'partial',
  subject: null,
  html: `<td class="item">
  <a href="{{ item.url }}">{{ item.name }}</a><br>
  <span class="category">{{ item.category }}</span><br>
  <strong>{{ item.price | money }}</strong><br>
  <em>{{ item.reason }}</em>
</td>`,
  text: null,
  layout: null,
  channel: null,
}

export const ONE_TO_ONE_MESSAGE: TemplateDefinition = {
  name: 'bench-one-to-one',
  kind: 'message',
  subject:
    '{{ customer.firstName | default: "Hello" }}, {{ recommendations.forYou.size }} picks for you',
  html: `<h1>Hi {{ customer.firstName | default: "there" }}!</h1>
{% if value.scored %}
<p>As one of our {{ value.tierName | downcase }} customers ({{ value.pAlive | percent }} active), here is what we picked for you.</p>
{% else %}
<p>Here is what we picked for you.</p>
{% endif %}
<table><tr>
{% for item in recommendations.forYou limit: 5 %}{% render 'bench-card', item: item %}{% endfor %}
</tr></table>
{% if offer %}
<div class="offer">
  <h2>{{ offer.name }}</h2>
  {% if offer.description %}<p>{{ offer.description }}</p>{% endif %}
  {% if offer.discountPercent %}<p>{{ offer.discountPercent }}% off with code <b>{{ offer.code }}</b>{% if offer.expiresAt %} until {{ offer.expiresAt | local_date: "%e %B" }}{% endif %}.</p>{% endif %}
</div>
{% endif %}
<p>Thank you for shopping with {{ shop.name }}.</p>`,
  text: null,
  layout: 'bench-layout',
  channel: 'email',
}

/** The layout, the partial and the message, in the order they must be saved. */
export const ONE_TO_ONE_TEMPLATES: readonly TemplateDefinition[] = [
  LAYOUT,
  CARD,
  ONE_TO_ONE_MESSAGE,
]

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken']
const CATEGORIES = ['Garden > Tools', 'Garden > Seeds', 'Kitchen', 'Home > Lighting', 'Books']
const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', null]

/** Deterministic contexts: customer i gets its own name, tier, five items and (one in three) an offer. */
export function benchContexts(count: number, shop: TemplateContext['shop']): TemplateContext[] {
  const item = (p: number, reason: string): TemplateItem => ({
    id: `p${p}`,
    name: `Product ${p} <${CATEGORIES[p % CATEGORIES.length]}>`,
    category: CATEGORIES[p % CATEGORIES.length]!,
    price: 5 + ((p * 37) % 200) + 0.99,
    url: `${shop.url}/products/p${p}`,
    imageUrl: null,
    reason,
  })
  const contexts: TemplateContext[] = []
  for (let i = 0; i < count; i++) {
    const tier = TIERS[i % TIERS.length]!
    const scored = i % 10 !== 0
    const firstName = i % 17 === 0 ? null : FIRST_NAMES[i % FIRST_NAMES.length]!
    const forYou = Array.from({ length: 5 }, (_, k) =>
      item((i * 7 + k * 13) % 500, `Because you bought Product ${(i + k) % 500}`),
    )
    contexts.push({
      customer: {
        id: `c${i}`,
        email: `c${i}@example.com`,
        firstName,
        lastName: 'Example',
        name: firstName === null ? null : `${firstName} Example`,
        timezone: ZONES[i % ZONES.length] ?? null,
        locale: null,
        currency: shop.currency,
        firstSeenAt: '2024-03-01T09:30:00.000Z',
        lastSeenAt: '2026-01-04T18:12:00.000Z',
        traits: new CustomerTraits({
          email: `c${i}@example.com`,
          plan: i % 3 === 0 ? 'gold' : 'basic',
        }),
      },
      value: {
        scored,
        tier: scored ? tier : null,
        tierName: scored ? TIER_NAMES[tier] : null,
        tierReason: scored ? 'Top 10% by actual value' : null,
        clv: scored ? 100 + (i % 900) : null,
        pAlive: scored ? (i % 100) / 100 : null,
        expectedPurchases: scored ? 2.5 : null,
        expectedSpend: scored ? 42 : null,
        historicalRevenue: scored ? 300 : null,
        historicalMargin: scored ? 90 : null,
        actualValue: scored ? 250 : null,
        wallet: null,
        shareOfWallet: null,
        growthPotential: null,
        rfmSegment: scored ? 'loyal' : null,
        scoredAt: scored ? '2026-01-01T00:00:00.000Z' : null,
      },
      recommendations: {
        forYou,
        becauseYouBought: { anchor: null, items: [] },
        discovery: [],
        model: 'bench',
      },
      offer:
        i % 3 === 0
          ? {
              id: 'o1',
              name: 'Spring garden 15% off',
              kind: 'discount',
              description: 'Everything for the garden',
              discountPercent: 15,
              code: 'SPRING15',
              url: null,
              expiresAt: '2026-04-30T22:00:00.000Z',
              products: [],
            }
          : null,
      campaign: { id: 'bench', name: 'Benchmark' },
      links: {
        preferences: `https://idic.example/p/token-${i}`,
        unsubscribe: `https://idic.example/u/token-${i}`,
      },
      shop,
    })
  }
  return contexts
}
