/** ECharts options for campaign results: bars with 95% CI whiskers and a forest of uplifts. */
import type { CampaignGroup, Interval } from './customize-api.js'

const GROUP_COLORS: Readonly<Record<string, string>> = {
  treatment: '#3b6ea8',
  holdout: '#9a9a9a',
  pilot: '#b0652a',
  rest: '#5a9a6e',
  'pilot:holdout': '#c9a88c',
  'rest:holdout': '#a9c7b2',
}

interface WhiskerApi {
  value: (dimension: number) => number
  coord: (point: readonly [number, number]) => number[]
  size: (point: readonly [number, number]) => number[]
}

/** A custom series drawing a whisker (low–high with caps) per category; `horizontal` for forests. */
function whiskers(
  data: readonly (readonly [number, number | null, number | null])[],
  horizontal: boolean,
): object {
  return {
    type: 'custom',
    name: '95% CI',
    silent: true,
    z: 10,
    encode: horizontal ? { x: [1, 2], y: 0 } : { x: 0, y: [1, 2] },
    data: data.filter((d) => d[1] !== null && d[2] !== null),
    renderItem: (_params: unknown, api: WhiskerApi) => {
      const at = api.value(0)
      const low = horizontal ? api.coord([api.value(1), at]) : api.coord([at, api.value(1)])
      const high = horizontal ? api.coord([api.value(2), at]) : api.coord([at, api.value(2)])
      const band = horizontal ? (api.size([0, 1])[1] ?? 20) : (api.size([1, 0])[0] ?? 20)
      const cap = Math.min(12, band * 0.2)
      const [lx = 0, ly = 0] = low
      const [hx = 0, hy = 0] = high
      const style = { stroke: '#222', lineWidth: 1.5 }
      const line = (x1: number, y1: number, x2: number, y2: number): object => ({
        type: 'line',
        shape: { x1, y1, x2, y2 },
        style,
      })
      return {
        type: 'group',
        children: horizontal
          ? [
              line(lx, ly, hx, hy),
              line(lx, ly - cap, lx, ly + cap),
              line(hx, hy - cap, hx, hy + cap),
            ]
          : [
              line(lx, ly, hx, hy),
              line(lx - cap, ly, lx + cap, ly),
              line(hx - cap, hy, hx + cap, hy),
            ],
      }
    },
  }
}

/** One bar per group (its estimate) with its 95% confidence interval as a whisker. */
export function groupBarsOption(
  groups: readonly CampaignGroup[],
  pick: (g: CampaignGroup) => Interval,
  axisName: string,
  format: (v: number) => string,
): object {
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataIndex: number }) => {
        const g = groups[p.dataIndex]
        if (g === undefined) return ''
        const i = pick(g)
        const f = (v: number | null): string => (v === null ? '—' : format(v))
        return `${g.label}: ${f(i.estimate)} (95% CI ${f(i.low)} to ${f(i.high)}), n = ${g.customers}`
      },
    },
    grid: { left: 70, right: 16, top: 24, bottom: 40 },
    xAxis: { type: 'category', data: groups.map((g) => g.label) },
    yAxis: {
      type: 'value',
      name: axisName,
      axisLabel: { formatter: (v: number) => format(v) },
    },
    series: [
      {
        type: 'bar',
        name: axisName,
        barMaxWidth: 60,
        data: groups.map((g) => ({
          value: pick(g).estimate,
          itemStyle: { color: GROUP_COLORS[g.key] ?? '#6a5a9a' },
        })),
      },
      whiskers(
        groups.map((g, i) => [i, pick(g).low, pick(g).high] as const),
        false,
      ),
    ],
  }
}

export interface ForestRow {
  readonly label: string
  readonly interval: Interval
}

/** A forest plot: each row's estimate as a point, its 95% CI as a line, zero marked. */
export function forestOption(
  rows: readonly ForestRow[],
  axisName: string,
  format: (v: number) => string,
): object {
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataIndex: number }) => {
        const r = rows[p.dataIndex]
        if (r === undefined) return ''
        const f = (v: number | null): string => (v === null ? '—' : format(v))
        return `${r.label}: ${f(r.interval.estimate)} (95% CI ${f(r.interval.low)} to ${f(r.interval.high)})`
      },
    },
    grid: { left: 120, right: 24, top: 16, bottom: 40 },
    yAxis: { type: 'category', data: rows.map((r) => r.label), inverse: true },
    xAxis: {
      type: 'value',
      name: axisName,
      nameLocation: 'middle',
      nameGap: 28,
      axisLabel: { formatter: (v: number) => format(v) },
    },
    series: [
      {
        type: 'scatter',
        name: axisName,
        symbolSize: 11,
        itemStyle: { color: '#3b6ea8' },
        data: rows.map((r) => r.interval.estimate),
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: '#b33', type: 'dashed' },
          data: [{ xAxis: 0 }],
          label: { show: false },
        },
      },
      whiskers(
        rows.map((r, i) => [i, r.interval.low, r.interval.high] as const),
        true,
      ),
    ],
  }
}

/** Horizontal bars of counts by key (sends and skips by reason). */
export function countBarsOption(counts: Readonly<Record<string, number>>): object {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 150, right: 24, top: 8, bottom: 24 },
    yAxis: { type: 'category', data: entries.map(([k]) => k), inverse: true },
    xAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: 'customers',
        data: entries.map(([k, v]) => ({
          value: v,
          itemStyle: {
            color: k.startsWith('sent') ? '#5a9a6e' : k.startsWith('failed') ? '#b33' : '#c9a227',
          },
        })),
      },
    ],
  }
}
