/**
 * Pure mapping of product-catalog and customer-list rows: header → field columns (with `--map`
 * overrides), and one row → a product or a customer, or a reason to skip it.
 */
import type { JsonObject, JsonValue } from '../../core/json.js'
import { normalizeEmail } from '../identity-key.js'
import { normalizeCustomerId, parseNumber } from './order-row.js'

export const PRODUCT_FIELDS = [
  'id',
  'name',
  'category',
  'price',
  'cost',
  'margin',
  'in_stock',
  'repeatable',
  'attributes',
] as const
export type ProductField = (typeof PRODUCT_FIELDS)[number]

export const CUSTOMER_FIELDS = ['id', 'email'] as const
export type CustomerField = (typeof CUSTOMER_FIELDS)[number]

const PRODUCT_COLUMNS: Readonly<Record<ProductField, readonly string[]>> = {
  id: ['id', 'product_id', 'sku', 'stockcode', 'stock_code', 'item_id'],
  name: ['name', 'title', 'description', 'product_name'],
  category: ['category', 'category_path', 'categories', 'product_category'],
  price: ['price', 'unit_price', 'unitprice'],
  cost: ['cost', 'unit_cost'],
  margin: ['margin', 'gross_margin'],
  in_stock: ['in_stock', 'stock', 'available', 'instock'],
  repeatable: ['repeatable', 'consumable'],
  attributes: ['attributes'],
}

const CUSTOMER_COLUMNS: Readonly<Record<CustomerField, readonly string[]>> = {
  id: ['id', 'customer_id', 'user_id', 'customerid'],
  email: ['email', 'email_address', 'e-mail'],
}

export interface ColumnPlan<F extends string> {
  readonly index: Readonly<Record<F, number>>
  /** Columns no field claims: they become attributes (products) or traits (customers). */
  readonly extra: readonly { readonly at: number; readonly name: string }[]
}

/** Finds each field's column; `required` fields must be found. */
export function planColumns<F extends string>(
  header: readonly string[],
  fields: readonly F[],
  defaults: Readonly<Record<F, readonly string[]>>,
  required: readonly F[],
  map: Readonly<Partial<Record<string, string>>> = {},
):
  | { readonly ok: true; readonly plan: ColumnPlan<F> }
  | { readonly ok: false; readonly message: string } {
  const names = header.map((h) => h.trim().toLowerCase())
  const index = {} as Record<F, number>
  const missing: string[] = []
  for (const field of fields) {
    const wanted = map[field]
    let at = -1
    if (wanted !== undefined) {
      at = /^\d+$/.test(wanted) ? Number(wanted) - 1 : names.indexOf(wanted.trim().toLowerCase())
      if (at < 0 || at >= header.length) missing.push(`${field} (mapped to "${wanted}")`)
    } else {
      for (const candidate of defaults[field]) {
        at = names.indexOf(candidate)
        if (at >= 0) break
      }
      if (at < 0 && required.includes(field)) missing.push(field)
    }
    index[field] = at
  }
  if (missing.length > 0) {
    return {
      ok: false,
      message: `cannot find the column for ${missing.join(', ')} in the header (${header.join(', ')}); name it with --map FIELD=COLUMN`,
    }
  }
  const claimed = new Set<number>(Object.values(index))
  const extra = header
    .map((name, at) => ({ at, name: name.trim() }))
    .filter((c) => !claimed.has(c.at) && c.name !== '')
  return { ok: true, plan: { index, extra } }
}

export function planProductColumns(
  header: readonly string[],
  map?: Readonly<Partial<Record<string, string>>>,
): ReturnType<typeof planColumns<ProductField>> {
  return planColumns(header, PRODUCT_FIELDS, PRODUCT_COLUMNS, ['id'], map)
}

export function planCustomerColumns(
  header: readonly string[],
  map?: Readonly<Partial<Record<string, string>>>,
): ReturnType<typeof planColumns<CustomerField>> {
  return planColumns(header, CUSTOMER_FIELDS, CUSTOMER_COLUMNS, ['id'], map)
}

export interface CatalogProduct {
  readonly id: string
  readonly name: string | null
  /** Levels joined by ' > ' (input may use '>' or '|' between levels). */
  readonly category: string | null
  readonly price: number | null
  readonly cost: number | null
  /** Null when the file does not say (a stored value is then kept). */
  readonly inStock: boolean | null
  readonly repeatable: boolean | null
  readonly attributes: JsonObject
}

export const CATALOG_SKIP_REASONS = [
  'missing_id',
  'bad_price',
  'bad_cost',
  'bad_margin',
  'bad_attributes',
  'bad_email',
] as const
export type CatalogSkipReason = (typeof CATALOG_SKIP_REASONS)[number]

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: CatalogSkipReason }

function cellAt(cells: readonly string[], at: number): string | null {
  if (at < 0) return null
  const value = cells[at]?.trim() ?? ''
  return value === '' ? null : value
}

/**
 * One catalog row. Cost comes from `cost`, or from `margin` (a fraction like 0.35 or a percentage
 * like 35%) and the price. Columns no field claims become attributes.
 */
export function parseProductRow(
  plan: ColumnPlan<ProductField>,
  cells: readonly string[],
): Parsed<CatalogProduct> {
  const cell = (field: ProductField): string | null => cellAt(cells, plan.index[field])
  const id = cell('id')
  if (id === null) return { ok: false, reason: 'missing_id' }
  const priceText = cell('price')
  const price = priceText === null ? null : parseNumber(priceText)
  if (priceText !== null && (price === null || price < 0)) return { ok: false, reason: 'bad_price' }
  const costText = cell('cost')
  let cost = costText === null ? null : parseNumber(costText)
  if (costText !== null && (cost === null || cost < 0)) return { ok: false, reason: 'bad_cost' }
  const marginText = cell('margin')
  if (cost === null && marginText !== null) {
    const margin = parseMargin(marginText)
    if (margin === null) return { ok: false, reason: 'bad_margin' }
    if (price !== null) cost = round6(price * (1 - margin))
  }
  const attributes: JsonObject = {}
  const attributesText = cell('attributes')
  if (attributesText !== null) {
    let parsed: unknown
    try {
      parsed = JSON.parse(attributesText)
    } catch {
      return { ok: false, reason: 'bad_attributes' }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: 'bad_attributes' }
    }
    Object.assign(attributes, parsed)
  }
  for (const { at, name } of plan.extra) {
    const value = cellAt(cells, at)
    if (value !== null) attributes[name] = scalarOf(value)
  }
  const category = cell('category')
  return {
    ok: true,
    value: {
      id,
      name: cell('name'),
      category: category === null ? null : normalizeCategory(category),
      price,
      cost,
      inStock: parseFlag(cell('in_stock')),
      repeatable: parseFlag(cell('repeatable')),
      attributes,
    },
  }
}

export interface ListedCustomer {
  readonly id: string
  readonly email: string | null
  readonly traits: JsonObject
}

/** One customer row: id, email, and every other column as a trait. */
export function parseCustomerRow(
  plan: ColumnPlan<CustomerField>,
  cells: readonly string[],
): Parsed<ListedCustomer> {
  const id = cellAt(cells, plan.index.id)
  if (id === null) return { ok: false, reason: 'missing_id' }
  const emailText = cellAt(cells, plan.index.email)
  const email = emailText === null ? null : normalizeEmail(emailText)
  if (emailText !== null && email === null) return { ok: false, reason: 'bad_email' }
  const traits: JsonObject = {}
  if (email !== null) traits['email'] = email
  for (const { at, name } of plan.extra) {
    const value = cellAt(cells, at)
    if (value !== null) traits[name] = scalarOf(value)
  }
  return { ok: true, value: { id: normalizeCustomerId(id), email, traits } }
}

export function normalizeCategory(text: string): string {
  return text
    .split(/\s*[>|]\s*/)
    .map((level) => level.trim())
    .filter((level) => level !== '')
    .join(' > ')
}

function parseMargin(text: string): number | null {
  const percent = text.endsWith('%')
  const value = parseNumber(percent ? text.slice(0, -1) : text)
  if (value === null) return null
  const fraction = percent || value > 1 ? value / 100 : value
  return fraction >= 0 && fraction < 1 ? fraction : null
}

function parseFlag(text: string | null): boolean | null {
  if (text === null) return null
  const t = text.toLowerCase()
  if (['1', 'true', 'yes', 'y', 'in stock', 'instock'].includes(t)) return true
  if (['0', 'false', 'no', 'n', 'out of stock', 'outofstock'].includes(t)) return false
  const n = parseNumber(text)
  return n === null ? null : n > 0
}

/** Numbers and booleans keep their type in JSON; everything else stays text. */
function scalarOf(text: string): JsonValue {
  if (/^-?\d+(?:\.\d+)?$/.test(text) && !/^-?0\d/.test(text)) return Number(text)
  if (text === 'true' || text === 'false') return text === 'true'
  return text
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}
