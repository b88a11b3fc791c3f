import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useMemo } from 'preact/hooks'
import {
  TIERS,
  type HistogramBin,
  type Stats,
  type ValueCharts,
  type ValueSummary,
} from '../api.js'
import { Chart } from '../chart.js'
import {
  formatDateTime,
  formatDecimal,
  formatInteger,
  formatPercent,
  TIER_LABELS,
} from '../format.js'
import { Figure, Loaded } from '../ui.js'
import { useApi } from '../use-api.js'

const QUANTILES = ['min', 'p10', 'p25', 'median', 'p75', 'p90', 'p99', 'max'] as const

/** The customer base at a glance: counts, tiers, the value distribution and the value model. */
export function OverviewPage(): VNode {
  const [stats] = useApi<Stats>('/v1/stats')
  const [summary] = useApi<ValueSummary>('/v1/value/summary')
  return html`<section aria-labelledby="overview-title">
    <h1 id="overview-title">Overview</h1>
    <${Loaded}
      load=${stats}
      what="counts"
      done=${(s: Stats) =>
        html`<dl class="figures">
          <${Figure} label="Customers" value=${formatInteger(s.customers)} />
          <${Figure} label="Orders" value=${formatInteger(s.orders)} />
          <${Figure}
            label="Orders per customer"
            value=${formatDecimal(s.customers === 0 ? null : s.orders / s.customers)}
          />
          <${Figure} label="Events" value=${formatInteger(s.events)} />
          <${Figure} label="Products" value=${formatInteger(s.products)} />
        </dl>`}
    />
    <${Loaded}
      load=${summary}
      what="value summary"
      done=${(v: ValueSummary) =>
        v.model === null
          ? html`<${ValueOverview} summary=${v} />`
          : html`<div>
              <${Distributions} />
              <${ValueOverview} summary=${v} />
            </div>`}
    />
  </section>`
}

function binLabel(bin: HistogramBin): string {
  return `${formatInteger(bin.from)}–${formatInteger(bin.to)}`
}

function histogramOption(bins: readonly HistogramBin[], color: string, axis: string): object {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 60, right: 16, top: 16, bottom: 60 },
    xAxis: {
      type: 'category',
      name: axis,
      nameLocation: 'middle',
      nameGap: 45,
      data: bins.map(binLabel),
      axisLabel: { rotate: 40, fontSize: 10 },
    },
    yAxis: { type: 'value', name: 'customers' },
    series: [
      { type: 'bar', name: 'customers', data: bins.map((b) => b.customers), itemStyle: { color } },
    ],
  }
}

/** CLV and value histograms, and P(alive) against recency, from `/v1/value/charts`. */
function Distributions(): VNode {
  const [charts] = useApi<ValueCharts>('/v1/value/charts?bins=20')
  return html`<${Loaded}
    load=${charts}
    what="value charts"
    done=${(c: ValueCharts) => html`<${DistributionCharts} charts=${c} />`}
  />`
}

function DistributionCharts(props: { readonly charts: ValueCharts }): VNode {
  const c = props.charts
  const clv = useMemo(() => histogramOption(c.clvHistogram, '#3b6ea8', 'CLV'), [c])
  const value = useMemo(() => histogramOption(c.valueHistogram, '#5a9a6e', 'customer value'), [c])
  const alive = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 16, top: 16, bottom: 60 },
      xAxis: {
        type: 'category',
        name: 'time since last purchase',
        nameLocation: 'middle',
        nameGap: 45,
        data: c.pAliveByRecency.map(binLabel),
        axisLabel: { rotate: 40, fontSize: 10 },
      },
      yAxis: { type: 'value', name: 'mean P(alive)', min: 0, max: 1 },
      series: [
        {
          type: 'scatter',
          name: 'mean P(alive)',
          symbolSize: (_: unknown, p: { dataIndex: number }) =>
            Math.max(4, Math.min(24, Math.sqrt(c.pAliveByRecency[p.dataIndex]?.customers ?? 0))),
          data: c.pAliveByRecency.map((b) => b.meanPAlive),
          itemStyle: { color: '#b0652a' },
        },
      ],
    }),
    [c],
  )
  return html`<div>
    <dl class="figures">
      <${Figure}
        label="Active share"
        value=${formatPercent(c.activeShare)}
        note="customers with P(alive) ≥ 50%"
      />
    </dl>
    <div class="grid3">
      <figure class="panel">
        <figcaption>CLV distribution</figcaption>
        <${Chart} option=${clv} label="Histogram of customer lifetime value" />
      </figure>
      <figure class="panel">
        <figcaption>Customer value distribution</figcaption>
        <${Chart} option=${value} label="Histogram of customer value" />
      </figure>
      <figure class="panel">
        <figcaption>P(alive) against recency</figcaption>
        <${Chart} option=${alive} label="Mean probability alive by time since last purchase" />
      </figure>
    </div>
  </div>`
}

function ValueOverview(props: { readonly summary: ValueSummary }): VNode {
  const s = props.summary
  const tierOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 130, right: 24, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: 'customers' },
      yAxis: {
        type: 'category',
        // The pyramid: most valuable at the top.
        data: [...TIERS].reverse().map((t) => TIER_LABELS[t] ?? t),
      },
      series: [
        {
          type: 'bar',
          name: 'customers',
          data: [...TIERS].reverse().map((t) => s.tiers[t].customers),
          itemStyle: { color: '#3b6ea8' },
          label: { show: true, position: 'right' },
        },
      ],
    }),
    [s],
  )
  const distributionOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 70, right: 20, top: 10, bottom: 30 },
      xAxis: { type: 'category', data: QUANTILES.map((q) => q) },
      yAxis: { type: 'value', name: 'value' },
      series: [
        {
          type: 'bar',
          name: 'customer value',
          data: QUANTILES.map((q) => s.valueDistribution[q]),
          itemStyle: { color: '#5a9a6e' },
        },
      ],
    }),
    [s],
  )
  if (s.customers === 0 || s.model === null) {
    return html`<p class="note">
      No value scores yet. Run <code>idic score</code> once customers have orders to see tiers,
      customer value and the model’s parameters here.
    </p>`
  }
  const mvcShare = s.tiers.mvc.customers / s.customers
  return html`<div>
    <dl class="figures">
      <${Figure} label="Scored customers" value=${formatInteger(s.customers)} />
      <${Figure} label="Total customer value" value=${formatDecimal(s.valueDistribution.total)} />
      <${Figure} label="Median value" value=${formatDecimal(s.valueDistribution.median)} />
      <${Figure} label="Most valuable share" value=${formatPercent(mvcShare)} />
    </dl>
    <div class="grid2">
      <figure class="panel">
        <figcaption>Tier pyramid</figcaption>
        <${Chart} option=${tierOption} label="Customers per tier" />
        <div class="scroll">
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col" class="num">Customers</th>
                <th scope="col" class="num">Value</th>
                <th scope="col" class="num">CLV</th>
              </tr>
            </thead>
            <tbody>
              ${TIERS.map(
                (t) =>
                  html`<tr key=${t}>
                    <th scope="row">${TIER_LABELS[t]}</th>
                    <td class="num">${formatInteger(s.tiers[t].customers)}</td>
                    <td class="num">${formatDecimal(s.tiers[t].actualValue)}</td>
                    <td class="num">${formatDecimal(s.tiers[t].clv)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </figure>
      <figure class="panel">
        <figcaption>Distribution of customer value (quantiles)</figcaption>
        <${Chart} option=${distributionOption} label="Quantiles of customer value" />
        <p class="muted small">
          ${`Value = historical margin + discounted CLV − cost to serve. Mean ${formatDecimal(s.valueDistribution.mean)}.`}
        </p>
      </figure>
    </div>
    <section class="panel" aria-labelledby="model-title">
      <h2 id="model-title">Value model</h2>
      <p>
        <strong>${s.model.kind}</strong> fitted ${formatDateTime(s.model.createdAt)}
        <span class="muted">(${s.model.id})</span>
      </p>
      <div class="grid2">
        <${KeyValues} title="Parameters" values=${s.model.params} />
        <${KeyValues} title="Fit" values=${s.model.metrics} />
      </div>
    </section>
  </div>`
}

/** Epoch-millisecond settings (calibrationEnd, createdAt) read as dates. */
function show(key: string, value: unknown): string {
  if (typeof value === 'number' && /(At|End)$/.test(key) && value > 1e11) {
    return formatDateTime(value)
  }
  if (typeof value === 'number') return formatDecimal(value)
  if (typeof value === 'string' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return '—'
  return JSON.stringify(value)
}

/** A flat table of a JSON object, one level of nesting expanded into dotted names. */
function KeyValues(props: {
  readonly title: string
  readonly values: Readonly<Record<string, unknown>>
}): VNode {
  const rows: [string, unknown][] = []
  for (const [key, value] of Object.entries(props.values)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value)) rows.push([`${key}.${inner}`, v])
    } else rows.push([key, value])
  }
  return html`<div>
    <h3>${props.title}</h3>
    <table class="compact kv">
      <tbody>
        ${rows.slice(0, 40).map(
          ([k, v]) =>
            html`<tr key=${k}>
              <th scope="row">${k}</th>
              <td>${show(k, v)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`
}
