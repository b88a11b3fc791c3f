import { describe, expect, it } from 'vitest'
import { allocateReturns } from './allocate-returns.js'
import { normalizeCategory } from './catalog-row.js'
import { OrderRowParser, parseNumber, type RowOutcome } from './order-row.js'
import { parseTimestamp } from './parse-timestamp.js'

const RETAIL_HEADER = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
  'Country',
]

function retail(rows: string[][], keepAnonymous = false): RowOutcome[] {
  const parser = new OrderRowParser({
    format: 'online-retail',
    keepAnonymous,
    timeZone: 'Europe/London',
  })
  return [RETAIL_HEADER, ...rows].map((cells, i) => parser.parse(cells, i + 1))
}

describe('OrderRowParser', () => {
  it('reads an Online Retail purchase in UK local time', () => {
    const [header, winter, summer] = retail([
      [
        '536365',
        '85123A',
        'WHITE HANGING HEART',
        '6',
        '2010-12-01 08:26:00',
        '2.55',
        '17850',
        'United Kingdom',
      ],
      [
        '560000',
        '85123A',
        'WHITE HANGING HEART',
        '2',
        '2011-07-14 10:00:00',
        '2.95',
        '17850.0',
        'France',
      ],
    ])
    expect(header).toEqual({ kind: 'header' })
    expect(winter).toEqual({
      kind: 'line',
      value: {
        kind: 'purchase',
        line: 2,
        customer: '17850',
        orderId: '536365',
        placedAt: Date.UTC(2010, 11, 1, 8, 26),
        productId: '85123A',
        name: 'WHITE HANGING HEART',
        category: null,
        quantity: 6,
        price: 2.55,
        country: 'United Kingdom',
      },
    })
    // British Summer Time: 10:00 local is 09:00 UTC; "17850.0" is customer 17850.
    expect(summer).toMatchObject({
      value: { placedAt: Date.UTC(2011, 6, 14, 9, 0), customer: '17850' },
    })
  })

  it('treats C invoices and negative quantities as returns with positive units', () => {
    const [, cancel] = retail([
      [
        'C536379',
        '22556',
        'PLASTERS',
        '-12',
        '2010-12-01 10:24:00',
        '1.65',
        '17548',
        'United Kingdom',
      ],
    ])
    expect(cancel).toMatchObject({
      kind: 'line',
      value: { kind: 'return', quantity: 12, orderId: 'C536379' },
    })
  })

  it('skips rows without a customer unless asked to keep them', () => {
    const row = ['536414', '22139', '', '56', '2010-12-01 11:52:00', '0', '', 'United Kingdom']
    expect(retail([row])[1]).toEqual({ kind: 'skip', reason: 'missing_customer', line: 2 })
    expect(retail([row], true)[1]).toMatchObject({
      kind: 'line',
      value: { customer: null, name: null },
    })
  })

  it('names the reason and line of each broken row', () => {
    const outcomes = retail([
      ['1', 'A', 'x', '1', '2011-02-30 10:00:00', '1', '5', 'UK'],
      ['2', 'A', 'x', 'three', '2011-01-03 10:00:00', '1', '5', 'UK'],
      ['3', 'A', 'x', '1', '2011-01-03 10:00:00', '1,5', '5', 'UK'],
      ['4', 'A', 'x'],
      ['', 'A', 'x', '1', '2011-01-03 10:00:00', '1', '5', 'UK'],
      ['5', '', 'x', '1', '2011-01-03 10:00:00', '1', '5', 'UK'],
      ['A563186', 'B', 'Adjust bad debt', '1', '2011-08-12 14:51:00', '-11062.06', '5', 'UK'],
    ])
    expect(outcomes.slice(1).map((o) => (o.kind === 'skip' ? [o.reason, o.line] : o.kind))).toEqual(
      [
        ['bad_timestamp', 2],
        ['bad_quantity', 3],
        ['bad_price', 4],
        ['missing_columns', 5],
        ['missing_order_id', 6],
        ['missing_product', 7],
        ['negative_price', 8],
      ],
    )
  })

  it('maps generic CSV columns by name, with --map overrides and a usage error for a missing one', () => {
    const parser = new OrderRowParser({
      format: 'csv',
      map: { customer: 'buyer', price: 'amount' },
    })
    expect(parser.parse(['order_id', 'buyer', 'date', 'sku', 'qty', 'amount'], 1)).toEqual({
      kind: 'header',
    })
    expect(
      parser.parse(['o1', 'b7', '2024-05-01T12:00:00+02:00', 'p', '2', '$1,234.50'], 2),
    ).toMatchObject({
      value: { customer: 'b7', placedAt: Date.UTC(2024, 4, 1, 10), quantity: 2, price: 1234.5 },
    })
    const broken = new OrderRowParser({ format: 'csv' })
    expect(() => broken.parse(['order_id', 'customer_id', 'date'], 1)).toThrow(
      /product, quantity, price/,
    )
  })

  it('reads both CDNOW layouts and numbers same-day transactions', () => {
    const parser = new OrderRowParser({ format: 'cdnow' })
    expect(parser.parse(['customer_id', 'date', 'number_of_cds', 'dollar_value'], 1)).toEqual({
      kind: 'header',
    })
    expect(parser.parse(['00001', '19970101', '1', '11.77'], 2)).toMatchObject({
      value: {
        customer: '1',
        orderId: '19970101',
        quantity: 1,
        price: 11.77,
        placedAt: Date.UTC(1997, 0, 1),
      },
    })
    const sample = new OrderRowParser({ format: 'cdnow' })
    expect(sample.parse(['00004', '0001', '19970101', '2', '29.33'], 1)).toMatchObject({
      value: { customer: '4', orderId: '19970101', quantity: 2, price: 14.665 },
    })
    expect(sample.parse(['00004', '0001', '19970101', '1', '5'], 2)).toMatchObject({
      value: { orderId: '19970101-2' },
    })
    expect(sample.parse(['00004', '0001', '1997011', '1', '5'], 3)).toMatchObject({
      reason: 'bad_timestamp',
    })
    expect(sample.parse(['00004', '0001', '19970111', 'x', '5'], 4)).toMatchObject({
      reason: 'bad_quantity',
    })
    expect(sample.parse(['00004', '19970111', '1'], 5)).toMatchObject({ reason: 'missing_columns' })
  })
})

describe('parseTimestamp and parseNumber', () => {
  it('accepts the usual export formats and rejects impossible dates', () => {
    expect(parseTimestamp('12/1/2010 8:26', 'UTC')).toBe(Date.UTC(2010, 11, 1, 8, 26))
    expect(parseTimestamp('2024-03-31 01:30:00', 'Europe/London')).toBe(
      Date.UTC(2024, 2, 31, 1, 30),
    )
    expect(parseTimestamp('2024-03-31 03:30:00', 'Europe/London')).toBe(
      Date.UTC(2024, 2, 31, 2, 30),
    )
    expect(parseTimestamp('2024-13-01', 'UTC')).toBeNull()
    expect(parseTimestamp('yesterday', 'UTC')).toBeNull()
    expect(parseNumber('0x10')).toBeNull()
    expect(parseNumber(' -3.5 ')).toBe(-3.5)
    expect(normalizeCategory('Home>Kitchen | Knives')).toBe('Home > Kitchen > Knives')
  })
})

describe('allocateReturns', () => {
  it('takes units from the latest earlier purchases, never more than bought', () => {
    const candidates = [
      { customerId: 'c', orderId: 'o1', line: 0, productId: 'p', placedAt: 100, open: 5 },
      { customerId: 'c', orderId: 'o2', line: 3, productId: 'p', placedAt: 200, open: 2 },
      { customerId: 'c', orderId: 'o3', line: 0, productId: 'p', placedAt: 900, open: 9 },
    ]
    const request = {
      customerId: 'c',
      returnId: 'C1',
      returnLine: 0,
      productId: 'p',
      quantity: 10,
      price: 2,
      returnedAt: 500,
      sourceLine: 7,
    }
    const result = allocateReturns(
      [request, { ...request, productId: 'q', sourceLine: 8 }],
      candidates,
    )
    expect(result.allocations.map((a) => [a.orderId, a.quantity, a.amount])).toEqual([
      ['o2', 2, 4],
      ['o1', 5, 10],
    ])
    expect(result.excessUnits).toBe(3)
    expect(result.unmatched.map((u) => u.sourceLine)).toEqual([8])
  })
})
