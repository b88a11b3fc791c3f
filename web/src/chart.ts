import { html } from 'htm/preact'
import { useEffect, useRef } from 'preact/hooks'
import type { VNode } from 'preact'
import { BarChart, CustomChart, ScatterChart } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components'
import { init, use, type EChartsCoreOption } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([
  BarChart,
  CustomChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
])

/** An ECharts chart on a canvas, redrawn when its option changes and resized with its box. */
export function Chart(props: {
  readonly option: EChartsCoreOption
  readonly label: string
}): VNode {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (element === null) return undefined
    const chart = init(element, undefined, { renderer: 'canvas' })
    chart.setOption({ animation: false, ...props.option })
    const observer = new ResizeObserver(() => {
      chart.resize()
    })
    observer.observe(element)
    return () => {
      observer.disconnect()
      chart.dispose()
    }
  }, [props.option])
  return html`<div class="chart" role="img" aria-label=${props.label} ref=${box}></div>`
}
