/**
 * A believable shop, simulated: a catalog with long-tail popularity, and customers whose
 * purchasing follows the heterogeneity the value models assume, emitted as the Segment events a
 * real shop's SDK would send. Pure: a seed and "now" in, plain objects out.
 *
 * Method (per customer, drawn independently from the shop seed and the customer's index):
 * - purchase rate λ ~ Gamma(r, α) and dropout probability p ~ Beta(a, b) after each purchase,
 *   as in BG/NBD (Fader, Hardie & Lee 2005);
 * - spend per order z ~ Gamma(p_s, ν) with ν ~ Gamma(q, γ) per customer, as in the Gamma-Gamma
 *   model (Fader & Hardie 2013), so order values differ by customer;
 * - tastes over categories ~ Dirichlet(0.4), mixed with product popularity (Zipf, s = 1.1);
 * - browsing sessions (page views, product views, cart adds) around and between orders; some
 *   visitors browse anonymously before they identify, some never do; a few customers were
 *   referred by an earlier one (trait `referred_by`); some like or skip recommendations.
 */
import { DAY_MS } from '../../core/clock.js'
import { SeededRandom } from './seeded-random.js'

export interface DemoProduct {
  readonly id: string
  readonly name: string
  readonly category: string
  readonly price: number
  readonly cost: number
  readonly inStock: boolean
  readonly repeatable: boolean
  readonly attributes: { readonly brand: string; readonly color: string }
  /** Relative popularity (Zipf by rank). */
  readonly popularity: number
  readonly topCategory: number
}

export interface DemoCatalog {
  readonly products: readonly DemoProduct[]
  /** Product indexes per top category. */
  readonly byCategory: readonly (readonly number[])[]
}

/** Top categories: name, sub-categories, median price, consumable. */
const CATEGORIES = [
  ['Coffee & Tea', ['Beans', 'Tea', 'Brewing'], 14, true],
  ['Kitchen', ['Cookware', 'Knives', 'Tableware'], 38, false],
  ['Books', ['Fiction', 'Cooking', 'Travel'], 16, false],
  ['Outdoor', ['Camping', 'Garden', 'Cycling'], 55, false],
  ['Beauty', ['Skin Care', 'Hair', 'Bath'], 18, true],
  ['Toys', ['Puzzles', 'Board Games', 'Plush'], 25, false],
  ['Home', ['Lighting', 'Textiles', 'Decor'], 42, false],
  ['Electronics', ['Audio', 'Accessories', 'Smart Home'], 80, false],
] as const

const ADJECTIVES = ['Classic', 'Organic', 'Nordic', 'Deluxe', 'Mini', 'Vintage', 'Everyday', 'Pro']
const BRANDS = ['Alder', 'Birch', 'Cedar', 'Dune', 'Ember', 'Fjord', 'Grove', 'Harbor']
const COLORS = ['black', 'white', 'green', 'blue', 'red', 'natural', 'grey']
const FIRST = [
  'Ana',
  'Ben',
  'Chloé',
  'Dev',
  'Eva',
  'Femi',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kai',
  'Lea',
]
const LAST = ['Silva', 'Okafor', 'Martin', 'Kowalski', 'Tanaka', 'Nguyen', 'Müller', 'Rossi']

/** BG/NBD and Gamma-Gamma heterogeneity (rates per day, amounts in the shop's currency). */
const MODEL = { r: 0.9, alpha: 45, a: 0.9, b: 4.5, p: 5, q: 4, gamma: 28 } as const

export const DEMO_CATALOG_SIZE = 240
export const DEMO_HISTORY_DAYS = 730

export function buildDemoCatalog(seed: number): DemoCatalog {
  const rng = new SeededRandom(seed, 0x7fffffff)
  const products: DemoProduct[] = []
  const byCategory: number[][] = CATEGORIES.map(() => [])
  // A random permutation of ranks, so popularity does not follow the catalog order.
  const ranks = Array.from({ length: DEMO_CATALOG_SIZE }, (_, i) => i + 1)
  for (let i = ranks.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i)
    ;[ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!]
  }
  for (let i = 0; i < DEMO_CATALOG_SIZE; i += 1) {
    const top = i % CATEGORIES.length
    const [name, subs, median, consumable] = CATEGORIES[top]!
    const sub = rng.pick(subs)
    const price = Math.max(2, Math.round(median * Math.exp(0.5 * rng.normal()) * 100) / 100 - 0.01)
    const cost = Math.round(price * (0.35 + 0.4 * rng.next()) * 100) / 100
    products.push({
      id: `sku-${String(i + 1).padStart(4, '0')}`,
      name: `${rng.pick(ADJECTIVES)} ${sub.replace(/s$/, '')} ${i + 1}`,
      category: `${name} > ${sub}`,
      price,
      cost,
      inStock: rng.chance(0.95),
      repeatable: consumable && rng.chance(0.8),
      attributes: { brand: rng.pick(BRANDS), color: rng.pick(COLORS) },
      popularity: 1 / Math.pow(ranks[i]!, 1.1),
      topCategory: top,
    })
    byCategory[top]!.push(i)
  }
  return { products, byCategory }
}

/** One simulated person's events, in time order. */
export interface DemoPerson {
  readonly index: number
  /** Null for a visitor who never identifies. */
  readonly userId: string | null
  readonly events: readonly Record<string, unknown>[]
  readonly orders: number
}

export interface DemoShopOptions {
  readonly seed: number
  readonly customers: number
  readonly nowMs: number
}

/** The userId of demo customer `index` (0-based) of shop `seed`. */
export function demoUserId(seed: number, index: number): string {
  return `demo-${seed}-${String(index + 1).padStart(6, '0')}`
}

/**
 * Person `index` of the shop: customers are 0 … customers-1, anonymous-only visitors follow
 * (one for every five customers).
 */
export function simulateDemoPerson(
  options: DemoShopOptions,
  catalog: DemoCatalog,
  index: number,
): DemoPerson {
  const { seed, customers, nowMs } = options
  const rng = new SeededRandom(seed, index + 1)
  const isCustomer = index < customers
  const userId = isCustomer ? demoUserId(seed, index) : null
  // The browser's id; a customer who later shops from a second device gets a second one.
  let anonymousId = `anon-${seed}-${String(index + 1).padStart(6, '0')}`
  const events: Record<string, unknown>[] = []
  let sequence = 0
  const tastes = CATEGORIES.map(() => rng.gamma(0.4, 1))
  const emit = (at: number, body: Record<string, unknown>, identified: boolean): void => {
    sequence += 1
    events.push({
      ...body,
      messageId: `demo-${seed}-${index + 1}-${sequence}`,
      timestamp: new Date(Math.round(at)).toISOString(),
      anonymousId,
      ...(identified && userId !== null ? { userId } : {}),
    })
  }
  const pickProduct = (category?: number): DemoProduct => {
    const top = category ?? rng.weighted(tastes)
    const pool = catalog.byCategory[top]!
    const chosen = pool[rng.weighted(pool.map((p) => catalog.products[p]!.popularity))]!
    return catalog.products[chosen]!
  }
  const productProps = (p: DemoProduct): Record<string, unknown> => ({
    product_id: p.id,
    name: p.name,
    category: p.category,
    price: p.price,
  })
  const browse = (start: number, identified: boolean): number => {
    let at = start
    emit(at, { type: 'page', name: 'Home', properties: { path: '/' } }, identified)
    const views = rng.int(1, 4)
    let last = pickProduct()
    for (let v = 0; v < views; v += 1) {
      at += rng.int(20, 180) * 1000
      last = pickProduct()
      emit(
        at,
        { type: 'track', event: 'Product Viewed', properties: productProps(last) },
        identified,
      )
    }
    return at
  }

  const historyStart = nowMs - DEMO_HISTORY_DAYS * DAY_MS
  const firstAt = historyStart + rng.next() * (DEMO_HISTORY_DAYS - 1) * DAY_MS
  if (!isCustomer) {
    browse(firstAt, false)
    return { index, userId: null, events, orders: 0 }
  }

  const rate = rng.gamma(MODEL.r, MODEL.alpha)
  const dropout = rng.beta(MODEL.a, MODEL.b)
  const spendRate = rng.gamma(MODEL.q, MODEL.gamma)
  // Some visitors browse anonymously first and identify at their first order.
  let identified = false
  let at = firstAt
  if (rng.chance(0.4)) {
    const sessions = rng.int(1, 3)
    for (let s = 0; s < sessions; s += 1) {
      at = browse(at, false) + rng.exponential(1 / 2) * DAY_MS
    }
  }
  const first = FIRST[rng.int(0, FIRST.length - 1)]!
  const last = LAST[rng.int(0, LAST.length - 1)]!
  const traits: Record<string, unknown> = {
    email: `${first
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}.${last
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}.${index + 1}@example.com`,
    name: `${first} ${last}`,
    first_name: first,
    last_name: last,
  }
  if (index > 10 && rng.chance(0.05))
    traits['referred_by'] = demoUserId(seed, rng.int(0, index - 1))
  // Everyone in the customer list orders at least once, a while before "now".
  at = Math.min(at, nowMs - 3_600_000)
  let orders = 0
  let alive = true
  while (alive && at < nowMs) {
    // A purchase session: browse, add to cart, order.
    at = browse(at, identified)
    if (!identified) {
      identified = true
      emit(at, { type: 'identify', traits: orders === 0 ? traits : {} }, true)
    }
    const target = rng.gamma(MODEL.p, spendRate)
    const lines: { product: DemoProduct; quantity: number }[] = []
    let total = 0
    while (lines.length === 0 || (total < target && lines.length < 5)) {
      const product = pickProduct()
      if (lines.some((l) => l.product.id === product.id)) {
        if (lines.length >= 3) break
        continue
      }
      const quantity = product.repeatable ? rng.int(1, 3) : 1
      lines.push({ product, quantity })
      total += product.price * quantity
      at += rng.int(10, 120) * 1000
      emit(
        at,
        {
          type: 'track',
          event: 'Product Added',
          properties: { ...productProps(product), quantity },
        },
        true,
      )
    }
    at += rng.int(30, 300) * 1000
    orders += 1
    emit(
      at,
      {
        type: 'track',
        event: 'Order Completed',
        properties: {
          order_id: `demo-${seed}-${index + 1}-${orders}`,
          total: Math.round(total * 100) / 100,
          currency: 'EUR',
          products: lines.map((l) => ({ ...productProps(l.product), quantity: l.quantity })),
        },
      },
      true,
    )
    if (rng.chance(0.25)) {
      const liked = pickProduct()
      emit(
        at + 60_000,
        { type: 'track', event: 'Recommendation Liked', properties: { product_id: liked.id } },
        true,
      )
    }
    if (rng.chance(0.2)) {
      const disliked = pickProduct(rng.int(0, CATEGORIES.length - 1))
      emit(
        at + 90_000,
        { type: 'track', event: 'Recommendation Skipped', properties: { product_id: disliked.id } },
        true,
      )
    }
    if (rng.chance(dropout)) alive = false
    // A new device: the next session is anonymous until the customer logs in, and ingestion
    // merges the two profiles when it does.
    if (alive && orders === 1 && rng.chance(0.15)) {
      anonymousId = `${anonymousId}-2`
      identified = false
    }
    const gap = rng.exponential(rate) * DAY_MS
    // Window shopping between orders.
    if (alive && rng.chance(0.5) && at + gap / 2 < nowMs) browse(at + gap / 2, identified)
    at += gap
  }
  return { index, userId, events, orders }
}

/** How many people (customers and anonymous-only visitors) a shop of `customers` has. */
export function demoPopulation(customers: number): number {
  return customers + Math.floor(customers / 5)
}
