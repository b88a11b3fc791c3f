import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import type { InteractionRow } from './interaction-matrix.js'
import type { RowSplit } from './evaluate.js'

/** File formats `idic evaluate` and the benchmark read. */
export const DATASET_FORMATS = ['movielens', 'online-retail', 'tsv'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

function readText(path: string): string {
  const bytes = readFileSync(path)
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')
}

/**
 * Tab- or whitespace-separated `customer item [value [time]]` lines (MovieLens `u.data` is
 * `user item rating timestamp` in seconds). Every line is one interaction of kind purchase; times
 * under 10^11 are taken as seconds.
 */
export function readTsvInteractions(path: string): InteractionRow[] {
  const rows: InteractionRow[] = []
  for (const line of readText(path).split('\n')) {
    if (line.trim() === '') continue
    const parts = line.trim().split(/\s+/)
    const customer = parts[0]
    const item = parts[1]
    if (customer === undefined || item === undefined) continue
    const value = parts[2] === undefined ? 1 : Number(parts[2])
    const rawTime = parts[3] === undefined ? 0 : Number(parts[3])
    const time = rawTime < 1e11 ? rawTime * 1000 : rawTime
    rows.push({ customer, item, kind: 'purchase', value: Number.isFinite(value) ? value : 1, time })
  }
  return rows
}

/** The fixed MovieLens split: `train.tsv` and `test.tsv` in a folder. */
export function readFixedSplit(trainPath: string, testPath: string): RowSplit {
  return { train: readTsvInteractions(trainPath), test: readTsvInteractions(testPath) }
}

export function readMovieLensSplitDir(dir: string): RowSplit {
  return readFixedSplit(join(dir, 'train.tsv'), join(dir, 'test.tsv'))
}

/** Stock codes in Online Retail that are fees and adjustments, not products. */
const NON_PRODUCT_CODES = new Set([
  'POST',
  'D',
  'M',
  'C2',
  'CRUK',
  'DOT',
  'BANK CHARGES',
  'AMAZONFEE',
  'PADS',
  'S',
  'B',
])

/**
 * UCI Online Retail (gzip CSV) as purchases, cleaned the common way: cancellations (`C…`
 * invoices), non-positive quantities, rows without a customer and non-product stock codes are
 * dropped. `value` is the quantity; times are the invoice dates read as UTC.
 */
export function readOnlineRetail(path: string): InteractionRow[] {
  const records: string[][] = parse(readText(path), { from_line: 2, relax_column_count: true })
  const rows: InteractionRow[] = []
  for (const r of records) {
    const [invoice, code, , qty, date, , customer] = r
    if (invoice === undefined || code === undefined || customer === undefined || customer === '') {
      continue
    }
    if (invoice.startsWith('C') || NON_PRODUCT_CODES.has(code)) continue
    const quantity = Number(qty)
    if (!(quantity > 0)) continue
    const time = Date.parse(`${(date ?? '').replace(' ', 'T')}Z`)
    if (!Number.isFinite(time)) continue
    rows.push({
      customer: customer.replace(/\.0$/, ''),
      item: code,
      kind: 'purchase',
      value: quantity,
      time,
    })
  }
  return rows
}

/** Reads a data file in one of the {@link DATASET_FORMATS}. */
export function readDataset(path: string, format: DatasetFormat): InteractionRow[] {
  switch (format) {
    case 'movielens':
    case 'tsv':
      return readTsvInteractions(path)
    case 'online-retail':
      return readOnlineRetail(path)
  }
}
