/**
 * Out-of-sample check of the share-of-customer wallet estimates on the UCI Online Retail data.
 *
 *   npx tsx bench/wallet-online-retail.ts [--json]
 *
 * Wallets are estimated from 2010-12-01..2011-08-31 (calibration) and checked against what the
 * same customers spent in 2011-09-01..2011-12-09 (holdout), both as spend per day of exposure.
 * A wallet is the 0.9 quantile of similar customers' spend, so (1) about nine in ten customers
 * should spend less than their wallet later on, and (2) customers with more unrealised potential
 * (a lower share of wallet) should grow their spend more. Features: product-family mix (first
 * two characters of StockCode: the data has no categories), tenure, basket size and country.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { estimateWallets } from '../src/differentiate/value/wallet.js'

const FILE = new URL('../../shared/data/online-retail/online_retail_I.csv.gz', import.meta.url)
const DAY = 86_400_000
const CAL_START = Date.UTC(2010, 11, 1)
const CAL_END = Date.UTC(2011, 8, 1)
const HOLD_END = Date.UTC(2011, 11, 10)
const FAMILIES = 20

interface Customer {
  revenue: number
  holdout: number
  first: number
  invoices: Set<string>
  country: string
  families: Map<string, number>
}

const rows = parse<Record<string, string>>(gunzipSync(readFileSync(FILE)), {
  columns: true,
  skip_empty_lines: true,
})
const customers = new Map<string, Customer>()
const familyTotals = new Map<string, number>()
for (const row of rows) {
  const id = row['CustomerID'] ?? ''
  const invoice = row['InvoiceNo'] ?? ''
  const quantity = Number(row['Quantity'])
  const price = Number(row['UnitPrice'])
  if (id === '' || invoice.startsWith('C') || !(quantity > 0) || !(price > 0)) continue
  const at = Date.parse(`${(row['InvoiceDate'] ?? '').replace(' ', 'T')}Z`)
  const amount = quantity * price
  let c = customers.get(id)
  if (c === undefined) {
    c = {
      revenue: 0,
      holdout: 0,
      first: Infinity,
      invoices: new Set(),
      country: row['Country'] ?? '',
      families: new Map(),
    }
    customers.set(id, c)
  }
  if (at < CAL_END) {
    c.revenue += amount
    c.first = Math.min(c.first, at)
    c.invoices.add(invoice)
    const family = (row['StockCode'] ?? '').slice(0, 2)
    c.families.set(family, (c.families.get(family) ?? 0) + amount)
    familyTotals.set(family, (familyTotals.get(family) ?? 0) + amount)
  } else if (at < HOLD_END) {
    c.holdout += amount
  }
}
const cohort = [...customers.values()].filter((c) => c.revenue > 0)
const top = [...familyTotals.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, FAMILIES)
  .map(([f]) => f)
const column = new Map(top.map((f, i) => [f, i]))
const categories = top.length + 1
const n = cohort.length
const mix = new Float64Array(n * categories)
cohort.forEach((c, i) => {
  for (const [family, amount] of c.families)
    mix[i * categories + (column.get(family) ?? top.length)]! += amount / c.revenue
})
// Spend per day of exposure, so customers acquired late are comparable with early ones.
const exposure = cohort.map((c) => Math.max(30, (CAL_END - Math.max(c.first, CAL_START)) / DAY))
const calRate = Float64Array.from(cohort, (c, i) => c.revenue / exposure[i]!)
const holdDays = (HOLD_END - CAL_END) / DAY
const holdRate = Float64Array.from(cohort, (c) => c.holdout / holdDays)
const started = performance.now()
const wallet = estimateWallets({
  revenue: calRate,
  tenure: Float64Array.from(exposure),
  basketSize: Float64Array.from(cohort, (c) => c.revenue / c.invoices.size),
  country: cohort.map((c) => c.country),
  categoryMix: mix,
  categories,
})
const walletMs = performance.now() - started

let below = 0
for (let i = 0; i < n; i++) if (holdRate[i]! <= wallet.wallet[i]!) below++
// Growth of spend rate by quintile of share of wallet (lowest share = most potential).
const order = Array.from({ length: n }, (_, i) => i).sort(
  (a, b) => wallet.share[a]! - wallet.share[b]!,
)
const quintiles = [0, 1, 2, 3, 4].map((q) => {
  const members = order.slice(Math.floor((q * n) / 5), Math.floor(((q + 1) * n) / 5))
  let cal = 0
  let hold = 0
  let share = 0
  for (const i of members) {
    cal += calRate[i]!
    hold += holdRate[i]!
    share += wallet.share[i]!
  }
  return {
    quintile: q + 1,
    customers: members.length,
    meanShare: Number((share / members.length).toFixed(3)),
    holdoutOverCalibrationSpend: Number((hold / cal).toFixed(3)),
  }
})
function ranks(values: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => values[a]! - values[b]!,
  )
  const r = new Float64Array(values.length)
  idx.forEach((i, k) => (r[i] = k))
  return r
}
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a)
  const rb = ranks(b)
  const m = (ra.length - 1) / 2
  let num = 0
  let da = 0
  let db = 0
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - m) * (rb[i]! - m)
    da += (ra[i]! - m) ** 2
    db += (rb[i]! - m) ** 2
  }
  return num / Math.sqrt(da * db)
}
const growth = Float64Array.from(holdRate, (h, i) => h / calRate[i]!)
const report = {
  check: 'wallet-online-retail',
  customers: n,
  calibration: '2010-12-01..2011-08-31',
  holdout: '2011-09-01..2011-12-09',
  walletMs: Math.round(walletMs),
  holdoutSpendBelowWallet: Number((below / n).toFixed(3)),
  expectedAbout: 0.9,
  // Negative: the lower the share of wallet, the more the customer's spend grows.
  spearmanShareVsHoldoutGrowthRatio: Number(spearman(wallet.share, growth).toFixed(3)),
  // The same among customers who bought again in the holdout (churn of small buyers aside).
  spearmanShareVsGrowthRatioOfActive: Number(
    spearman(
      wallet.share.filter((_, i) => holdRate[i]! > 0),
      growth.filter((_, i) => holdRate[i]! > 0),
    ).toFixed(3),
  ),
  activeInHoldout: holdRate.filter((h) => h > 0).length,
  byShareOfWalletQuintile: quintiles,
}
console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : report)
