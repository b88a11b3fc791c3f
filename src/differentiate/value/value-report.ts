import type { TrackingCurve } from './score-customers.js'
import { TIER_NAMES, TIERS, type Tier } from './tiers.js'

/** One customer's stored figures, as the report needs them. */
export interface ReportCustomer {
  readonly actualValue: number | null
  readonly tier: string
  readonly pAlive: number | null
  /** Time since last purchase, in time units. */
  readonly recency: number
  /** Repeat purchases. */
  readonly frequency: number
}

export interface ValueReportInput {
  readonly title?: string
  readonly generatedAt: string
  readonly model: string
  readonly params: Readonly<Record<string, number>>
  readonly logLik: number
  readonly spend: {
    readonly params: Readonly<Record<string, number>> | null
    readonly logLik: number | null
  }
  readonly timeUnit: string
  readonly customers: readonly ReportCustomer[]
  readonly tracking: TrackingCurve | null
}

const WIDTH = 640
const HEIGHT = 320
const PAD = 48
const TIER_COLORS: Readonly<Record<Tier, string>> = {
  mvc: '#1b7837',
  mgc: '#5aae61',
  low_maintenance: '#9ecae1',
  below_zero: '#d6604d',
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function fmt(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return '–'
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toFixed(digits)
}

function svg(body: string, label: string, height = HEIGHT): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${body}</svg>`
}

function quantileOf(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/** Histogram of actual value, trimmed to the 1st–99th percentile so a few whales do not flatten it. */
function valueHistogram(customers: readonly ReportCustomer[]): string {
  const values = customers
    .map((c) => c.actualValue)
    .filter((v): v is number => v !== null && Number.isFinite(v))
    .sort((a, b) => a - b)
  if (values.length === 0) return '<p>No values to plot.</p>'
  const lo = quantileOf(values, 0.01)
  const hi = Math.max(quantileOf(values, 0.99), lo + 1e-9)
  const bins = 30
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) {
    const k = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))
    counts[k]! += 1
  }
  const max = Math.max(...counts)
  const w = (WIDTH - 2 * PAD) / bins
  let body = ''
  counts.forEach((count, k) => {
    const h = (count / max) * (HEIGHT - 2 * PAD)
    const x0 = lo + (k / bins) * (hi - lo)
    body += `<rect x="${PAD + k * w}" y="${HEIGHT - PAD - h}" width="${w - 1}" height="${h}" fill="#4575b4"><title>${fmt(x0)}–${fmt(x0 + (hi - lo) / bins)}: ${count} customers</title></rect>`
  })
  body += axes('actual value (1st–99th percentile; the rest in the end bins)', 'customers')
  body += `<text x="${PAD}" y="${HEIGHT - PAD + 16}" font-size="11">${fmt(lo)}</text><text x="${WIDTH - PAD}" y="${HEIGHT - PAD + 16}" font-size="11" text-anchor="end">${fmt(hi)}</text><text x="${PAD - 6}" y="${PAD + 4}" font-size="11" text-anchor="end">${max}</text>`
  return svg(body, 'Distribution of actual customer value')
}

function axes(xLabel: string, yLabel: string): string {
  return `<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}" stroke="#333"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${HEIGHT - PAD}" stroke="#333"/><text x="${WIDTH / 2}" y="${HEIGHT - 8}" font-size="12" text-anchor="middle">${escapeHtml(xLabel)}</text><text x="14" y="${HEIGHT / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${HEIGHT / 2})">${escapeHtml(yLabel)}</text>`
}

/** Tiers stacked as a pyramid, MVC on top; widths by share of customers. */
function tierPyramid(customers: readonly ReportCustomer[]): string {
  const counts = new Map<string, number>()
  for (const c of customers) counts.set(c.tier, (counts.get(c.tier) ?? 0) + 1)
  const total = Math.max(1, customers.length)
  const rowHeight = 56
  const height = TIERS.length * rowHeight + 20
  let body = ''
  TIERS.forEach((tier, k) => {
    const count = counts.get(tier) ?? 0
    // Pyramid frame widens downwards; the filled part shows the tier's share.
    const frame = (WIDTH - 2 * PAD) * ((k + 1) / TIERS.length)
    const filled = Math.max(2, frame * Math.sqrt(count / total))
    const y = 10 + k * rowHeight
    body += `<rect x="${(WIDTH - frame) / 2}" y="${y}" width="${frame}" height="${rowHeight - 6}" fill="#eee"/>`
    body += `<rect x="${(WIDTH - filled) / 2}" y="${y}" width="${filled}" height="${rowHeight - 6}" fill="${TIER_COLORS[tier]}"><title>${TIER_NAMES[tier]}: ${count}</title></rect>`
    body += `<text x="${WIDTH / 2}" y="${y + rowHeight / 2}" font-size="13" text-anchor="middle">${escapeHtml(TIER_NAMES[tier])}: ${count} (${((100 * count) / total).toFixed(1)}%)</text>`
  })
  return svg(body, 'Tier pyramid', height)
}

function color(p: number): string {
  // White (0) to dark green (1).
  const r = Math.round(255 - p * (255 - 27))
  const g = Math.round(255 - p * (255 - 120))
  const b = Math.round(255 - p * (255 - 55))
  return `rgb(${r},${g},${b})`
}

/** Mean P(alive) by recency (columns) and repeat frequency (rows). */
function aliveHeatmap(customers: readonly ReportCustomer[], timeUnit: string): string {
  const usable = customers.filter((c) => c.pAlive !== null && Number.isFinite(c.pAlive))
  if (usable.length === 0) return '<p>No P(alive) to plot.</p>'
  const maxRecency = Math.max(...usable.map((c) => c.recency), 1e-9)
  const cols = 12
  const rows = 8 // 0..6 and 7+
  const sum = new Float64Array(cols * rows)
  const count = new Float64Array(cols * rows)
  for (const c of usable) {
    const col = Math.min(cols - 1, Math.floor((c.recency / maxRecency) * cols))
    const row = Math.min(rows - 1, c.frequency)
    sum[row * cols + col]! += c.pAlive!
    count[row * cols + col]! += 1
  }
  const w = (WIDTH - 2 * PAD) / cols
  const h = (HEIGHT - 2 * PAD) / rows
  let body = ''
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const n = count[row * cols + col]!
      const y = HEIGHT - PAD - (row + 1) * h
      if (n === 0) {
        body += `<rect x="${PAD + col * w}" y="${y}" width="${w - 1}" height="${h - 1}" fill="#d9d9d9"><title>no customers</title></rect>`
        continue
      }
      const p = sum[row * cols + col]! / n
      body += `<rect x="${PAD + col * w}" y="${y}" width="${w - 1}" height="${h - 1}" fill="${color(p)}"><title>recency ${fmt((col * maxRecency) / cols)}–${fmt(((col + 1) * maxRecency) / cols)} ${escapeHtml(timeUnit)}s, x ${row === rows - 1 ? '7+' : row}: P(alive) ${p.toFixed(2)} (${n} customers)</title></rect>`
    }
    body += `<text x="${PAD - 6}" y="${HEIGHT - PAD - row * h - h / 2 + 4}" font-size="11" text-anchor="end">${row === rows - 1 ? '7+' : row}</text>`
  }
  body += axes(`time since last purchase (${timeUnit}s, 0–${fmt(maxRecency)})`, 'repeat purchases')
  body += `<rect x="${WIDTH - PAD - 150}" y="12" width="12" height="12" fill="${color(0)}" stroke="#999"/><text x="${WIDTH - PAD - 134}" y="22" font-size="11">P(alive) 0</text><rect x="${WIDTH - PAD - 70}" y="12" width="12" height="12" fill="${color(1)}"/><text x="${WIDTH - PAD - 54}" y="22" font-size="11">1</text>`
  return svg(body, 'Mean P(alive) by recency and frequency')
}

/** Cumulative repeat purchases, actual against the model, with the calibration end marked. */
function trackingPlot(tracking: TrackingCurve | null): string {
  if (tracking === null || tracking.actual.length === 0) return '<p>No tracking data.</p>'
  const n = tracking.actual.length
  const max = Math.max(...tracking.actual, ...tracking.expected, 1)
  const x = (k: number): number => PAD + ((k + 1) / n) * (WIDTH - 2 * PAD)
  const y = (v: number): number => HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD)
  const line = (values: readonly number[]): string =>
    values.map((v, k) => `${k === 0 ? 'M' : 'L'}${x(k).toFixed(1)},${y(v).toFixed(1)}`).join('')
  const calX = PAD + (tracking.calibrationPeriods / n) * (WIDTH - 2 * PAD)
  let body = `<path d="${line(tracking.actual)}" fill="none" stroke="#222" stroke-width="2"/>`
  body += `<path d="${line(tracking.expected)}" fill="none" stroke="#d6604d" stroke-width="2" stroke-dasharray="6 4"/>`
  body += `<line x1="${calX}" y1="${PAD}" x2="${calX}" y2="${HEIGHT - PAD}" stroke="#999" stroke-dasharray="2 3"/><text x="${calX + 4}" y="${PAD + 10}" font-size="11">calibration end</text>`
  body += `<text x="${WIDTH - PAD}" y="${PAD}" font-size="12" text-anchor="end">— actual  <tspan fill="#d6604d">- - model</tspan></text>`
  body += `<text x="${PAD - 6}" y="${PAD + 4}" font-size="11" text-anchor="end">${fmt(max, 0)}</text>`
  body += axes(`${tracking.timeUnit}s since ${tracking.origin}`, 'cumulative repeat purchases')
  return svg(body, 'Tracking: cumulative repeat purchases, actual and expected')
}

function paramTable(params: Readonly<Record<string, number>>): string {
  return Object.entries(params)
    .map(([k, v]) => `<td>${escapeHtml(k)} = ${fmt(v, 4)}</td>`)
    .join('')
}

/**
 * A self-contained HTML report (inline CSS and SVG, no scripts, no external resources) of a
 * scoring run: model parameters, value distribution, tier pyramid, P(alive) by recency and
 * frequency, and the calibration/holdout tracking curve.
 */
export function renderValueReport(input: ValueReportInput): string {
  const title = input.title ?? 'Customer value report'
  const spend =
    input.spend.params === null
      ? '<td>not fitted</td>'
      : `${paramTable(input.spend.params)}<td>LL = ${fmt(input.spend.logLik ?? NaN)}</td>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;color:#222}td{padding:2px 10px}h2{margin-top:1.6em}svg{background:#fff}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(input.generatedAt)} · ${input.customers.length} customers · time unit ${escapeHtml(input.timeUnit)}</p>
<table><tr><th>${escapeHtml(input.model)}</th>${paramTable(input.params)}<td>LL = ${fmt(input.logLik)}</td></tr>
<tr><th>Gamma-Gamma</th>${spend}</tr></table>
<h2>Value distribution</h2>${valueHistogram(input.customers)}
<h2>Tier pyramid</h2>${tierPyramid(input.customers)}
<h2>P(alive) by recency and frequency</h2>${aliveHeatmap(input.customers, input.timeUnit)}
<h2>Calibration and holdout tracking</h2>${trackingPlot(input.tracking)}
</body></html>
`
}
