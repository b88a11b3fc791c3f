/**
 * Pure mapping of one source record (a CSV row's cells or a CDNOW line's tokens) to an order
 * line, a return, or a reason to skip it. No I/O: the reader feeds it, the writer stores what it
 * returns, and tests drive it with plain arrays.
 */
import { parseTimestamp } from './parse-timestamp.js'

/** Layouts `idic import orders` understands. */
export const ORDER_FORMATS = ['csv', 'online-retail', 'cdnow'] as const
export type OrderFormat = (typeof ORDER_FORMATS)[number]

/** The fields an order line is built from; `--map FIELD=COLUMN` names their columns. */
export const ORDER_FIELDS = [
  'customer',
  'order',
  'timestamp',
  'product',
  'description',
  'category',
  'quantity',
  'price',
  'country',
] as const
export type OrderField = (typeof ORDER_FIELDS)[number]

const REQUIRED_FIELDS = ['order', 'timestamp', 'product', 'quantity', 'price'] as const

/**
 * Why a row was not imported. The `broken` ones are defects of the file (the import ends with
 * EXIT.partial); the others are rows the rules leave out on purpose.
 */
export const SKIP_REASONS = [
  'malformed_record',
  'missing_columns',
  'missing_order_id',
  'missing_product',
  'bad_timestamp',
  'bad_quantity',
  'bad_price',
  'missing_customer',
  'zero_quantity',
  'negative_price',
  'return_without_order',
] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

export const BROKEN_REASONS = [
  'malformed_record',
  'missing_columns',
  'missing_order_id',
  'missing_product',
  'bad_timestamp',
  'bad_quantity',
  'bad_price',
] as const satisfies readonly SkipReason[]

export function isBrokenReason(reason: SkipReason): boolean {
  return (BROKEN_REASONS as readonly SkipReason[]).includes(reason)
}

/** One purchased line, or (kind `return`) units given back, with the quantity made positive. */
export interface OrderLine {
  readonly kind: 'purchase' | 'return'
  readonly line: number
  /** The shop's customer id; null for a row without one (kept only with --keep-anonymous). */
  readonly customer: string | null
  readonly orderId: string
  readonly placedAt: number
  readonly productId: string
  readonly name: string | null
  readonly category: string | null
  readonly quantity: number
  readonly price: number
  readonly country: string | null
}

export type RowOutcome =
  | { readonly kind: 'line'; readonly value: OrderLine }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly line: number }
  | { readonly kind: 'header' }

export interface OrderRowParserOptions {
  readonly format: OrderFormat
  /** `--map` overrides: field → column name (or 1-based column number). */
  readonly map?: Readonly<Partial<Record<OrderField, string>>>
  /** Keep rows without a customer (each such order becomes its own anonymous customer). */
  readonly keepAnonymous?: boolean
  /** Time zone of timestamps that carry no offset (IANA name). */
  readonly timeZone?: string
}

/** Column names each layout uses when `--map` says nothing; matched case-insensitively. */
const DEFAULT_COLUMNS: Readonly<Record<'csv' | 'online-retail', Record<OrderField, string[]>>> = {
  'online-retail': {
    customer: ['CustomerID', 'Customer ID'],
    order: ['InvoiceNo', 'Invoice'],
    timestamp: ['InvoiceDate'],
    product: ['StockCode'],
    description: ['Description'],
    category: ['Category'],
    quantity: ['Quantity'],
    price: ['UnitPrice', 'Price'],
    country: ['Country'],
  },
  csv: {
    customer: ['customer_id', 'customer', 'user_id', 'customerid'],
    order: ['order_id', 'order', 'invoice', 'invoice_no', 'orderid'],
    timestamp: ['timestamp', 'date', 'placed_at', 'order_date', 'created_at', 'time'],
    product: ['product_id', 'product', 'sku', 'stock_code', 'item_id'],
    description: ['description', 'name', 'product_name', 'title'],
    category: ['category', 'product_category'],
    quantity: ['quantity', 'qty', 'units'],
    price: ['unit_price', 'price'],
    country: ['country'],
  },
}

export type ColumnIndex = Readonly<Record<OrderField, number>>

/** Where each field lives in a header row; an error names the fields it cannot find. */
export function resolveColumns(
  header: readonly string[],
  format: 'csv' | 'online-retail',
  map: Readonly<Partial<Record<OrderField, string>>> = {},
):
  | { readonly ok: true; readonly columns: ColumnIndex }
  | { readonly ok: false; readonly message: string } {
  const names = header.map((h) => h.trim().toLowerCase())
  const index = {} as Record<OrderField, number>
  const missing: string[] = []
  for (const field of ORDER_FIELDS) {
    const wanted = map[field]
    let at = -1
    if (wanted !== undefined) {
      at = /^\d+$/.test(wanted) ? Number(wanted) - 1 : names.indexOf(wanted.trim().toLowerCase())
      if (at < 0 || at >= header.length) {
        missing.push(`${field} (mapped to "${wanted}")`)
        continue
      }
    } else {
      for (const candidate of DEFAULT_COLUMNS[format][field]) {
        at = names.indexOf(candidate.toLowerCase())
        if (at >= 0) break
      }
    }
    if (at < 0 && (REQUIRED_FIELDS as readonly string[]).includes(field)) missing.push(field)
    index[field] = at
  }
  if (missing.length > 0) {
    return {
      ok: false,
      message: `cannot find the column for ${missing.join(', ')} in the header (${header.join(', ')}); name it with --map FIELD=COLUMN`,
    }
  }
  return { ok: true, columns: index }
}

/**
 * Reads records of one file, in order. Stateful only for the header (CSV layouts) and for
 * numbering same-day CDNOW transactions, so it is made once per import.
 */
export class OrderRowParser {
  private columns: ColumnIndex | null = null
  /** Rows of one order share their timestamp: parse each distinct text once. */
  private lastStamp = ''
  private lastStampValue: number | null = null
  private lastCdnowKey = ''
  private cdnowRepeat = 0

  constructor(private readonly options: OrderRowParserOptions) {}

  /** Throws a message for a header that lacks required columns (a usage error, not a row). */
  parse(cells: readonly string[], line: number): RowOutcome {
    if (this.options.format === 'cdnow') return this.parseCdnow(cells, line)
    if (this.columns === null) {
      const resolved = resolveColumns(cells, this.options.format, this.options.map)
      if (!resolved.ok) throw new HeaderError(resolved.message)
      this.columns = resolved.columns
      return { kind: 'header' }
    }
    return this.parseCsv(this.columns, cells, line)
  }

  private timestamp(text: string): number | null {
    if (text !== this.lastStamp) {
      this.lastStamp = text
      this.lastStampValue = parseTimestamp(text, this.options.timeZone ?? 'UTC')
    }
    return this.lastStampValue
  }

  // Called once per row of a file: plain reads of the column indexes, no closure per row.
  private parseCsv(columns: ColumnIndex, cells: readonly string[], line: number): RowOutcome {
    const orderText = cellAt(cells, columns.order)
    const productText = cellAt(cells, columns.product)
    const stampText = cellAt(cells, columns.timestamp)
    const quantityText = cellAt(cells, columns.quantity)
    const priceText = cellAt(cells, columns.price)
    if (
      orderText === null ||
      productText === null ||
      stampText === null ||
      quantityText === null ||
      priceText === null
    ) {
      return skip('missing_columns', line)
    }
    const orderId = orderText.trim()
    if (orderId === '') return skip('missing_order_id', line)
    const productId = productText.trim()
    if (productId === '') return skip('missing_product', line)
    const placedAt = this.timestamp(stampText)
    if (placedAt === null) return skip('bad_timestamp', line)
    const quantity = parseNumber(quantityText)
    if (quantity === null) return skip('bad_quantity', line)
    const price = parseNumber(priceText)
    if (price === null) return skip('bad_price', line)
    const customer = emptyToNull(cellAt(cells, columns.customer))
    if (customer === null && this.options.keepAnonymous !== true) {
      return skip('missing_customer', line)
    }
    // Accounting adjustments (Online Retail's bad-debt rows), not sales.
    if (price < 0) return skip('negative_price', line)
    if (quantity === 0) return skip('zero_quantity', line)
    // A cancellation invoice (online-retail's `C…`) or a negative quantity gives units back.
    const isReturn =
      quantity < 0 || (this.options.format === 'online-retail' && orderId.startsWith('C'))
    return {
      kind: 'line',
      value: {
        kind: isReturn ? 'return' : 'purchase',
        line,
        customer: customer === null ? null : normalizeCustomerId(customer),
        orderId,
        placedAt,
        productId,
        name: emptyToNull(cellAt(cells, columns.description)),
        category: emptyToNull(cellAt(cells, columns.category)),
        quantity: Math.abs(quantity),
        price,
        country: emptyToNull(cellAt(cells, columns.country)),
      },
    }
  }

  /**
   * CDNOW: `customer date cds dollars` (master) or `master_id sample_id date cds dollars`
   * (sample); a header line is recognised by its non-numeric first token. Each line is one
   * transaction: an order of `cds` units of the product "cd" whose total is `dollars`.
   */
  private parseCdnow(tokens: readonly string[], line: number): RowOutcome {
    if (tokens.length === 0) return { kind: 'header' }
    if (line === 1 && !/^\d+$/.test(tokens[0] ?? '')) return { kind: 'header' }
    if (tokens.length !== 4 && tokens.length !== 5) return skip('missing_columns', line)
    const offset = tokens.length - 4
    const customerToken = tokens[0] ?? ''
    const date = tokens[1 + offset] ?? ''
    if (!/^\d+$/.test(customerToken)) return skip('malformed_record', line)
    const placedAt = /^\d{8}$/.test(date) ? parseTimestamp(date, 'UTC') : null
    if (placedAt === null) return skip('bad_timestamp', line)
    const quantity = parseNumber(tokens[2 + offset] ?? '')
    if (quantity === null || !Number.isInteger(quantity)) return skip('bad_quantity', line)
    const dollars = parseNumber(tokens[3 + offset] ?? '')
    if (dollars === null || dollars < 0) return skip('bad_price', line)
    if (quantity === 0) return skip('zero_quantity', line)
    const customer = customerToken.replace(/^0+(?=\d)/, '')
    // Customers with two transactions on one day keep both: the second is `DATE-2`.
    const key = `${customer} ${date}`
    this.cdnowRepeat = key === this.lastCdnowKey ? this.cdnowRepeat + 1 : 1
    this.lastCdnowKey = key
    const orderId = this.cdnowRepeat === 1 ? date : `${date}-${this.cdnowRepeat}`
    return {
      kind: 'line',
      value: {
        kind: quantity < 0 ? 'return' : 'purchase',
        line,
        customer,
        orderId,
        placedAt,
        productId: 'cd',
        name: 'CD',
        category: 'Music',
        quantity: Math.abs(quantity),
        price: dollars / Math.abs(quantity),
        country: null,
      },
    }
  }
}

/** A header that lacks a required column: the whole file cannot be read as asked. */
export class HeaderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HeaderError'
  }
}

/** The cell at a column index (-1: the file has no such column), or null past the row's end. */
function cellAt(cells: readonly string[], at: number): string | null {
  if (at < 0) return null
  return cells[at] ?? null
}

function skip(reason: SkipReason, line: number): RowOutcome {
  return { kind: 'skip', reason, line }
}

function emptyToNull(value: string | null): string | null {
  if (value === null) return null
  const trimmed = value.trim()
  return trimmed === '' ? null : value
}

/** Spreadsheet exports write numeric ids as `17850.0`: that is customer `17850`. */
export function normalizeCustomerId(value: string): string {
  const trimmed = value.trim()
  if (!trimmed.includes('.')) return trimmed
  const numeric = /^(\d+)\.0+$/.exec(trimmed)
  return numeric === null ? trimmed : numeric[1]!
}

const PLAIN_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/

/** A finite decimal number (`1,234.5` and a leading currency sign are accepted), or null. */
export function parseNumber(text: string): number | null {
  let s = text.trim()
  // Most cells are plain decimals: one test, none of the rewrites below.
  if (PLAIN_NUMBER.test(s)) {
    const value = Number(s)
    return Number.isFinite(value) ? value : null
  }
  if (s === '') return null
  if (s.includes(',')) s = s.replace(/,(?=\d{3}(?:\D|$))/g, '')
  if (/[$£€]/.test(s)) s = s.replace(/^([-+]?)[$£€]/, '$1')
  if (!PLAIN_NUMBER.test(s)) return null
  const value = Number(s)
  return Number.isFinite(value) ? value : null
}
