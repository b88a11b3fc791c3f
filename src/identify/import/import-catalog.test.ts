import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { parseJsonObject } from '../../core/json.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { importCustomers } from './import-customers.js'
import { importOrders } from './import-orders.js'
import { importProducts } from './import-products.js'

const clock = manualClock(Date.UTC(2026, 0, 1))
const dir = mkdtempSync(join(tmpdir(), 'idic-catalog-test-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function fixture(name: string, lines: readonly string[]): string {
  const path = join(dir, name)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

describeEachEngine('importProducts and importCustomers', (current) => {
  it('fills in products an order import created, keeping what the catalog does not say', async () => {
    const store = current()
    await importOrders(
      { store, clock },
      fixture('orders.csv', [
        'order_id,customer_id,timestamp,product_id,description,quantity,price',
        'o1,u1,2024-01-01,p1,Mug,1,8',
        'o1,u1,2024-01-01,p2,Beans,2,12',
      ]),
      { format: 'csv' },
    )
    const catalog = fixture('products.csv', [
      'sku,title,category,price,margin,in_stock,repeatable,brand',
      'p1,,Kitchen > Mugs,9.5,40%,yes,no,Alder',
      'p2,Coffee Beans,Coffee|Beans,,,0,1,',
      'p3,Kettle,Kitchen,abc,,,,',
      'p4,Filter,Coffee,5,0.2,,,Birch',
    ])
    const report = await importProducts({ store, clock }, catalog, {
      map: { id: 'sku', name: 'title' },
    })
    expect(report.rowsRead).toBe(4)
    expect(report.inserted).toEqual({ products: 1 })
    expect(report.skipped).toEqual({ bad_price: { count: 1, firstLines: [4], broken: true } })
    const rows = await store.db
      .selectFrom('products')
      .select(['id', 'name', 'category', 'price', 'cost', 'in_stock', 'repeatable', 'attributes'])
      .orderBy('id')
      .execute()
    expect(rows.map((r) => ({ ...r, attributes: parseJsonObject(r.attributes) }))).toEqual([
      {
        id: 'p1',
        name: 'Mug',
        category: 'Kitchen > Mugs',
        price: 9.5,
        cost: 5.7,
        in_stock: 1,
        repeatable: 0,
        attributes: { brand: 'Alder' },
      },
      {
        id: 'p2',
        name: 'Coffee Beans',
        category: 'Coffee > Beans',
        price: 12,
        cost: null,
        in_stock: 0,
        repeatable: 1,
        attributes: {},
      },
      {
        id: 'p4',
        name: 'Filter',
        category: 'Coffee',
        price: 5,
        cost: 4,
        in_stock: 1,
        repeatable: 0,
        attributes: { brand: 'Birch' },
      },
    ])
    const again = await importProducts({ store, clock }, catalog, {
      map: { id: 'sku', name: 'title' },
    })
    expect(again.inserted).toEqual({ products: 0 })
  })

  it('joins listed customers to known ones by id or email and never merges two', async () => {
    const store = current()
    await importOrders(
      { store, clock },
      fixture('orders2.csv', [
        'order_id,customer_id,timestamp,product_id,quantity,price',
        'o1,u1,2024-01-01,p1,1,8',
      ]),
      { format: 'csv' },
    )
    const list = fixture('customers.csv', [
      'id,email,name,plan',
      'u1,Ann@Example.com,Ann,gold',
      'u2,bob@example.com,Bob,',
      'u3,ann@example.com,Impostor,',
      'u4,not-an-email,Dee,',
    ])
    const report = await importCustomers({ store, clock }, list)
    expect(report.inserted).toEqual({ customers: 1 })
    expect(report.skipped).toEqual({
      bad_email: { count: 1, firstLines: [5], broken: true },
      email_conflict: { count: 1, firstLines: [4], broken: false },
    })
    const customers = await store.db
      .selectFrom('customers')
      .innerJoin('identities', 'identities.customer_id', 'customers.id')
      .select(['identities.value', 'customers.email', 'customers.traits'])
      .where('identities.kind', '=', 'user_id')
      .orderBy('identities.value')
      .execute()
    expect(customers.map((c) => ({ ...c, traits: parseJsonObject(c.traits) }))).toEqual([
      {
        value: 'u1',
        email: 'ann@example.com',
        traits: { email: 'ann@example.com', name: 'Ann', plan: 'gold' },
      },
      { value: 'u2', email: 'bob@example.com', traits: { email: 'bob@example.com', name: 'Bob' } },
    ])
    const again = await importCustomers({ store, clock }, list)
    expect(again.inserted).toEqual({ customers: 0 })
    const count = await store.db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(count.n).toBe(2)
  })
})
