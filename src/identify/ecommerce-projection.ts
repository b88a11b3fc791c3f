import type { JsonObject, JsonValue } from '../core/json.js'

/** Product interactions kept for the recommenders, and the track events that produce them. */
export const INTERACTION_EVENTS = {
  'Product Viewed': 'view',
  'Product Clicked': 'click',
  'Product Added': 'cart_add',
  'Product Added to Wishlist': 'wishlist',
  'Product Reviewed': 'rating',
  'Recommendation Liked': 'like',
  'Recommendation Skipped': 'skip',
  'Recommendation Dismissed': 'dismiss',
} as const
export type InteractionKind = (typeof INTERACTION_EVENTS)[keyof typeof INTERACTION_EVENTS]

export interface ProjectedOrder {
  readonly orderId: string
  readonly total: number
  readonly discount: number
  readonly currency: string
  readonly items: readonly ProjectedItem[]
}

export interface ProjectedItem {
  readonly productId: string
  readonly sku: string | null
  readonly name: string | null
  readonly category: string | null
  readonly price: number
  readonly quantity: number
}

export interface ProjectedRefund {
  readonly orderId: string
  /** Amount refunded; null means "the whole order". */
  readonly amount: number | null
  readonly items: readonly { readonly productId: string; readonly quantity: number }[]
}

/** What one track event means for orders, products and interactions. */
export type Projection =
  | { readonly kind: 'order'; readonly order: ProjectedOrder }
  | { readonly kind: 'refund'; readonly refund: ProjectedRefund }
  | { readonly kind: 'cancel'; readonly orderId: string }
  | {
      readonly kind: 'interaction'
      readonly interaction: InteractionKind
      readonly value: number
      readonly product: ProjectedItem
    }
  | { readonly kind: 'none' }

const NONE: Projection = { kind: 'none' }

/**
 * Reads a track event by Segment's E-commerce spec (v2). Events that lack what the spec requires
 * (an order without `order_id`, a view without `product_id`) project to nothing; the event itself
 * is still kept.
 */
export function projectTrackEvent(
  name: string,
  properties: JsonObject,
  defaultCurrency: string,
): Projection {
  if (name === 'Order Completed') {
    const orderId = idOf(properties['order_id'])
    if (orderId === null) return NONE
    const items = productsOf(properties['products'])
    const itemsTotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0)
    const total = numberOf(properties['total']) ?? numberOf(properties['revenue']) ?? itemsTotal
    return {
      kind: 'order',
      order: {
        orderId,
        total,
        discount: numberOf(properties['discount']) ?? 0,
        currency: currencyOf(properties['currency']) ?? defaultCurrency,
        items,
      },
    }
  }
  if (name === 'Order Refunded') {
    const orderId = idOf(properties['order_id'])
    if (orderId === null) return NONE
    const items = productsOf(properties['products'])
    const listed = items.reduce((sum, item) => sum + item.price * item.quantity, 0)
    const amount =
      numberOf(properties['total']) ??
      numberOf(properties['revenue']) ??
      (items.length > 0 ? listed : null)
    return {
      kind: 'refund',
      refund: {
        orderId,
        amount,
        items: items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
      },
    }
  }
  if (name === 'Order Cancelled') {
    const orderId = idOf(properties['order_id'])
    return orderId === null ? NONE : { kind: 'cancel', orderId }
  }
  const interaction = INTERACTION_EVENTS[name as keyof typeof INTERACTION_EVENTS] as
    InteractionKind | undefined
  if (interaction !== undefined) {
    const product = productOf(properties)
    if (product === null) return NONE
    const value = interaction === 'rating' ? (numberOf(properties['rating']) ?? 1) : 1
    return { kind: 'interaction', interaction, value, product }
  }
  return NONE
}

function productsOf(value: JsonValue | undefined): ProjectedItem[] {
  if (!Array.isArray(value)) return []
  const items: ProjectedItem[] = []
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue
    const item = productOf(entry)
    if (item !== null) items.push(item)
  }
  return items
}

function productOf(properties: JsonObject): ProjectedItem | null {
  const productId =
    idOf(properties['product_id']) ?? idOf(properties['sku']) ?? idOf(properties['id'])
  if (productId === null) return null
  const quantity = numberOf(properties['quantity'])
  return {
    productId,
    sku: idOf(properties['sku']),
    name: textOf(properties['name']),
    category: textOf(properties['category']),
    price: numberOf(properties['price']) ?? 0,
    quantity: quantity === null || quantity <= 0 ? 1 : quantity,
  }
}

function idOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'string' && value.length > 0) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

function textOf(value: JsonValue | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null
}

function numberOf(value: JsonValue | undefined): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value)
    return Number.isFinite(parsed) ? parsed : null
  }
  return null
}

function currencyOf(value: JsonValue | undefined): string | null {
  return typeof value === 'string' && /^[A-Za-z]{3}$/.test(value) ? value.toUpperCase() : null
}
