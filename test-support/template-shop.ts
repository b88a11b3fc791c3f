import type { Kysely } from 'kysely'
import type { Database } from '../src/store/database.js'
import type { Store } from '../src/store/engine.js'

export const TEMPLATE_SHOP_T0 = Date.parse('2026-01-05T10:00:00Z')
const T0 = TEMPLATE_SHOP_T0

/**
 * A small shop for template tests: six products (garden g1..g3, kitchen k1..k3), ten customers
 * (even ones buy garden items, odd ones kitchen items; c0 bought only g1, so g2 and g3 are left
 * to suggest). c0 is Ada: email identity, Tokyo time zone, a `bio` trait with markup, and value
 * scores; c1 is unscored and has no traits.
 */
export async function seedTemplateShop(store: Store): Promise<void> {
  const { db } = store
  await db
    .insertInto('products')
    .values(
      ['g1', 'g2', 'g3', 'k1', 'k2', 'k3'].map((id, i) => ({
        id,
        sku: null,
        name: `${id.startsWith('g') ? 'Garden' : 'Kitchen'} item ${id.toUpperCase()}`,
        category: id.startsWith('g') ? 'Garden' : 'Kitchen',
        price: 10 + i * 2.5,
        cost: 5,
        in_stock: 1,
        repeatable: 0,
        attributes:
          id === 'g2' ? JSON.stringify({ url: 'https://green.example/g2-special' }) : '{}',
        created_at: T0,
        updated_at: T0,
      })),
    )
    .execute()
  for (let c = 0; c < 10; c++) {
    const id = `c${c}`
    const traits =
      c === 0
        ? {
            email: 'ada@example.com',
            firstName: 'Ada',
            lastName: 'Lovelace',
            timezone: 'Asia/Tokyo',
            bio: '<script>alert("x")</script>',
          }
        : c === 1
          ? {}
          : { email: `c${c}@example.com`, name: `Customer ${c}` }
    await db
      .insertInto('customers')
      .values({
        id,
        traits: JSON.stringify(traits),
        email: c === 1 ? null : (traits.email ?? null),
        first_seen_at: T0 - 86_400_000 * 30,
        last_seen_at: T0,
        manager_id: null,
        created_at: T0,
      })
      .execute()
    if (c === 0) {
      await db
        .insertInto('identities')
        .values({ kind: 'email', value: 'ada@example.com', customer_id: id, first_seen_at: T0 })
        .execute()
    }
    await seedFamilyOrder(db, c, { currency: 'EUR', country: 'DE' })
  }
  await db
    .insertInto('scores')
    .values({
      customer_id: 'c0',
      model_run_id: 'run1',
      frequency: 3,
      recency: 200,
      age: 300,
      historical_revenue: 980,
      historical_margin: 310,
      cost_to_serve: 12,
      expected_transactions: 3.2,
      p_alive: 0.87,
      expected_spend: 64.1,
      clv: 412.5,
      actual_value: 710.5,
      tier: 'mvc',
      tier_reason: 'Top 10% by actual value',
      rfm_r: 5,
      rfm_f: 4,
      rfm_m: 5,
      rfm_segment: 'champions',
      wallet: 1500,
      share_of_wallet: 0.65,
      growth_potential: 520,
      computed_at: T0 - 86_400_000,
    })
    .execute()
}

/**
 * Customer `c{c}`'s one order `o{c}` of the garden/kitchen test shops: even customers buy the
 * garden items g1..g3, odd ones the kitchen items k1..k3, except c0, who bought only g1 (so g2 and
 * g3 are left to suggest). Placed `c + 1` seconds before T0, each item at 10.
 */
export async function seedFamilyOrder(
  db: Kysely<Database>,
  c: number,
  where: { readonly currency: string; readonly country: string },
): Promise<void> {
  const id = `c${c}`
  await db
    .insertInto('orders')
    .values({
      customer_id: id,
      order_id: `o${c}`,
      placed_at: T0 - 1000 * (c + 1),
      total: 20,
      discount: 0,
      refunded: 0,
      currency: where.currency,
      status: 'completed',
      country: where.country,
      source: 'import',
      message_id: null,
      created_at: T0,
    })
    .execute()
  const family = c % 2 === 0 ? ['g1', 'g2', 'g3'] : ['k1', 'k2', 'k3']
  await seedOrderItems(db, id, `o${c}`, c === 0 ? ['g1'] : family)
}

/** One unit of each product at 10 on the customer's order, lines from `firstLine` on. */
export async function seedOrderItems(
  db: Kysely<Database>,
  customerId: string,
  orderId: string,
  productIds: readonly string[],
  firstLine = 0,
): Promise<void> {
  await db
    .insertInto('order_items')
    .values(
      productIds.map((product_id, k) => ({
        customer_id: customerId,
        order_id: orderId,
        line: firstLine + k,
        product_id,
        sku: null,
        name: null,
        category: null,
        price: 10,
        quantity: 1,
        returned_quantity: 0,
      })),
    )
    .execute()
}
