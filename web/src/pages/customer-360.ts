import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import {
  api,
  LIST_KINDS,
  type CustomerProfile,
  type Consents,
  type CustomerValue,
  type FeedbackKind,
  type ListKind,
  type RecommendationList,
  type Session,
  type Thread,
} from '../api.js'
import {
  formatDateTime,
  formatDecimal,
  formatInteger,
  formatMoney,
  formatPercent,
  TIER_LABELS,
} from '../format.js'
import { ErrorNote, Figure, Loaded } from '../ui.js'
import { CarePanel } from './care-panel.js'
import { asApiError, useApi } from '../use-api.js'

function traitText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Everything known about one customer, each panel from its own API. */
export function Customer360Page(props: {
  readonly identity: string
  readonly session: Session
}): VNode {
  const id = encodeURIComponent(props.identity)
  const [profile] = useApi<CustomerProfile>(`/v1/customers/${id}?timeline=30`)
  return html`<${Loaded}
    load=${profile}
    what="the customer"
    done=${(p: CustomerProfile) => html`<${Profile} profile=${p} session=${props.session} />`}
  />`
}

function Profile(props: { readonly profile: CustomerProfile; readonly session: Session }): VNode {
  const p = props.profile
  const currency = p.orders.currencies.length === 1 ? (p.orders.currencies[0] ?? null) : null
  const name = typeof p.traits['name'] === 'string' ? p.traits['name'] : (p.email ?? p.id)
  return html`<article aria-labelledby="customer-title">
    <h1 id="customer-title">${name}</h1>
    <p class="muted">${p.id}${p.managerId === null ? '' : ` · manager ${p.managerId}`}</p>
    <dl class="figures">
      <${Figure} label="Orders" value=${formatInteger(p.orders.count)} />
      <${Figure} label="Revenue" value=${formatMoney(p.orders.revenue, currency)} />
      <${Figure} label="Refunded" value=${formatMoney(p.orders.refunded, currency)} />
      <${Figure} label="Last order" value=${formatDateTime(p.orders.lastOrderAt)} />
      <${Figure} label="First seen" value=${formatDateTime(p.firstSeenAt)} />
      <${Figure} label="Last seen" value=${formatDateTime(p.lastSeenAt)} />
    </dl>
    ${
      props.session.role === 'manager'
        ? null
        : html`<div class="grid2">
            <${ValuePanel} customerId=${p.id} currency=${currency} />
            <${RecommendationsPanel} customerId=${p.id} session=${props.session} />
          </div>`
    }
    <${ConversationPanel} customerId=${p.id} />
    <${CarePanel} customerId=${p.id} session=${props.session} />
    <div class="grid2">
      <section class="panel" aria-labelledby="traits-title">
        <h2 id="traits-title">Traits</h2>
        ${
          Object.keys(p.traits).length === 0
            ? html`<p class="muted">No traits.</p>`
            : html`<table class="compact kv">
                <tbody>
                  ${Object.entries(p.traits).map(
                    ([k, v]) =>
                      html`<tr key=${k}>
                        <th scope="row">${k}</th>
                        <td>${traitText(v)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      <section class="panel" aria-labelledby="identities-title">
        <h2 id="identities-title">Identities</h2>
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Value</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            ${p.identities.map(
              (i) =>
                html`<tr key=${`${i.kind}:${i.value}`}>
                  <td>${i.kind}</td>
                  <td class="break">${i.value}</td>
                  <td>${formatDateTime(i.firstSeenAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h3>Merges</h3>
        ${
          p.merges.length === 0
            ? html`<p class="muted">None.</p>`
            : html`<ul class="plain">
                ${p.merges.map(
                  (m) =>
                    html`<li key=${m.mergedCustomerId}>
                      ${formatDateTime(m.mergedAt)}: merged <code>${m.mergedCustomerId}</code> —
                      ${m.reason}
                    </li>`,
                )}
              </ul>`
        }
        <h3>Conflicts</h3>
        ${
          p.conflicts.length === 0
            ? html`<p class="muted">None.</p>`
            : html`<ul class="plain">
                ${p.conflicts.map(
                  (c) =>
                    html`<li key=${`${c.otherCustomerId}:${c.value}`}>
                      ${formatDateTime(c.detectedAt)}: ${c.kind} <code>${c.value}</code> also on
                      <a href=${`/customers/${encodeURIComponent(c.otherCustomerId)}`} data-link
                        >${c.otherCustomerId}</a
                      >
                      — ${c.reason}
                    </li>`,
                )}
              </ul>`
        }
      </section>
    </div>
    <section class="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <p class="muted small">
        ${Object.entries(p.eventCounts)
          .map(([k, n]) => `${k}: ${formatInteger(n)}`)
          .join(' · ')}
      </p>
      <ol class="timeline">
        ${p.timeline.map(
          (e) =>
            html`<li key=${e.messageId}>
              <time>${formatDateTime(e.occurredAt)}</time>
              <strong>${e.name ?? e.type}</strong>
              <span class="muted small">${summarize(e.properties)}</span>
            </li>`,
        )}
      </ol>
    </section>
  </article>`
}

/** The thread of messages with the customer, and their consents per channel and topic. */
function ConversationPanel(props: { readonly customerId: string }): VNode {
  const id = encodeURIComponent(props.customerId)
  const [thread] = useApi<Thread>(`/v1/customers/${id}/messages?limit=50`)
  const [consents] = useApi<Consents>(`/v1/customers/${id}/consents`)
  return html`<div class="grid2">
    <section class="panel" aria-labelledby="thread-title">
      <h2 id="thread-title">Conversation</h2>
      <${Loaded}
        load=${thread}
        what="the conversation"
        done=${(t: Thread) =>
          t.messages.length === 0
            ? html`<p class="muted">No messages yet.</p>`
            : html`<div>
                <p class="muted small">Thread status: ${t.status}</p>
                <ol class="thread">
                  ${t.messages.map(
                    (m) =>
                      html`<li key=${m.id} class=${m.direction}>
                        <div class="muted small">
                          ${formatDateTime(m.createdAt)} · ${m.direction} · ${m.channel} · ${m.kind}
                          ${m.status === null ? '' : ` · ${m.status}`}
                        </div>
                        ${m.subject === null ? null : html`<strong>${m.subject}</strong>`}
                        <div>${m.body}</div>
                      </li>`,
                  )}
                </ol>
              </div>`}
      />
    </section>
    <section class="panel" aria-labelledby="consents-title">
      <h2 id="consents-title">Consents</h2>
      <${Loaded}
        load=${consents}
        what="consents"
        done=${(c: Consents) =>
          c.consents.length === 0
            ? html`<p class="muted">No consent recorded: nothing is sent.</p>`
            : html`<table class="compact">
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col">Topic</th>
                    <th scope="col">Consent</th>
                    <th scope="col" class="hide-narrow">Source</th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  ${c.consents.map(
                    (x) =>
                      html`<tr key=${`${x.channel}:${x.topic}`}>
                        <td>${x.channel}</td>
                        <td>${x.topic}</td>
                        <td>${x.granted ? 'granted' : 'refused'}</td>
                        <td class="hide-narrow">${x.source}</td>
                        <td>${formatDateTime(x.updatedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`}
      />
    </section>
  </div>`
}

function summarize(properties: Readonly<Record<string, unknown>>): string {
  const parts: string[] = []
  for (const key of ['order_id', 'product_id', 'name', 'total', 'currency', 'url']) {
    const v = properties[key]
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${key} ${v}`)
  }
  return parts.join(', ')
}

function ValuePanel(props: {
  readonly customerId: string
  readonly currency: string | null
}): VNode {
  const [value] = useApi<CustomerValue>(
    `/v1/customers/${encodeURIComponent(props.customerId)}/value`,
  )
  const money = (n: number | null): string => formatMoney(n, props.currency)
  return html`<section class="panel" aria-labelledby="value-title">
    <h2 id="value-title">Value</h2>
    ${
      value.state === 'error' && value.error.status === 404
        ? html`<p class="muted">
            Not scored yet: run <code>idic score</code> once the customer has orders.
          </p>`
        : html`<${Loaded}
            load=${value}
            what="value figures"
            done=${(v: CustomerValue) =>
              html`<div>
                <p>
                  <span class=${`tier tier-${v.tier}`}>${TIER_LABELS[v.tier] ?? v.tier}</span>
                  <span class="reason">${v.reason}</span>
                </p>
                <dl class="figures small-figures">
                  <${Figure} label="Customer value" value=${money(v.actualValue)} />
                  <${Figure} label="CLV" value=${money(v.clv)} />
                  <${Figure} label="P(alive)" value=${formatPercent(v.pAlive)} />
                  <${Figure}
                    label="Expected purchases"
                    value=${formatDecimal(v.expectedTransactions)}
                  />
                  <${Figure} label="Share of wallet" value=${formatPercent(v.shareOfWallet)} />
                  <${Figure} label="Growth potential" value=${money(v.growthPotential)} />
                  <${Figure} label="Historical revenue" value=${money(v.historicalRevenue)} />
                  <${Figure}
                    label="RFM"
                    value=${`${v.rfm.r}${v.rfm.f}${v.rfm.m}`}
                    note=${v.rfm.segment}
                  />
                </dl>
              </div>`}
          />`
    }
  </section>`
}

const LIST_LABELS: Readonly<Record<ListKind, string>> = {
  'for-you': 'For you',
  'because-you-bought': 'Because you bought',
  discovery: 'Discovery',
  popular: 'Popular',
}

function RecommendationsPanel(props: {
  readonly customerId: string
  readonly session: Session
}): VNode {
  const [list, setList] = useState<ListKind>('for-you')
  const path = `/v1/customers/${encodeURIComponent(props.customerId)}/recommendations?list=${list}&n=8`
  const [recs, reload] = useApi<RecommendationList>(path)
  const [sending, setSending] = useState<string | null>(null)
  const [failure, setFailure] = useState<ReturnType<typeof asApiError> | null>(null)
  const canGiveFeedback = props.session.role === 'admin'

  const feedback = (productId: string, kind: FeedbackKind): void => {
    setSending(productId)
    setFailure(null)
    api(`/v1/customers/${encodeURIComponent(props.customerId)}/feedback`, {
      method: 'POST',
      body: { productId, kind },
    }).then(
      () => {
        setSending(null)
        reload()
      },
      (error: unknown) => {
        setSending(null)
        setFailure(asApiError(error))
      },
    )
  }
  return html`<section class="panel" aria-labelledby="recs-title">
    <h2 id="recs-title">Recommendations</h2>
    <div class="tabs" role="group" aria-label="Recommendation list">
      ${LIST_KINDS.map(
        (k) =>
          html`<button
            key=${k}
            type="button"
            aria-pressed=${k === list}
            onClick=${() => {
              setList(k)
            }}
          >
            ${LIST_LABELS[k]}
          </button>`,
      )}
    </div>
    ${failure === null ? null : html`<${ErrorNote} error=${failure} what="the feedback" />`}
    <${Loaded}
      load=${recs}
      what="recommendations"
      done=${(r: RecommendationList) =>
        r.items.length === 0
          ? html`<p class="muted">${r.note ?? 'Nothing to recommend.'}</p>`
          : html`<ol class="recs" data-model=${r.model}>
              ${r.items.map(
                (item) =>
                  html`<li key=${item.productId} data-product=${item.productId}>
                    <div>
                      <strong>${item.name ?? item.productId}</strong>
                      <div class="muted small">
                        ${item.category === null ? '' : `${item.category} · `}${item.reason.text}
                      </div>
                    </div>
                    ${
                      canGiveFeedback
                        ? html`<div
                            class="actions"
                            role="group"
                            aria-label=${`Feedback on ${item.productId}`}
                          >
                            ${(['like', 'skip', 'dismiss'] as const).map(
                              (kind) =>
                                html`<button
                                  key=${kind}
                                  type="button"
                                  class=${`fb fb-${kind}`}
                                  disabled=${sending !== null}
                                  aria-label=${`${kind} ${item.productId}`}
                                  onClick=${() => {
                                    feedback(item.productId, kind)
                                  }}
                                >
                                  ${kind}
                                </button>`,
                            )}
                          </div>`
                        : null
                    }
                  </li>`,
              )}
            </ol>`}
    />
    <p class="muted small">
      ${canGiveFeedback ? 'Skip and dismiss take the product out of the list at once.' : 'Feedback needs an admin key.'}
    </p>
  </section>`
}
