import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useMemo, useState } from 'preact/hooks'
import { Chart } from '../chart.js'
import {
  countBarsOption,
  forestOption,
  groupBarsOption,
  type ForestRow,
} from '../campaign-charts.js'
import type {
  Campaign,
  CampaignComparison,
  CampaignGroup,
  CampaignReport,
  Uplift,
} from '../customize-api.js'
import { formatDateTime, formatInteger, formatMoney, formatPercent } from '../format.js'
import { link } from '../router.js'
import { Figure, Loaded } from '../ui.js'
import { useApi } from '../use-api.js'

const campaignHref = (id: string): string => `/campaigns/${encodeURIComponent(id)}`

/** The report does not say its currency (orders may mix them): amounts as locale numbers. */
const CURRENCY: string | null = null

const money = (v: number | null | undefined): string => formatMoney(v, CURRENCY)

function audience(c: Campaign): string {
  if (c.strategy === 'differentiated' && c.variants !== null) {
    return c.variants.map((v) => `${v.segmentId} → ${v.templateName}`).join('; ')
  }
  const segment = c.segmentId === null ? 'everyone consenting' : `segment ${c.segmentId}`
  return c.templateName === null ? segment : `${segment} · ${c.templateName}`
}

/** The pilot in words: its share, its wait and what the rest waits on. */
function pilotText(c: Campaign): string | null {
  const p = c.pilot
  if (p === null) return null
  const gate =
    p.promoteIf === 'always'
      ? 'the rest follows whatever the pilot does'
      : `the rest is sent ${p.promoteIf === 'better' ? 'only if the pilot does significantly better' : 'unless the pilot does significantly worse'} on ${p.promoteOn} than its holdout counterpart`
  const when =
    p.promoteIf === 'always'
      ? `${p.waitHours} h later`
      : `${p.waitHours} h after the last pilot send`
  return `Pilot: the most active ${formatPercent(p.share)} first, the rest ${when}; ${gate}.`
}

/** Campaigns newest first, with strategy, channel/topic, status and audience; pick some to compare. */
export function CampaignsPage(): VNode {
  const [list] = useApi<{ campaigns: readonly Campaign[] }>('/v1/campaigns?limit=200')
  const [picked, setPicked] = useState<readonly string[]>([])
  const toggle = (id: string): void => {
    setPicked(picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id])
  }
  return html`<section aria-labelledby="campaigns-title">
    <div class="title-row">
      <h1 id="campaigns-title">Campaigns</h1>
      <button
        type="button"
        disabled=${picked.length < 2}
        onClick=${() => {
          link(`/campaigns/compare?ids=${picked.map(encodeURIComponent).join(',')}`)
        }}
      >
        Compare ${picked.length < 2 ? '(pick two or more)' : `${picked.length} campaigns`}
      </button>
    </div>
    <${Loaded}
      load=${list}
      what="campaigns"
      done=${(l: { campaigns: readonly Campaign[] }) =>
        l.campaigns.length === 0
          ? html`<p class="note">
              No campaign yet. Create one with <code>idic campaign create</code> or
              <code>POST /v1/campaigns</code>.
            </p>`
          : html`<div class="table-wrap">
              <table class="list campaigns">
                <thead>
                  <tr>
                    <th scope="col"><span class="sr-only">Compare</span></th>
                    <th scope="col">Campaign</th>
                    <th scope="col">Strategy</th>
                    <th scope="col" class="hide-narrow">Channel / topic</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="hide-narrow">Audience</th>
                    <th scope="col" class="num hide-narrow">Holdout</th>
                    <th scope="col" class="hide-narrow">Launched</th>
                  </tr>
                </thead>
                <tbody>
                  ${l.campaigns.map(
                    (c) =>
                      html`<tr key=${c.id}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label=${`compare ${c.name}`}
                            checked=${picked.includes(c.id)}
                            onChange=${() => {
                              toggle(c.id)
                            }}
                          />
                        </td>
                        <td><a href=${campaignHref(c.id)} data-link>${c.name}</a></td>
                        <td>${c.strategy}</td>
                        <td class="hide-narrow">${c.channel} / ${c.topic}</td>
                        <td><span class=${`status status-${c.status}`}>${c.status}</span></td>
                        <td class="small hide-narrow">${audience(c)}</td>
                        <td class="num hide-narrow">${formatPercent(c.holdoutShare)}</td>
                        <td class="hide-narrow">${formatDateTime(c.launchedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`}
    />
  </section>`
}

function interval(
  i: { estimate: number | null; low: number | null; high: number | null },
  f: (v: number | null) => string,
): string {
  return `${f(i.estimate)} (95% CI ${f(i.low)} to ${f(i.high)})`
}

function upliftRows(label: string, u: Uplift | null): ForestRow[] {
  return u === null ? [] : [{ label, interval: u.revenuePerCustomer }]
}

/** One campaign's report: groups with CIs, the uplift forest, sends by outcome, variants. */
export function CampaignPage(props: { readonly id: string }): VNode {
  const [report] = useApi<CampaignReport>(`/v1/campaigns/${encodeURIComponent(props.id)}/report`)
  return html`<section aria-labelledby="campaign-title">
    <p><a href="/campaigns" data-link>← Campaigns</a></p>
    <${Loaded}
      load=${report}
      what="the campaign report"
      done=${(r: CampaignReport) => html`<${ReportView} report=${r} />`}
    />
  </section>`
}

function ReportView(props: { readonly report: CampaignReport }): VNode {
  const r = props.report
  const c = r.campaign
  const groups = r.groups
  const conversion = useMemo(
    () =>
      groupBarsOption(
        groups,
        (g) => g.conversionRate,
        'conversion rate',
        (v) => formatPercent(v),
      ),
    [groups],
  )
  const revenue = useMemo(
    () => groupBarsOption(groups, (g) => g.revenuePerCustomer, 'revenue per customer', money),
    [groups],
  )
  const forest = useMemo(() => {
    const rows: ForestRow[] = [
      ...upliftRows('Treatment vs holdout', r.uplift),
      ...upliftRows('Pilot vs its holdout counterpart', r.pilotUplift),
      ...upliftRows('Rest vs the rest of the holdout', r.restUplift),
      ...r.variants.map((v) => ({
        label: `Variant ${v.segmentId}`,
        interval: v.uplift.revenuePerCustomer,
      })),
    ]
    return rows.length === 0 ? null : forestOption(rows, 'revenue per customer uplift', money)
  }, [r])
  const sends = useMemo(
    () => (Object.keys(r.sends).length === 0 ? null : countBarsOption(r.sends)),
    [r.sends],
  )
  return html`<div>
    <h1 id="campaign-title">${c.name}</h1>
    <p class="muted">
      ${c.strategy} · ${c.channel} / ${c.topic} ·
      <span class=${`status status-${c.status}`}>${c.status}</span>
      · ${audience(c)}
    </p>
    ${pilotText(c) === null ? null : html`<p id="pilot-gate">${pilotText(c)}</p>`}
    ${
      c.pilotDecision === null
        ? null
        : html`<p id="pilot-decision">
            Pilot decision:
            <strong>${c.pilotDecision.promoted ? 'rest sent' : 'rest not sent'}</strong>
            — ${c.pilotDecision.reason}
          </p>`
    }
    <dl class="figures">
      ${groups.map(
        (g) =>
          html`<${Figure}
            key=${g.key}
            label=${g.label}
            value=${formatInteger(g.customers)}
            note=${`${formatInteger(g.conversions)} converted · ${money(g.revenue)}`}
          />`,
      )}
      ${
        r.uplift === null
          ? null
          : html`<${Figure}
                label="Uplift, revenue per customer"
                value=${money(r.uplift.revenuePerCustomer.estimate)}
                note=${`95% CI ${money(r.uplift.revenuePerCustomer.low)} to ${money(r.uplift.revenuePerCustomer.high)}`}
              />
              <${Figure}
                label="Uplift, conversion"
                value=${formatPercent(r.uplift.conversion.estimate)}
                note=${`95% CI ${formatPercent(r.uplift.conversion.low)} to ${formatPercent(r.uplift.conversion.high)}`}
              />
              <${Figure}
                label="Incremental revenue"
                value=${money(r.uplift.incrementalRevenue.estimate)}
                note=${`95% CI ${money(r.uplift.incrementalRevenue.low)} to ${money(r.uplift.incrementalRevenue.high)}`}
              />`
      }
    </dl>
    <p class="muted small">
      ${`Attribution: orders within ${r.attribution.days} days of assignment (${r.attribution.closed ? 'window closed' : 'window still open'}). Report of ${formatDateTime(r.generatedAt)}.`}
    </p>
    <div class="grid2">
      <figure class="panel">
        <figcaption>Conversion rate by group, with 95% CI</figcaption>
        <${Chart}
          option=${conversion}
          label="Conversion rate by group with 95% confidence intervals"
        />
      </figure>
      <figure class="panel">
        <figcaption>Revenue per customer by group, with 95% CI</figcaption>
        <${Chart}
          option=${revenue}
          label="Revenue per customer by group with 95% confidence intervals"
        />
      </figure>
      ${
        forest === null
          ? null
          : html`<figure class="panel">
              <figcaption>
                Uplift in revenue per customer (95% CI; the dashed line is no effect)
              </figcaption>
              <${Chart} option=${forest} label="Uplift with its 95% confidence interval" />
            </figure>`
      }
      ${
        sends === null
          ? null
          : html`<figure class="panel">
              <figcaption>Sends and skips by reason</figcaption>
              <${Chart} option=${sends} label="Treated customers by send outcome" />
            </figure>`
      }
    </div>
    ${r.variants.length === 0 ? null : html`<${VariantTable} report=${r} />`}
  </div>`
}

function VariantTable(props: { readonly report: CampaignReport }): VNode {
  const rate = (g: CampaignGroup): string => formatPercent(g.conversionRate.estimate)
  return html`<h2>Variants</h2>
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Segment</th>
            <th scope="col" class="hide-narrow">Template</th>
            <th scope="col" class="num">Treated</th>
            <th scope="col" class="num">Conversion (T / H)</th>
            <th scope="col">Uplift per customer</th>
          </tr>
        </thead>
        <tbody>
          ${props.report.variants.map(
            (v) =>
              html`<tr key=${v.segmentId}>
                <td>${v.segmentId}</td>
                <td class="hide-narrow">${v.templateName ?? '—'}</td>
                <td class="num">${formatInteger(v.treatment.customers)}</td>
                <td class="num">${rate(v.treatment)} / ${rate(v.holdout)}</td>
                <td class="small">${interval(v.uplift.revenuePerCustomer, money)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`
}

/** Several campaigns side by side: each uplift with its CI, and which strategy wins. */
export function CampaignComparePage(props: { readonly ids: string }): VNode {
  const [comparison] = useApi<CampaignComparison>(
    props.ids === '' ? null : `/v1/campaigns/compare?ids=${encodeURIComponent(props.ids)}`,
  )
  return html`<section aria-labelledby="compare-title">
    <p><a href="/campaigns" data-link>← Campaigns</a></p>
    <h1 id="compare-title">Which strategy wins</h1>
    ${
      props.ids === ''
        ? html`<p class="note">Pick campaigns to compare on the campaigns page.</p>`
        : html`<${Loaded}
            load=${comparison}
            what="the comparison"
            done=${(c: CampaignComparison) => html`<${ComparisonView} comparison=${c} />`}
          />`
    }
  </section>`
}

function ComparisonView(props: { readonly comparison: CampaignComparison }): VNode {
  const c = props.comparison
  const forest = useMemo(
    () =>
      forestOption(
        c.rows
          .filter((row) => row.uplift !== null)
          .map((row) => ({
            label: `${row.name} (${row.strategy})`,
            interval: (row.uplift as Uplift).revenuePerCustomer,
          })),
        'revenue per customer uplift',
        money,
      ),
    [c],
  )
  const winner = c.winner
  const winnerRow =
    winner === null ? undefined : c.rows.find((r) => r.campaignId === winner.campaignId)
  return html`<div>
    <p class="note" role="status">
      ${
        winner === null || winnerRow === undefined
          ? 'No winner yet: no campaign has an uplift to compare.'
          : `${winnerRow.name} (${winner.strategy}) wins with ${money(winner.revenuePerCustomerUplift)} more revenue per customer than its holdout — ${winner.significant ? 'significant at 95%: its interval is above zero' : 'not significant at 95%: its interval includes zero'}.`
      }
    </p>
    <figure class="panel">
      <figcaption>Uplift in revenue per customer with 95% CI</figcaption>
      <${Chart} option=${forest} label="Uplift per campaign with 95% confidence intervals" />
    </figure>
    <div class="table-wrap">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Strategy</th>
            <th scope="col" class="num">Treated / held</th>
            <th scope="col" class="num hide-narrow">Sent</th>
            <th scope="col" class="num">Conversion (T / H)</th>
            <th scope="col">Uplift per customer</th>
          </tr>
        </thead>
        <tbody>
          ${c.rows.map(
            (row) =>
              html`<tr key=${row.campaignId}>
                <td><a href=${campaignHref(row.campaignId)} data-link>${row.name}</a></td>
                <td>${row.strategy}</td>
                <td class="num">${formatInteger(row.treated)} / ${formatInteger(row.held)}</td>
                <td class="num hide-narrow">${formatInteger(row.sent)}</td>
                <td class="num">
                  ${`${formatPercent(row.treatment.conversionRate.estimate)} / ${formatPercent(row.holdout.conversionRate.estimate)}`}
                </td>
                <td class="small">
                  ${row.uplift === null ? '—' : interval(row.uplift.revenuePerCustomer, money)}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </div>`
}
