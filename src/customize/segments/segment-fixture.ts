/**
 * A small shop for segment tests: four customers whose traits, events, orders, order lines and
 * scores differ in known ways. Rows are written straight into the tables.
 */
import type { Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import type { Database } from '../../store/database.js'

export const FIXTURE_NOW = Date.parse('2026-01-05T10:00:00Z')
const ago = (days: number): number => FIXTURE_NOW - days * DAY_MS

interface FixtureCustomer {
  readonly id: string
  readonly email: string | null
  readonly traits: Record<string, unknown>
  readonly firstSeenDaysAgo: number
  readonly lastSeenDaysAgo: number
  readonly managerId: string | null
}

/** Ana: recent Books buyer, MVC. Bob: lapsed Kitchen buyer. Cy: browser. Dee: cancelled only. */
export const FIXTURE_CUSTOMERS: readonly FixtureCustomer[] = [
  {
    id: 'ana',
    email: 'ana@gmail.com',
    traits: { plan: 'pro', seats: 5, vip: true, address: { city: 'Lyon' }, country: 'FR' },
    firstSeenDaysAgo: 200,
    lastSeenDaysAgo: 2,
    managerId: 'mgr_1',
  },
  {
    id: 'bob',
    email: 'bob@yahoo.com',
    traits: { plan: 'free', seats: 1, vip: false },
    firstSeenDaysAgo: 300,
    lastSeenDaysAgo: 60,
    managerId: null,
  },
  {
    id: 'cy',
    email: null,
    traits: {},
    firstSeenDaysAgo: 5,
    lastSeenDaysAgo: 1,
    managerId: null,
  },
  {
    id: 'dee',
    email: 'dee@gmail.com',
    traits: { plan: 5, seats: 'many' },
    firstSeenDaysAgo: 40,
    lastSeenDaysAgo: 30,
    managerId: null,
  },
]

const PRODUCTS = [
  { id: 'book-1', category: 'Books > Fiction', price: 10 },
  { id: 'book-2', category: 'Books > Travel', price: 20 },
  { id: 'pan-1', category: 'Kitchen > Cookware', price: 60 },
  { id: 'bookends', category: 'Bookends', price: 15 },
] as const

/** Orders: customer, id, days ago, status, country, lines (product, quantity). */
const ORDERS = [
  [
    'ana',
    'o1',
    10,
    'completed',
    'FR',
    [
      ['book-1', 2],
      ['pan-1', 1],
    ],
  ],
  ['ana', 'o2', 3, 'completed', 'FR', [['book-2', 1]]],
  [
    'bob',
    'o3',
    150,
    'completed',
    'DE',
    [
      ['pan-1', 2],
      ['bookends', 1],
    ],
  ],
  ['dee', 'o4', 20, 'cancelled', null, [['book-1', 5]]],
] as const

/** Events: customer, name, days ago, properties. */
const EVENTS = [
  [
    'ana',
    'Order Completed',
    10,
    {
      order_id: 'o1',
      category: 'Books',
      total: 80,
      products: [{ product_id: 'book-1', category: 'Books', price: 20, quantity: 4 }],
    },
  ],
  [
    'ana',
    'Order Completed',
    3,
    { order_id: 'o2', category: 'Books', total: 20, coupons: ['WELCOME', 'BOOKS10'] },
  ],
  ['ana', 'Product Viewed', 1, { product_id: 'book-2', price: 20 }],
  [
    'bob',
    'Order Completed',
    150,
    {
      order_id: 'o3',
      category: 'Kitchen',
      total: 135,
      products: [
        { product_id: 'pan-1', category: 'Kitchen', price: 45, quantity: 2, sku: 'PAN-1' },
        { product_id: 'bookends', category: 'Home', price: 45, quantity: 1 },
      ],
    },
  ],
  ['bob', 'Product Viewed', 100, { product_id: 'pan-1', price: 60, on_sale: true }],
  ['cy', 'Product Viewed', 1, { product_id: 'book-1', price: 10 }],
  ['cy', 'Product Viewed', 2, { product_id: 'book-2', price: 20 }],
  ['cy', 'Product Viewed', 3, { product_id: 'pan-1', price: 60 }],
] as const

/** Scores: customer, tier, clv, pAlive, rfm segment. */
const SCORES = [
  ['ana', 'mvc', 500, 0.9, 'Champions'],
  ['bob', 'low_maintenance', 20, 0.2, 'At risk'],
  ['dee', 'below_zero', null, null, 'Hibernating'],
] as const

export async function loadSegmentFixture(db: Kysely<Database>): Promise<void> {
  await db
    .insertInto('customers')
    .values(
      FIXTURE_CUSTOMERS.map((c) => ({
        id: c.id,
        traits: JSON.stringify(c.traits),
        email: c.email,
        first_seen_at: ago(c.firstSeenDaysAgo),
        last_seen_at: ago(c.lastSeenDaysAgo),
        manager_id: c.managerId,
        created_at: ago(c.firstSeenDaysAgo),
      })),
    )
    .execute()
  await db
    .insertInto('identities')
    .values(
      FIXTURE_CUSTOMERS.map((c) => ({
        kind: 'user_id',
        value: c.id,
        customer_id: c.id,
        first_seen_at: ago(c.firstSeenDaysAgo),
      })),
    )
    .execute()
  await db
    .insertInto('products')
    .values(
      PRODUCTS.map((p) => ({
        id: p.id,
        sku: p.id,
        name: p.id,
        category: p.category,
        price: p.price,
        cost: p.price / 2,
        in_stock: 1,
        repeatable: 0,
        attributes: '{}',
        created_at: ago(400),
        updated_at: ago(400),
      })),
    )
    .execute()
  for (const [customer, orderId, days, status, country, lines] of ORDERS) {
    const items = lines.map(([productId, quantity], line) => {
      const product = PRODUCTS.find((p) => p.id === productId)!
      return {
        customer_id: customer,
        order_id: orderId,
        line,
        product_id: productId,
        sku: productId,
        name: productId,
        // The order line's own category is stale for book-2: the catalog's wins.
        category: productId === 'book-2' ? 'Misc' : product.category,
        price: product.price,
        quantity,
        returned_quantity: 0,
      }
    })
    await db.insertInto('order_items').values(items).execute()
    await db
      .insertInto('orders')
      .values({
        customer_id: customer,
        order_id: orderId,
        placed_at: ago(days),
        total: items.reduce((sum, i) => sum + i.price * i.quantity, 0),
        discount: 0,
        refunded: 0,
        currency: 'EUR',
        status,
        country,
        source: 'event',
        message_id: null,
        created_at: ago(days),
      })
      .execute()
  }
  await db
    .insertInto('events')
    .values(
      EVENTS.map(([customer, name, days, properties], i) => ({
        message_id: `m${i}`,
        customer_id: customer,
        type: 'track',
        name,
        user_id: customer,
        anonymous_id: null,
        occurred_at: ago(days),
        received_at: ago(days),
        properties: JSON.stringify(properties),
        context: '{}',
      })),
    )
    .execute()
  await db
    .insertInto('scores')
    .values(
      SCORES.map(([customer, tier, clv, pAlive, segment]) => ({
        customer_id: customer,
        model_run_id: 'run1',
        frequency: 1,
        recency: 1,
        age: 10,
        historical_revenue: 100,
        historical_margin: 40,
        cost_to_serve: 5,
        expected_transactions: 1,
        p_alive: pAlive,
        expected_spend: 30,
        clv,
        actual_value: clv === null ? null : clv + 35,
        tier,
        tier_reason: 'test',
        rfm_r: 3,
        rfm_f: 3,
        rfm_m: 3,
        rfm_segment: segment,
        wallet: null,
        share_of_wallet: null,
        growth_potential: null,
        computed_at: ago(1),
      })),
    )
    .execute()
}
