import { CustomerTraits } from './customer-traits.js'
import type { SegmentArray } from './segment-array.js'
import type { TemplateContext, TemplateItem } from './template-context.js'

/**
 * The shape of TemplateContext as templates may name it, checked when a template is saved:
 * `value` is a leaf (string, number, boolean or null), `any` a free-form map (traits), `object`
 * named fields, `list` an array of one item shape. Keep it in step with TemplateContext (the
 * test renders the sample context through every name listed here).
 */
export type SchemaNode =
  | { readonly type: 'value' }
  | { readonly type: 'any' }
  | { readonly type: 'object'; readonly fields: Readonly<Record<string, SchemaNode>> }
  | { readonly type: 'list'; readonly item: SchemaNode }

const value: SchemaNode = { type: 'value' }
const object = (fields: Readonly<Record<string, SchemaNode>>): SchemaNode => ({
  type: 'object',
  fields,
})
const list = (item: SchemaNode): SchemaNode => ({ type: 'list', item })

const ITEM = object({
  id: value,
  name: value,
  category: value,
  price: value,
  url: value,
  imageUrl: value,
  reason: value,
})

/** Every name a template may use, by root. */
export const CONTEXT_SCHEMA = object({
  customer: object({
    id: value,
    email: value,
    firstName: value,
    lastName: value,
    name: value,
    timezone: value,
    locale: value,
    currency: value,
    firstSeenAt: value,
    lastSeenAt: value,
    traits: { type: 'any' },
  }),
  value: object({
    scored: value,
    tier: value,
    tierName: value,
    tierReason: value,
    clv: value,
    pAlive: value,
    expectedPurchases: value,
    expectedSpend: value,
    historicalRevenue: value,
    historicalMargin: value,
    actualValue: value,
    wallet: value,
    shareOfWallet: value,
    growthPotential: value,
    rfmSegment: value,
    scoredAt: value,
  }),
  recommendations: object({
    forYou: list(ITEM),
    becauseYouBought: object({ anchor: ITEM, items: list(ITEM) }),
    discovery: list(ITEM),
    model: value,
  }),
  offer: object({
    id: value,
    name: value,
    kind: value,
    description: value,
    discountPercent: value,
    code: value,
    url: value,
    expiresAt: value,
    products: list(ITEM),
  }),
  campaign: object({ id: value, name: value }),
  links: object({ preferences: value, unsubscribe: value }),
  shop: object({ name: value, url: value, currency: value }),
})

/** The context's roots, in schema order. */
export const CONTEXT_ROOTS: readonly string[] =
  CONTEXT_SCHEMA.type === 'object' ? Object.keys(CONTEXT_SCHEMA.fields) : []

/** Why a variable path is not in the schema. */
export interface UnknownPath {
  /** The path up to and including the first unknown segment, e.g. `customer.frist_name`. */
  readonly path: string
  /** Names allowed at that point, as full paths. */
  readonly known: readonly string[]
}

/**
 * Checks one variable (as liquidjs static analysis gives it: segments, with nested variables
 * as arrays) against the schema. Returns null when it fits. Liquid's `size` fits anything,
 * `first` and `last` fit lists. A dynamic key (`traits[name]`) cannot be checked past that
 * point and is accepted; the nested variable is checked on its own by the caller.
 * `allowUnknownRoots`: partials and layouts may use names their caller passes in.
 */
export function checkVariablePath(
  segments: SegmentArray,
  options: { readonly allowUnknownRoots?: boolean } = {},
): UnknownPath | null {
  let node: SchemaNode = CONTEXT_SCHEMA
  let path = ''
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    if (node.type === 'any') return null
    if (typeof segment === 'object') {
      if (node.type !== 'list') return null
      node = node.item
      path += '[]'
      continue
    }
    const shown = typeof segment === 'number' ? `${path}[${segment}]` : joinPath(path, segment)
    if (segment === 'size' && i > 0) return null
    if (node.type === 'list') {
      if (typeof segment === 'number' || segment === 'first' || segment === 'last') {
        node = node.item
        path = shown
        continue
      }
      return { path: shown, known: [`${path}[0]`, `${path}.first`, `${path}.last`, `${path}.size`] }
    }
    if (node.type === 'value') return { path: shown, known: [`${path}.size`] }
    const field =
      typeof segment === 'string' && Object.hasOwn(node.fields, segment)
        ? node.fields[segment]
        : undefined
    if (field === undefined) {
      if (i === 0 && options.allowUnknownRoots === true) return null
      return { path: shown, known: Object.keys(node.fields).map((k) => joinPath(path, k)) }
    }
    node = field
    path = shown
  }
  return null
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/** A variable's segments as Liquid source (`recommendations.forYou[0].name`). */
export function formatSegments(segments: SegmentArray): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'object') out += `[${formatSegments(s)}]`
    else if (typeof s === 'number') out += `[${s}]`
    else out = joinPath(out, s)
  }
  return out
}

function sampleItem(n: number, name: string, category: string, price: number): TemplateItem {
  return {
    id: `sample-${n}`,
    name,
    category,
    price,
    url: `https://shop.example/products/sample-${n}`,
    imageUrl: `https://shop.example/images/sample-${n}.jpg`,
    reason: 'Because you bought Garden gloves',
  }
}

/**
 * A context with every name of the schema filled (lists non-empty, an offer, a campaign), for
 * the strict render a template gets when it is saved.
 */
export function sampleTemplateContext(
  shop: { readonly name: string; readonly url: string; readonly currency: string } = {
    name: 'Sample shop',
    url: 'https://shop.example',
    currency: 'EUR',
  },
): TemplateContext {
  const items = [
    sampleItem(1, 'Rose pruner', 'Garden > Tools', 24.9),
    sampleItem(2, 'Watering can', 'Garden', 18.5),
    sampleItem(3, 'Seed tray', 'Garden > Seeds', 6.25),
  ]
  return {
    customer: {
      id: 'sample-customer',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: 'Ada Lovelace',
      timezone: 'Europe/London',
      locale: 'en-GB',
      currency: shop.currency,
      firstSeenAt: '2024-03-01T09:30:00.000Z',
      lastSeenAt: '2026-01-04T18:12:00.000Z',
      traits: new CustomerTraits({ email: 'ada@example.com', firstName: 'Ada', plan: 'gold' }),
    },
    value: {
      scored: true,
      tier: 'mvc',
      tierName: 'Most valuable',
      tierReason: 'Top 10% by actual value',
      clv: 412.5,
      pAlive: 0.87,
      expectedPurchases: 3.2,
      expectedSpend: 64.1,
      historicalRevenue: 980,
      historicalMargin: 310,
      actualValue: 722.5,
      wallet: 1500,
      shareOfWallet: 0.65,
      growthPotential: 520,
      rfmSegment: 'champions',
      scoredAt: '2026-01-01T00:00:00.000Z',
    },
    recommendations: {
      forYou: items,
      becauseYouBought: { anchor: sampleItem(0, 'Garden gloves', 'Garden', 12), items },
      discovery: items,
      model: 'sample',
    },
    offer: {
      id: 'sample-offer',
      name: 'Spring garden 15% off',
      kind: 'discount',
      description: '15% off everything for the garden',
      discountPercent: 15,
      code: 'SPRING15',
      url: 'https://shop.example/offers/spring',
      expiresAt: '2026-04-30T23:59:59.000Z',
      products: items.slice(0, 1),
    },
    campaign: { id: 'sample-campaign', name: 'Sample campaign' },
    links: {
      preferences: 'https://idic.example/p/sample-token',
      unsubscribe: 'https://idic.example/u/sample-token',
    },
    shop: { name: shop.name, url: shop.url, currency: shop.currency },
  }
}
