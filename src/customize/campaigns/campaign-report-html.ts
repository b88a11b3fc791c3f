import type {
  CampaignReport,
  Figure,
  GroupReport,
  ReportInterval,
  StrategyComparison,
  UpliftReport,
} from './campaign-report.js'
import { barChart, escapeHtml, forestPlot, type BarWithInterval } from './svg-charts.js'

const GROUP_COLORS: Readonly<Record<string, string>> = {
  treatment: '#4575b4',
  holdout: '#999999',
  pilot: '#1b7837',
  rest: '#74add1',
}

const percent = (v: number): string => `${(100 * v).toFixed(Math.abs(v) < 0.1 ? 2 : 1)}%`
const points = (v: number): string => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} pp`
const money = (v: number): string =>
  Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)
const signedMoney = (v: number): string => `${v >= 0 ? '+' : ''}${money(v)}`

function show(v: Figure, format: (n: number) => string): string {
  return v === null ? 'n/a' : format(v)
}

function ci(i: ReportInterval, format: (n: number) => string): string {
  return `${show(i.estimate, format)} <span class="ci">[${show(i.low, format)}, ${show(i.high, format)}]</span>`
}

function bar(g: GroupReport, pick: (g: GroupReport) => ReportInterval): BarWithInterval {
  const i = pick(g)
  return {
    label: g.key.startsWith('variant:') ? g.label : g.key,
    value: i.estimate,
    low: i.low,
    high: i.high,
    color: GROUP_COLORS[g.key] ?? (g.key.endsWith(':holdout') ? '#999999' : '#4575b4'),
  }
}

function groupTable(groups: readonly GroupReport[]): string {
  const rows = groups
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.label)}</td><td class="n">${g.customers}</td><td class="n">${g.conversions}</td><td class="n">${ci(g.conversionRate, percent)}</td><td class="n">${money(g.revenue)}</td><td class="n">${ci(g.revenuePerCustomer, money)}</td></tr>`,
    )
    .join('')
  return `<table><thead><tr><th>group</th><th>customers</th><th>converted</th><th>conversion rate [95% CI]</th><th>revenue</th><th>revenue per customer [95% CI]</th></tr></thead><tbody>${rows}</tbody></table>`
}

function upliftTable(rows: readonly { label: string; uplift: UpliftReport }[]): string {
  const body = rows
    .map(
      ({ label, uplift: u }) =>
        `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(u.against)}</td><td class="n">${ci(u.conversion, points)}</td><td class="n">${ci(u.relativeLift, percent)}</td><td class="n">${ci(u.revenuePerCustomer, signedMoney)}</td><td class="n">${ci(u.incrementalRevenue, signedMoney)}</td></tr>`,
    )
    .join('')
  return `<table><thead><tr><th>group</th><th>against</th><th>conversion uplift</th><th>relative lift</th><th>revenue per customer uplift</th><th>incremental revenue</th></tr></thead><tbody>${body}</tbody></table>`
}

function countsTable(title: string, counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) return `<p>${escapeHtml(title)}: none yet.</p>`
  return `<table><thead><tr><th>${escapeHtml(title)}</th><th>customers</th></tr></thead><tbody>${entries
    .map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${n}</td></tr>`)
    .join('')}</tbody></table>`
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse;margin:.5em 0 1em}
td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;font-size:.92em}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ci{color:#666;font-size:.9em}.note{color:#555;font-size:.9em}svg{display:block;margin:1em 0}`

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
}

function pilotGateNote(c: CampaignReport['campaign']): string {
  if (c.pilotDecision !== null) {
    return `<p><b>Pilot decision: ${c.pilotDecision.promoted ? 'rest sent' : 'rest not sent'}</b> — ${escapeHtml(c.pilotDecision.reason)}</p>`
  }
  if (c.pilot !== null && c.pilot.promoteIf !== 'always') {
    return `<p class="note">Pilot gate: the rest is sent ${c.pilot.promoteIf === 'better' ? 'only if the pilot does significantly better' : 'unless the pilot does significantly worse'} on ${{ conversion: 'conversion', revenue: 'revenue per customer', feedback: 'net feedback (likes minus skips and dismissals) per customer' }[c.pilot.promoteOn]} than its holdout counterpart; decided when the rest comes due.</p>`
  }
  return ''
}

/** One campaign's report as a self-contained HTML page with inline SVG charts. */
export function renderCampaignReportHtml(report: CampaignReport): string {
  const c = report.campaign
  const groups = report.groups
  const upliftRows: { label: string; uplift: UpliftReport }[] = []
  if (report.uplift !== null) upliftRows.push({ label: 'Treatment', uplift: report.uplift })
  if (report.pilotUplift !== null) upliftRows.push({ label: 'Pilot', uplift: report.pilotUplift })
  if (report.restUplift !== null) upliftRows.push({ label: 'Rest', uplift: report.restUplift })
  for (const v of report.variants) {
    upliftRows.push({ label: `Variant ${v.segmentId} (${v.templateName ?? ''})`, uplift: v.uplift })
  }
  const forest = (pick: (u: UpliftReport) => ReportInterval): BarWithInterval[] =>
    upliftRows.map((r) => {
      const i = pick(r.uplift)
      return { label: r.label, value: i.estimate, low: i.low, high: i.high }
    })
  let body = `<h1>Campaign ${escapeHtml(c.name)}</h1>
<p>${escapeHtml(c.id)} · strategy <b>${escapeHtml(c.strategy)}</b> · channel ${escapeHtml(c.channel)}, topic ${escapeHtml(c.topic)} · status ${escapeHtml(c.status)} · holdout ${percent(c.holdoutShare)} stratified by tier${c.pilot === null ? '' : ` · pilot ${percent(c.pilot.share)} of the treated, most active first, against the same share of the holdout picked the same way`}</p>
<p class="note">Attribution: orders within ${report.attribution.days} days (${escapeHtml(report.attribution.basis)}); window ${report.attribution.closed ? 'closed: final figures' : 'still open: figures may grow'}. Report generated ${new Date(report.generatedAt).toISOString()}.</p>
${pilotGateNote(c)}
<h2>Groups</h2>${groupTable(groups)}
${barChart(
  'Conversion rate by group (95% Wilson CI)',
  groups.map((g) => bar(g, (x) => x.conversionRate)),
  percent,
)}
${barChart(
  'Revenue per customer by group (95% t CI)',
  groups.map((g) => bar(g, (x) => x.revenuePerCustomer)),
  money,
)}`
  if (upliftRows.length > 0) {
    body += `<h2>Uplift over the holdout</h2>${upliftTable(upliftRows)}
${forestPlot(
  'Conversion uplift (treatment − holdout, 95% Newcombe CI)',
  forest((u) => u.conversion),
  points,
)}
${forestPlot(
  'Revenue per customer uplift (95% Welch CI)',
  forest((u) => u.revenuePerCustomer),
  signedMoney,
)}`
  } else {
    body += `<h2>Uplift over the holdout</h2><p>No uplift yet: a group is empty (holdout share 0, or nothing launched).</p>`
  }
  if (report.variants.length > 0) {
    const variantGroups = report.variants.flatMap((v) => [v.treatment, v.holdout])
    body += `<h2>By variant</h2>${groupTable(variantGroups)}`
  }
  body += `<h2>Sends</h2>${countsTable('send outcome (treated customers)', report.sends)}${countsTable('current delivery status', report.deliveries)}
<h2>Strata</h2><table><thead><tr><th>tier</th><th>treatment</th><th>holdout</th></tr></thead><tbody>${report.strata
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.stratum)}</td><td class="n">${s.treatment}</td><td class="n">${s.holdout}</td></tr>`,
    )
    .join('')}</tbody></table>`
  return page(`Campaign ${c.name}`, body)
}

/** Several campaigns side by side: one table and two forest plots answer "which strategy wins". */
export function renderComparisonHtml(comparison: StrategyComparison): string {
  const rows = comparison.rows
  const forest = (pick: (u: UpliftReport) => ReportInterval): BarWithInterval[] =>
    rows.map((r) => {
      const i = r.uplift === null ? null : pick(r.uplift)
      return {
        label: `${r.strategy}: ${r.name}`,
        value: i?.estimate ?? null,
        low: i?.low ?? null,
        high: i?.high ?? null,
      }
    })
  const table = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.strategy)}</td><td>${escapeHtml(r.name)}</td><td class="n">${r.treated}</td><td class="n">${r.held}</td><td class="n">${r.sent}</td><td class="n">${ci(r.treatment.conversionRate, percent)}</td><td class="n">${ci(r.holdout.conversionRate, percent)}</td><td class="n">${r.uplift === null ? 'n/a' : ci(r.uplift.conversion, points)}</td><td class="n">${r.uplift === null ? 'n/a' : ci(r.uplift.revenuePerCustomer, signedMoney)}</td></tr>`,
    )
    .join('')
  const w = comparison.winner
  const verdict =
    w === null
      ? '<p>No campaign has an uplift estimate yet.</p>'
      : `<p>Largest revenue uplift per treated customer: <b>${escapeHtml(w.strategy)}</b> (${escapeHtml(w.campaignId)}), ${signedMoney(w.revenuePerCustomerUplift)} per customer; ${w.significant ? 'its 95% interval excludes zero' : 'but its 95% interval includes zero: not a clear win'}.</p>`
  const body = `<h1>Which strategy wins</h1>${verdict}
<table><thead><tr><th>strategy</th><th>campaign</th><th>treated</th><th>holdout</th><th>sent</th><th>treatment conversion</th><th>holdout conversion</th><th>conversion uplift</th><th>revenue per customer uplift</th></tr></thead><tbody>${table}</tbody></table>
${forestPlot(
  'Revenue per customer uplift by campaign (95% Welch CI)',
  forest((u) => u.revenuePerCustomer),
  signedMoney,
)}
${forestPlot(
  'Conversion uplift by campaign (95% Newcombe CI)',
  forest((u) => u.conversion),
  points,
)}`
  return page('Campaign comparison', body)
}
