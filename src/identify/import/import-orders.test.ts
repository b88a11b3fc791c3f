import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { RequestError } from '../../core/errors.js'
import type { Store } from '../../store/engine.js'
import {
  closeTestStore,
  describeEachEngine,
  openTestStore,
} from '../../../test-support/test-store.js'
import { importOrders } from './import-orders.js'

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname
const HAS_DATA = existsSync(DATA)
/** Shown in the test name when the real-data tests are skipped, so the skip explains itself. */
const NEEDS_DATA = HAS_DATA
  ? ''
  : ` (skipped: ${DATA} is absent; it sits beside the repository in CI)`
const CDNOW_SAMPLE = join(DATA, 'cdnow/CDNOW_sample.txt')
const ONLINE_RETAIL = join(DATA, 'online-retail/online_retail_I.csv.gz')

const clock = manualClock(Date.UTC(2026, 0, 1))
const dir = mkdtempSync(join(tmpdir(), 'idic-import-test-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function fixture(name: string, text: string, gzip = false): string {
  const path = join(dir, name)
  writeFileSync(path, gzip ? gzipSync(text) : text)
  return path
}

function round2(value: number): number {
  return Math.round(value * 100) / 100
}

async function counts(store: Store): Promise<Record<string, number>> {
  const one = async (query: string): Promise<number> =>
    (await sql.raw<{ n: number | null }>(query).execute(store.db)).rows[0]?.n ?? 0
  return {
    customers: await one('SELECT COUNT(*) AS n FROM customers'),
    identities: await one('SELECT COUNT(*) AS n FROM identities'),
    orders: await one('SELECT COUNT(*) AS n FROM orders'),
    items: await one('SELECT COUNT(*) AS n FROM order_items'),
    returns: await one('SELECT COUNT(*) AS n FROM order_returns'),
    products: await one('SELECT COUNT(*) AS n FROM products'),
    returned: await one('SELECT SUM(returned_quantity) AS n FROM order_items'),
    total: round2(await one('SELECT SUM(total) AS n FROM orders')),
    refunded: round2(await one('SELECT SUM(refunded) AS n FROM orders')),
  }
}

const RETAIL = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850,United Kingdom',
  '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,United Kingdom',
  '536368,22960,JAM MAKING SET WITH JARS,6,not a date,4.25,13047,United Kingdom',
  '536369,21756,BATH BUILDING BLOCK WORD,three,2010-12-01 08:35:00,5.95,13047,United Kingdom',
  '536370,22728',
  '536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom',
  'C536391,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-4,2010-12-01 10:24:00,2.55,17850,United Kingdom',
  'C536392,22633,HAND WARMER UNION JACK,-6,2010-12-01 10:30:00,1.85,17850,United Kingdom',
  'C536393,99999,NEVER BOUGHT,-1,2010-12-01 10:31:00,9.99,17850,United Kingdom',
  '"536371","21730","GLASS STAR FROSTED, ""T-LIGHT"" HOLDER",2,2010-12-01 09:00:00,4.25,13047,United Kingdom',
].join('\n')

describeEachEngine('importOrders', (current) => {
  it('imports good rows, reports broken ones with their lines, and accounts for returns', async () => {
    const store = current()
    const report = await importOrders({ store, clock }, fixture('retail.csv.gz', RETAIL, true), {
      format: 'online-retail',
      batchRows: 3,
    })
    expect(report.rowsRead).toBe(12)
    expect(report.skipped).toEqual({
      bad_quantity: { count: 1, firstLines: [7], broken: true },
      bad_timestamp: { count: 1, firstLines: [6], broken: true },
      missing_columns: { count: 1, firstLines: [8], broken: true },
      missing_customer: { count: 1, firstLines: [9], broken: false },
      return_without_order: { count: 1, firstLines: [12], broken: false },
    })
    expect(report.brokenRows).toBe(3)
    expect(report.inserted).toEqual({
      customers: 2,
      orders: 4,
      order_items: 5,
      order_returns: 2,
      products: 5,
    })
    const orders = (
      await store.db
        .selectFrom('orders')
        .select(['order_id', 'total', 'refunded', 'status', 'currency', 'placed_at'])
        .orderBy('order_id')
        .execute()
    ).map((o) => ({ ...o, total: round2(o.total), refunded: round2(o.refunded) }))
    expect(orders).toEqual([
      {
        order_id: '536365',
        total: 35.64,
        refunded: 10.2,
        status: 'partially_refunded',
        currency: 'GBP',
        placed_at: Date.UTC(2010, 11, 1, 8, 26),
      },
      {
        order_id: '536366',
        total: 11.1,
        refunded: 11.1,
        status: 'refunded',
        currency: 'GBP',
        placed_at: Date.UTC(2010, 11, 1, 8, 28),
      },
      {
        order_id: '536367',
        total: 54.08,
        refunded: 0,
        status: 'completed',
        currency: 'GBP',
        placed_at: Date.UTC(2010, 11, 1, 8, 34),
      },
      {
        order_id: '536371',
        total: 8.5,
        refunded: 0,
        status: 'completed',
        currency: 'GBP',
        placed_at: Date.UTC(2010, 11, 1, 9, 0),
      },
    ])
    const quoted = await store.db
      .selectFrom('order_items')
      .select('name')
      .where('order_id', '=', '536371')
      .executeTakeFirstOrThrow()
    expect(quoted.name).toBe('GLASS STAR FROSTED, "T-LIGHT" HOLDER')
    const identity = await store.db
      .selectFrom('identities')
      .select(['kind', 'value'])
      .orderBy('value')
      .execute()
    expect(identity).toEqual([
      { kind: 'user_id', value: '13047' },
      { kind: 'user_id', value: '17850' },
    ])
  })

  it('adds nothing when the same file is imported again', async () => {
    const store = current()
    const path = fixture('retail-again.csv', RETAIL)
    // One line per batch: every multi-line order is completed by a later batch.
    await importOrders({ store, clock }, path, { format: 'online-retail', batchRows: 1 })
    const before = await counts(store)
    expect(before).toMatchObject({ orders: 4, items: 5, total: 109.32, refunded: 21.3 })
    const again = await importOrders({ store, clock }, path, {
      format: 'online-retail',
      batchRows: 5,
    })
    expect(await counts(store)).toEqual(before)
    expect(Object.values(again.inserted).every((n) => n === 0)).toBe(true)
    expect(again.rowsImported).toBe(7)
  })

  it('places returns alike on purchases of the same import and of an earlier one', async () => {
    const header = RETAIL.split('\n')[0]!
    const purchases = [
      '600001,P1,PLATE,6,2011-01-03 09:00:00,2.00,20001,France',
      '600002,P1,PLATE,2,2011-01-04 09:00:00,2.00,20001,France',
    ]
    // 5 units: the newest purchase's 2, then 3 of the older; 4 more: the 3 left, 1 in excess.
    const returns = [
      'C600003,P1,PLATE,-5,2011-01-05 09:00:00,2.00,20001,France',
      'C600004,P1,PLATE,-4,2011-01-06 09:00:00,2.00,20001,France',
    ]
    const placed = async (store: Store): Promise<unknown[]> =>
      await store.db
        .selectFrom('order_items as i')
        .innerJoin('orders as o', (join) =>
          join.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
        )
        .select(['i.order_id', 'i.quantity', 'i.returned_quantity', 'o.refunded', 'o.status'])
        .orderBy('i.order_id')
        .execute()
    const want = [
      { order_id: '600001', quantity: 6, returned_quantity: 6, refunded: 12, status: 'refunded' },
      { order_id: '600002', quantity: 2, returned_quantity: 2, refunded: 4, status: 'refunded' },
    ]
    // One import, one line per batch: each return is placed by its own batch, on lines this
    // import wrote.
    const store = current()
    const together = fixture('returns-together.csv', [header, ...purchases, ...returns].join('\n'))
    await importOrders({ store, clock }, together, { format: 'online-retail', batchRows: 1 })
    expect(await placed(store)).toEqual(want)
    // The returns of a second import are placed on the first import's lines, read from the store.
    await sql`DELETE FROM order_returns`.execute(store.db)
    await sql`DELETE FROM order_items`.execute(store.db)
    await sql`DELETE FROM orders`.execute(store.db)
    await importOrders({ store, clock }, fixture('p.csv', [header, ...purchases].join('\n')), {
      format: 'online-retail',
    })
    const later = await importOrders(
      { store, clock },
      fixture('r.csv', [header, ...returns].join('\n')),
      { format: 'online-retail', batchRows: 1 },
    )
    expect(later.inserted['order_returns']).toBe(3)
    expect(await placed(store)).toEqual(want)
  })

  it('reuses the customer an identity already names, and keeps anonymous orders on request', async () => {
    const store = current()
    const path = fixture(
      'generic.csv',
      [
        'order_id,customer_id,timestamp,product_id,quantity,price',
        'o1,u1,2024-01-01T10:00:00Z,p1,1,10',
        'o2,,2024-01-02T10:00:00Z,p1,2,10',
        'o2,,2024-01-02T10:00:00Z,p2,1,5',
        'o3,,2024-01-03T10:00:00Z,p2,1,5',
      ].join('\n'),
    )
    await importOrders(
      { store, clock },
      fixture(
        'first.csv',
        'order_id,customer_id,timestamp,product_id,quantity,price\no0,u1,2023-12-01,p1,1,10\n',
      ),
      { format: 'csv' },
    )
    const report = await importOrders({ store, clock }, path, {
      format: 'csv',
      keepAnonymous: true,
      currency: 'eur',
    })
    expect(report.inserted['customers']).toBe(2)
    const perCustomer = await store.db
      .selectFrom('orders')
      .innerJoin('identities', 'identities.customer_id', 'orders.customer_id')
      .select(['identities.kind', 'identities.value', 'orders.order_id', 'orders.currency'])
      .orderBy('orders.order_id')
      .execute()
    expect(perCustomer).toEqual([
      { kind: 'user_id', value: 'u1', order_id: 'o0', currency: 'USD' },
      { kind: 'user_id', value: 'u1', order_id: 'o1', currency: 'EUR' },
      { kind: 'anonymous_id', value: 'import:o2', order_id: 'o2', currency: 'EUR' },
      { kind: 'anonymous_id', value: 'import:o3', order_id: 'o3', currency: 'EUR' },
    ])
    const u1 = await store.db
      .selectFrom('customers')
      .select(['first_seen_at', 'last_seen_at'])
      .where(
        'id',
        '=',
        (
          await store.db
            .selectFrom('identities')
            .select('customer_id')
            .where('value', '=', 'u1')
            .executeTakeFirstOrThrow()
        ).customer_id,
      )
      .executeTakeFirstOrThrow()
    expect(u1).toEqual({
      first_seen_at: Date.UTC(2023, 11, 1),
      last_seen_at: Date.UTC(2024, 0, 1, 10),
    })
  })

  it('refuses a file whose header lacks a required column, writing nothing', async () => {
    const store = current()
    const path = fixture(
      'no-price.csv',
      'order_id,customer_id,timestamp,product_id,quantity\no1,u1,2024-01-01,p1,1\n',
    )
    await expect(importOrders({ store, clock }, path, { format: 'csv' })).rejects.toBeInstanceOf(
      RequestError,
    )
    expect((await counts(store)).orders).toBe(0)
  })

  it('leaves the database as it was when the import fails halfway', async () => {
    const store = current()
    const good =
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
      Array.from(
        { length: 50 },
        (_, i) => `${600000 + i},P${i},X,1,2011-01-01 10:00:00,1,${12000 + i},UK`,
      ).join('\n') +
      '\n'
    // A gzip stream cut short: the first rows decode, then the stream errors.
    const gz = gzipSync(good + good.repeat(200))
    const path = join(dir, 'truncated.csv.gz')
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.8)))
    await expect(
      importOrders({ store, clock }, path, { format: 'online-retail', batchRows: 200 }),
    ).rejects.toThrow()
    expect(await counts(store)).toMatchObject({ customers: 0, orders: 0, items: 0, identities: 0 })
  })

  it.skipIf(!HAS_DATA)(
    `imports the CDNOW sample: 2,357 customers, 6,919 transactions${NEEDS_DATA}`,
    async () => {
      const store = current()
      const report = await importOrders({ store, clock }, CDNOW_SAMPLE, { format: 'cdnow' })
      expect(report.rowsRead).toBe(6919)
      expect(report.skipped).toEqual({})
      const c = await counts(store)
      expect(c).toMatchObject({ customers: 2357, orders: 6919, items: 6919 })
      const sums = (
        await sql<{
          units: number
          dollars: number
        }>`SELECT SUM(quantity) AS units, SUM(price * quantity) AS dollars FROM order_items`.execute(
          store.db,
        )
      ).rows[0]!
      expect(sums.units).toBe(16479)
      expect(sums.dollars).toBeCloseTo(244091.94, 2)
      const again = await importOrders({ store, clock }, CDNOW_SAMPLE, { format: 'cdnow' })
      expect(again.inserted).toMatchObject({ customers: 0, orders: 0, order_items: 0 })
      expect(await counts(store)).toEqual(c)
    },
  )
})

describe.skipIf(!HAS_DATA)(
  `importOrders on the full Online Retail file [sqlite]${NEEDS_DATA}`,
  () => {
    it('imports to the usual cleaning counts with cancellations and returns accounted for', async () => {
      const store = await openTestStore('sqlite')
      try {
        const report = await importOrders({ store, clock }, ONLINE_RETAIL, {
          format: 'online-retail',
        })
        expect(report.rowsRead).toBe(541909)
        expect(report.brokenRows).toBe(0)
        expect(report.skipped['missing_customer']?.count).toBe(135080)
        expect(report.skipped['negative_price']).toBeUndefined()
        const c = await counts(store)
        // 4,339 customers and 18,536 invoices: cancellations, Quantity <= 0 and missing customers
        // are not orders; 397,924 rows remain (README of shared/data/online-retail).
        expect(c).toMatchObject({ customers: 4339, orders: 18536, items: 397924 })
        const returns = (
          await sql<{
            rows: number
            units: number
            amount: number
            refunded: number
            over: number
          }>`
        SELECT (SELECT COUNT(DISTINCT return_id || ':' || return_line) FROM order_returns) AS rows,
               (SELECT SUM(quantity) FROM order_returns) AS units,
               (SELECT SUM(amount) FROM order_returns) AS amount,
               (SELECT SUM(refunded) FROM orders) AS refunded,
               (SELECT COUNT(*) FROM order_items WHERE returned_quantity > quantity) AS over`.execute(
            store.db,
          )
        ).rows[0]!
        // Every cancellation row of a known customer is either placed against an earlier purchase
        // or reported: 8,905 such rows in the file.
        expect(returns.rows + (report.skipped['return_without_order']?.count ?? 0)).toBe(8905)
        expect(returns.units).toBe(c['returned'])
        expect(returns.amount).toBeCloseTo(returns.refunded, 2)
        expect(returns.over).toBe(0)
        const statuses = await store.db
          .selectFrom('orders')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute()
        expect(statuses.map((s) => s.status).sort()).toEqual([
          'completed',
          'partially_refunded',
          'refunded',
        ])
      } finally {
        await closeTestStore(store)
      }
    }, 300_000)
  },
)
