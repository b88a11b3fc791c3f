/** Small inline SVG charts for self-contained HTML reports: no scripts, no external files. */

export interface BarWithInterval {
  readonly label: string
  readonly value: number | null
  readonly low: number | null
  readonly high: number | null
  readonly color?: string
}

const WIDTH = 640
const PAD_LEFT = 64
const PAD_RIGHT = 24
const PAD_TOP = 36
const PAD_BOTTOM = 56

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function svg(body: string, label: string, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(label)}" font-family="system-ui, sans-serif">${body}</svg>`
}

/** Tick values covering [lo, hi]: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power
  const ticks: number[] = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t)
  }
  return ticks
}

function extent(values: readonly (number | null)[], includeZero: boolean): [number, number] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v))
  let lo = Math.min(...finite, ...(includeZero ? [0] : []))
  let hi = Math.max(...finite, ...(includeZero ? [0] : []))
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1]
  if (hi === lo) {
    hi = lo + 1
    lo = lo - (includeZero && lo === 0 ? 0 : 1)
  }
  const margin = (hi - lo) * 0.08
  return [lo < 0 ? lo - margin : lo, hi + margin]
}

/**
 * Vertical bars with interval whiskers (value from zero, whisker from low to high), one per
 * group. Bars with an unknown value are drawn as a gap labelled "n/a".
 */
export function barChart(
  title: string,
  bars: readonly BarWithInterval[],
  format: (v: number) => string,
): string {
  const height = 300
  const [lo, hi] = extent(
    bars.flatMap((b) => [b.value, b.low, b.high]),
    true,
  )
  const plotH = height - PAD_TOP - PAD_BOTTOM
  const y = (v: number): number => PAD_TOP + ((hi - v) / (hi - lo)) * plotH
  const slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / Math.max(1, bars.length)
  let body = `<text x="${WIDTH / 2}" y="20" font-size="14" text-anchor="middle" font-weight="600">${escapeHtml(title)}</text>`
  for (const t of niceTicks(lo, hi)) {
    body += `<line x1="${PAD_LEFT}" x2="${WIDTH - PAD_RIGHT}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/><text x="${PAD_LEFT - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${escapeHtml(format(t))}</text>`
  }
  body += `<line x1="${PAD_LEFT}" x2="${WIDTH - PAD_RIGHT}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`
  bars.forEach((bar, i) => {
    const cx = PAD_LEFT + slot * (i + 0.5)
    const w = Math.min(80, slot * 0.6)
    body += `<text x="${cx}" y="${height - PAD_BOTTOM + 18}" font-size="12" text-anchor="middle">${escapeHtml(bar.label)}</text>`
    if (bar.value === null) {
      body += `<text x="${cx}" y="${y(0) - 6}" font-size="11" text-anchor="middle" fill="#777">n/a</text>`
      return
    }
    const top = Math.min(y(bar.value), y(0))
    const h = Math.abs(y(bar.value) - y(0))
    const tip = `${bar.label}: ${format(bar.value)}${bar.low !== null && bar.high !== null ? ` (95% CI ${format(bar.low)} to ${format(bar.high)})` : ''}`
    body += `<rect x="${cx - w / 2}" y="${top}" width="${w}" height="${Math.max(h, 1)}" fill="${bar.color ?? '#4575b4'}"><title>${escapeHtml(tip)}</title></rect>`
    body += whisker(cx, bar.low, bar.high, y, 'vertical')
    body += `<text x="${cx}" y="${height - PAD_BOTTOM + 34}" font-size="11" text-anchor="middle" fill="#555">${escapeHtml(format(bar.value))}</text>`
  })
  return svg(body, title, height)
}

function whisker(
  at: number,
  low: number | null,
  high: number | null,
  scale: (v: number) => number,
  orientation: 'vertical' | 'horizontal',
): string {
  if (low === null || high === null) return ''
  const a = scale(low)
  const b = scale(high)
  const cap = 6
  return orientation === 'vertical'
    ? `<g stroke="#111" stroke-width="1.5"><line x1="${at}" x2="${at}" y1="${a}" y2="${b}"/><line x1="${at - cap}" x2="${at + cap}" y1="${a}" y2="${a}"/><line x1="${at - cap}" x2="${at + cap}" y1="${b}" y2="${b}"/></g>`
    : `<g stroke="#111" stroke-width="1.5"><line y1="${at}" y2="${at}" x1="${a}" x2="${b}"/><line y1="${at - cap}" y2="${at + cap}" x1="${a}" x2="${a}"/><line y1="${at - cap}" y2="${at + cap}" x1="${b}" x2="${b}"/></g>`
}

/**
 * Estimates with intervals on one horizontal axis, a dashed line at zero: at a glance, which
 * uplifts are above zero and which intervals cross it.
 */
export function forestPlot(
  title: string,
  rows: readonly BarWithInterval[],
  format: (v: number) => string,
): string {
  const labelWidth = 200
  const rowH = 34
  const height = PAD_TOP + rows.length * rowH + 40
  const [lo, hi] = extent(
    rows.flatMap((r) => [r.value, r.low, r.high]),
    true,
  )
  const x = (v: number): number =>
    labelWidth + ((v - lo) / (hi - lo)) * (WIDTH - labelWidth - PAD_RIGHT)
  let body = `<text x="${WIDTH / 2}" y="20" font-size="14" text-anchor="middle" font-weight="600">${escapeHtml(title)}</text>`
  const axisY = PAD_TOP + rows.length * rowH
  for (const t of niceTicks(lo, hi)) {
    body += `<line x1="${x(t)}" x2="${x(t)}" y1="${PAD_TOP}" y2="${axisY}" stroke="#eee"/><text x="${x(t)}" y="${axisY + 16}" font-size="11" text-anchor="middle">${escapeHtml(format(t))}</text>`
  }
  body += `<line x1="${x(0)}" x2="${x(0)}" y1="${PAD_TOP - 6}" y2="${axisY}" stroke="#333" stroke-dasharray="4 3"/>`
  rows.forEach((row, i) => {
    const cy = PAD_TOP + rowH * (i + 0.5)
    body += `<text x="${labelWidth - 10}" y="${cy + 4}" font-size="12" text-anchor="end">${escapeHtml(row.label)}</text>`
    if (row.value === null) {
      body += `<text x="${labelWidth + 8}" y="${cy + 4}" font-size="11" fill="#777">n/a (a group is empty)</text>`
      return
    }
    body += whisker(cy, row.low, row.high, x, 'horizontal')
    const tip = `${row.label}: ${format(row.value)}${row.low !== null && row.high !== null ? ` (95% CI ${format(row.low)} to ${format(row.high)})` : ''}`
    body += `<circle cx="${x(row.value)}" cy="${cy}" r="5" fill="${row.color ?? '#d6604d'}"><title>${escapeHtml(tip)}</title></circle>`
  })
  return svg(body, title, height)
}
