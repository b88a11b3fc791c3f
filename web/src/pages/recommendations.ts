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

function compact(values: Readonly<Record<string, unknown>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatDecimal(v) : JSON.stringify(v)}`)
    .join(', ')
}

/** Recommender model versions with their parameters and metrics; the newest serves. */
export function RecommendationsPage(): VNode {
  const [models] = useApi<{ models: readonly ModelVersion[] }>('/v1/recommendations/models')
  return html`<section aria-labelledby="recs-page-title">
    <h1 id="recs-page-title">Recommendations</h1>
    <${Loaded}
      load=${models}
      what="model versions"
      done=${(m: { models: readonly ModelVersion[] }) =>
        m.models.length === 0
          ? html`<p class="note">
              No trained model yet: lists are served by popularity. Train one with
              <code>idic train</code>; <code>idic evaluate</code> prints the evaluation table
              (Recall@K, NDCG@K, coverage).
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
