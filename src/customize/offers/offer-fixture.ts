/**
 * A small shop for offer tests: four customers of known tiers, a catalog with stock and
 * repeatable products, and a few orders. Rows are written straight into the tables.
 */
import type { Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import type { Database } from '../../store/database.js'

export const OFFER_FIXTURE_NOW = Date.parse('2026-01-05T10:00:00Z')

/** Customer id → tier (`null`: not scored). */
export const OFFER_FIXTURE_TIERS: Readonly<Record<string, string | null>> = {
  ana: 'mvc',
  bob: 'mgc',
  cy: null,
  dee: 'below_zero',
}

export async function loadOfferFixture(db: Kysely<Database>): Promise<void> {
  const now = OFFER_FIXTURE_NOW
  const ids = Object.keys(OFFER_FIXTURE_TIERS)
  await db
    .insertInto('customers')
    .values(
      ids.map((id) => ({
        id,
        traits: JSON.stringify({ email: `${id}@example.com`, plan: id === 'ana' ? 'pro' : 'free' }),
        email: `${id}@example.com`,
        first_seen_at: now - 100 * DAY_MS,
        last_seen_at: now - DAY_MS,
        manager_id: null,
        created_at: now - 100 * DAY_MS,
      })),
    )
    .execute()
  await db
    .insertInto('identities')
    .values(
      ids.map((id) => ({
        kind: 'email',
        value: `${id}@example.com`,
        customer_id: id,
        first_seen_at: now - 100 * DAY_MS,
      })),
    )
    .execute()
  const product = (id: string, price: number, inStock: boolean, repeatable = false) => ({
    id,
    sku: null,
    name: id,
    category: 'Kitchen',
    price,
    cost: price / 2,
    in_stock: inStock ? 1 : 0,
    repeatable: repeatable ? 1 : 0,
    attributes: '{}',
    created_at: now - 200 * DAY_MS,
    updated_at: now - 200 * DAY_MS,
  })
  await db
    .insertInto('products')
    .values([
      product('tea', 10, true),
      product('mug', 8, true),
      product('kettle', 40, false),
      product('beans', 12, true, true),
    ])
    .execute()
  await addOrder(db, 'ana', 'A1', now - 30 * DAY_MS, [['mug', 8]])
  await addOrder(db, 'bob', 'B1', now - 20 * DAY_MS, [['beans', 12]])
  const scored = Object.entries(OFFER_FIXTURE_TIERS).filter(
    (entry): entry is [string, string] => entry[1] !== null,
  )
  await db
    .insertInto('scores')
    .values(
      scored.map(([customerId, tier]) => ({
        customer_id: customerId,
        model_run_id: 'run_1',
        frequency: 1,
        recency: 1,
        age: 10,
        historical_revenue: 100,
        historical_margin: 40,
        cost_to_serve: 0,
        expected_transactions: 1,
        p_alive: 0.8,
        expected_spend: 20,
        clv: 50,
        actual_value: 90,
        tier,
        tier_reason: 'fixture',
        rfm_r: 3,
        rfm_f: 3,
        rfm_m: 3,
        rfm_segment: 'Loyal',
        wallet: null,
        share_of_wallet: null,
        growth_potential: null,
        computed_at: now - DAY_MS,
      })),
    )
    .execute()
}

/** Adds a completed order with its lines (product id, price), one unit each. */
export async function addOrder(
  db: Kysely<Database>,
  customerId: string,
  orderId: string,
  placedAt: number,
  lines: readonly (readonly [string, number])[],
  status = 'completed',
): Promise<void> {
  await db
    .insertInto('orders')
    .values({
      customer_id: customerId,
      order_id: orderId,
      placed_at: placedAt,
      total: lines.reduce((s, [, price]) => s + price, 0),
      discount: 0,
      refunded: 0,
      currency: 'EUR',
      status,
      country: null,
      source: 'import',
      message_id: null,
      created_at: placedAt,
    })
    .execute()
  await db
    .insertInto('order_items')
    .values(
      lines.map(([productId, price], line) => ({
        customer_id: customerId,
        order_id: orderId,
        line,
        product_id: productId,
        sku: null,
        name: productId,
        category: 'Kitchen',
        price,
        quantity: 1,
        returned_quantity: 0,
      })),
    )
    .execute()
}
