import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { formatDateTime, formatDecimal, formatInteger } from '../format.js'
import { Loaded } from '../ui.js'
import { useApi } from '../use-api.js'

interface ModelVersion {
  readonly id: string
  readonly kind: string
  readonly version: number
  readonly params: Readonly<Record<string, unknown>>
  readonly metrics: Readonly<Record<string, unknown>>
  readonly trainedAt: number
  readonly sizeBytes: number
}

/** One kept evaluation of the recommenders on the shop's own history. */
interface Evaluation {
  readonly id: string
  readonly createdAt: number
  readonly split: string
  readonly customers: number
  readonly items: number
  readonly trainInteractions: number
  readonly testInteractions: number
  readonly evaluatedCustomers: number
  readonly models: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly skipped: Readonly<Record<string, string>>
}

/** The metric columns of the table, in the order `idic evaluate` prints them. */
function metricColumns(evaluation: Evaluation): string[] {
  const keys = new Set<string>()
  for (const metrics of Object.values(evaluation.models)) {
    for (const key of Object.keys(metrics)) if (key.includes('@')) keys.add(key)
  }
  const kind = ['precision', 'recall', 'ndcg', 'map', 'hitrate', 'coverage']
  const parse = (key: string): [number, number] => {
    const [name = '', k = '0'] = key.split('@')
    return [Number(k), kind.indexOf(name)]
  }
  return [...keys].sort((a, b) => {
    const [ka, na] = parse(a)
    const [kb, nb] = parse(b)
    return ka - kb || na - nb
  })
}

/** The newest evaluation: every model side by side, the best of each column marked. */
function EvaluationTable(props: { readonly evaluation: Evaluation }): VNode {
  const e = props.evaluation
  const columns = metricColumns(e)
  const rows = Object.entries(e.models)
  const best = new Map(
    columns.map((c) => [c, Math.max(...rows.map(([, m]) => m[c] ?? Number.NEGATIVE_INFINITY))]),
  )
  return html`<div>
    <p class="muted small">
      ${[
        formatDateTime(e.createdAt),
        e.split,
        `${formatInteger(e.customers)} customers × ${formatInteger(e.items)} items`,
        `${formatInteger(e.trainInteractions)} training and ${formatInteger(e.testInteractions)} held-out interactions`,
        `${formatInteger(e.evaluatedCustomers)} customers evaluated`,
      ].join(' · ')}
    </p>
    <div class="table-wrap">
      <table class="list evaluation">
        <thead>
          <tr>
            <th scope="col">Model</th>
            ${columns.map((c) => html`<th scope="col" class="num" key=${c}>${c}</th>`)}
            <th scope="col" class="num">Fit (ms)</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            ([name, m]) =>
              html`<tr key=${name}>
                <th scope="row">${name}</th>
                ${columns.map((c) => {
                  const v = m[c]
                  const top = v !== undefined && v === best.get(c)
                  return html`<td class=${top ? 'num best' : 'num'} key=${c}>
                    ${v === undefined ? '–' : v.toFixed(4)}
                  </td>`
                })}
                <td class="num">${formatInteger(m['fitMs'])}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${Object.entries(e.skipped).map(
      ([name, why]) => html`<p class="muted small" key=${name}>${name}: left out (${why})</p>`,
    )}
  </div>`
}

function compact(values: Readonly<Record<string, unknown>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatDecimal(v) : JSON.stringify(v)}`)
    .join(', ')
}

/** Recommender model versions with their parameters and metrics; the newest serves. */
export function RecommendationsPage(): VNode {
  const [models] = useApi<{ models: readonly ModelVersion[] }>('/v1/recommendations/models')
  const [evaluations] = useApi<{ evaluations: readonly Evaluation[] }>(
    '/v1/recommendations/evaluations?limit=1',
  )
  return html`<section aria-labelledby="recs-page-title">
    <h1 id="recs-page-title">Recommendations</h1>
    <section class="panel" aria-labelledby="evaluation-title">
      <h2 id="evaluation-title">Evaluation on this shop</h2>
      <${Loaded}
        load=${evaluations}
        what="the evaluation"
        done=${(list: { evaluations: readonly Evaluation[] }) => {
          const newest = list.evaluations[0]
          return newest === undefined
            ? html`<p class="note">
                Not evaluated yet. <code>idic evaluate --shop</code> fits every model on the history
                before the last 30 days and ranks what each customer then bought; the table appears
                here.
              </p>`
            : html`<${EvaluationTable} evaluation=${newest} />`
        }}
      />
    </section>
    <h2>Model versions</h2>
    <${Loaded}
      load=${models}
      what="model versions"
      done=${(m: { models: readonly ModelVersion[] }) =>
        m.models.length === 0
          ? html`<p class="note">
              No trained model yet: lists are served by popularity. Train one with
              <code>idic train</code>.
            </p>`
          : html`<div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Trained</th>
                    <th scope="col" class="num hide-narrow">Size (KB)</th>
                    <th scope="col">Parameters</th>
                    <th scope="col">Metrics</th>
                  </tr>
                </thead>
                <tbody>
                  ${m.models.map(
                    (x, i) =>
                      html`<tr key=${x.id}>
                        <td>
                          <strong>${x.kind} v${x.version}</strong>
                          ${i === 0 ? html` <span class="tier tier-mvc">live</span>` : null}
                        </td>
                        <td>${formatDateTime(x.trainedAt)}</td>
                        <td class="num hide-narrow">${formatInteger(x.sizeBytes / 1024)}</td>
                        <td class="small">${compact(x.params)}</td>
                        <td class="small">${compact(x.metrics)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`}
    />
  </section>`
}
