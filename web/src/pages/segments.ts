import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { api, ApiError } from '../api.js'
import type {
  RuleProblem,
  Segment,
  SegmentMembers,
  SegmentPreview,
  SegmentRefresh,
} from '../customize-api.js'
import { formatDateTime, formatInteger } from '../format.js'
import { link } from '../router.js'
import { ruleText } from '../rule-text.js'
import { ErrorNote, Figure, Loaded } from '../ui.js'
import { asApiError, useApi } from '../use-api.js'

const segmentHref = (id: string): string => `/segments/${encodeURIComponent(id)}`
const customerHref = (id: string): string => `/customers/${encodeURIComponent(id)}`

/** Every segment with its rule in words, refresh mode, size and last refresh. */
export function SegmentsPage(): VNode {
  const [list] = useApi<{ segments: readonly Segment[] }>('/v1/segments')
  return html`<section aria-labelledby="segments-title">
    <div class="title-row">
      <h1 id="segments-title">Segments</h1>
      <a class="button" href="/segments/new" data-link>New segment</a>
    </div>
    <${Loaded}
      load=${list}
      what="segments"
      done=${(l: { segments: readonly Segment[] }) =>
        l.segments.length === 0
          ? html`<p class="note">No segment yet. Create one with “New segment”.</p>`
          : html`<div class="table-wrap">
              <table class="list segments">
                <thead>
                  <tr>
                    <th scope="col">Segment</th>
                    <th scope="col">Rule</th>
                    <th scope="col" class="hide-narrow">Refresh</th>
                    <th scope="col" class="num">Members</th>
                    <th scope="col" class="hide-narrow">Refreshed</th>
                  </tr>
                </thead>
                <tbody>
                  ${l.segments.map(
                    (s) =>
                      html`<tr key=${s.id}>
                        <td><a href=${segmentHref(s.id)} data-link>${s.name}</a></td>
                        <td class="small">${ruleText(s.rule)}</td>
                        <td class="hide-narrow">${s.refreshMode}</td>
                        <td class="num">${formatInteger(s.memberCount)}</td>
                        <td class="hide-narrow">${formatDateTime(s.refreshedAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`}
    />
  </section>`
}

/** One segment: its rule in words and as JSON, size, a sample of members, and a refresh. */
export function SegmentPage(props: { readonly id: string }): VNode {
  const [segment, reload] = useApi<Segment>(`/v1/segments/${encodeURIComponent(props.id)}`)
  const [members, reloadMembers] = useApi<SegmentMembers>(
    `/v1/segments/${encodeURIComponent(props.id)}/members?limit=20`,
  )
  const [refreshing, setRefreshing] = useState(false)
  const [refreshed, setRefreshed] = useState<SegmentRefresh | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const refresh = (): void => {
    setRefreshing(true)
    setError(null)
    api<SegmentRefresh>(`/v1/segments/${encodeURIComponent(props.id)}/refresh`, {
      method: 'POST',
    }).then(
      (r) => {
        setRefreshing(false)
        setRefreshed(r)
        reload()
        reloadMembers()
      },
      (e: unknown) => {
        setRefreshing(false)
        setError(asApiError(e))
      },
    )
  }
  return html`<section aria-labelledby="segment-title">
    <p><a href="/segments" data-link>← Segments</a></p>
    <${Loaded}
      load=${segment}
      what="the segment"
      done=${(s: Segment) =>
        html`<div>
          <div class="title-row">
            <h1 id="segment-title">${s.name}</h1>
            <button type="button" onClick=${refresh} disabled=${refreshing}>
              ${refreshing ? 'Refreshing…' : 'Refresh now'}
            </button>
          </div>
          ${s.description === '' ? null : html`<p>${s.description}</p>`}
          ${
            refreshed === null
              ? null
              : html`<p class="note" role="status">
                  ${`Refreshed: ${formatInteger(refreshed.added)} joined, ${formatInteger(refreshed.removed)} left, ${formatInteger(refreshed.count)} now.`}
                </p>`
          }
          ${error === null ? null : html`<${ErrorNote} error=${error} what="a refresh" />`}
          <dl class="figures">
            <${Figure} label="Members" value=${formatInteger(s.memberCount)} />
            <${Figure} label="Refresh mode" value=${s.refreshMode} />
            <${Figure} label="Refreshed" value=${formatDateTime(s.refreshedAt)} />
          </dl>
          <h2>Rule</h2>
          <p class="rule-text">${ruleText(s.rule)}</p>
          <details>
            <summary>Rule as JSON</summary>
            <pre class="json">${JSON.stringify(s.rule, null, 2)}</pre>
          </details>
        </div>`}
    />
    <h2>Members</h2>
    <p>
      <a href=${`/customers?sort=value&segment=${encodeURIComponent(props.id)}`} data-link
        >All members ranked by value →</a
      >
    </p>
    <${Loaded}
      load=${members}
      what="members"
      done=${(m: SegmentMembers) => html`<${MemberList} members=${m.members} />`}
    />
  </section>`
}

function MemberList(props: {
  readonly members: readonly {
    readonly customerId: string
    readonly email: string | null
    readonly addedAt?: number
  }[]
}): VNode {
  if (props.members.length === 0) return html`<p class="note">No member.</p>`
  return html`<ul class="members">
    ${props.members.map(
      (m) =>
        html`<li key=${m.customerId}>
          <a href=${customerHref(m.customerId)} data-link>${m.email ?? m.customerId}</a>
          ${
            m.addedAt === undefined
              ? null
              : html` <span class="muted small">since ${formatDateTime(m.addedAt)}</span>`
          }
        </li>`,
    )}
  </ul>`
}

const EXAMPLE_RULE = JSON.stringify(
  {
    all: [
      { orders: 'count', op: 'gte', value: 2 },
      { score: 'tier', op: 'in', value: ['mvc', 'mgc'] },
    ],
  },
  null,
  2,
)

function ruleProblems(error: ApiError): readonly RuleProblem[] {
  const details = error.details
  if (typeof details !== 'object' || details === null) return []
  const errors = (details as { errors?: unknown }).errors
  return Array.isArray(errors) ? (errors as RuleProblem[]) : []
}

type Parsed =
  { readonly ok: true; readonly rule: unknown } | { readonly ok: false; readonly message: string }

function parseRule(text: string): Parsed {
  try {
    return { ok: true, rule: JSON.parse(text) as unknown }
  } catch (e) {
    return {
      ok: false,
      message: `The rule is not JSON: ${e instanceof Error ? e.message : String(e)}`,
    }
  }
}

/** Paste or edit a rule, preview its count and a sample, then save it. */
export function NewSegmentPage(): VNode {
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [rule, setRule] = useState(EXAMPLE_RULE)
  const [busy, setBusy] = useState<'preview' | 'save' | null>(null)
  const [preview, setPreview] = useState<SegmentPreview | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [jsonError, setJsonError] = useState<string | null>(null)

  const send = (what: 'preview' | 'save'): void => {
    const parsed = parseRule(rule)
    setError(null)
    if (!parsed.ok) {
      setJsonError(parsed.message)
      return
    }
    setJsonError(null)
    setBusy(what)
    const done = (e: unknown): void => {
      setBusy(null)
      setError(asApiError(e))
    }
    if (what === 'preview') {
      api<SegmentPreview>('/v1/segments/preview', {
        method: 'POST',
        body: { rule: parsed.rule, sampleSize: 10 },
      }).then((p) => {
        setBusy(null)
        setPreview(p)
      }, done)
    } else {
      api<Segment>('/v1/segments', {
        method: 'POST',
        body: { name: name.trim(), description, rule: parsed.rule },
      }).then((s) => {
        setBusy(null)
        link(segmentHref(s.id))
      }, done)
    }
  }
  const problems = error === null ? [] : ruleProblems(error)
  const reads = parseRule(rule)
  return html`<section aria-labelledby="new-segment-title">
    <p><a href="/segments" data-link>← Segments</a></p>
    <h1 id="new-segment-title">New segment</h1>
    <form
      class="segment-form"
      onSubmit=${(e: Event) => {
        e.preventDefault()
        send('save')
      }}
    >
      <label for="segment-name">Name</label>
      <input
        id="segment-name"
        value=${name}
        required
        maxlength="200"
        onInput=${(e: Event) => {
          setName((e.currentTarget as HTMLInputElement).value)
        }}
      />
      <label for="segment-description">Description</label>
      <input
        id="segment-description"
        value=${description}
        maxlength="2000"
        onInput=${(e: Event) => {
          setDescription((e.currentTarget as HTMLInputElement).value)
        }}
      />
      <label for="segment-rule">Rule (JSON)</label>
      <textarea
        id="segment-rule"
        rows="12"
        spellcheck=${false}
        value=${rule}
        onInput=${(e: Event) => {
          setRule((e.currentTarget as HTMLTextAreaElement).value)
          setPreview(null)
        }}
      ></textarea>
      ${reads.ok ? html`<p class="muted small">Reads: ${ruleText(reads.rule)}</p>` : null}
      <div class="row">
        <button
          type="button"
          onClick=${() => {
            send('preview')
          }}
          disabled=${busy !== null}
        >
          ${busy === 'preview' ? 'Previewing…' : 'Preview'}
        </button>
        <button type="submit" disabled=${busy !== null || name.trim() === ''}>
          ${busy === 'save' ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
    ${jsonError === null ? null : html`<p class="error" role="alert">${jsonError}</p>`}
    ${
      error === null
        ? null
        : html`<div class="error" role="alert">
            <p>${error.message}</p>
            ${
              problems.length === 0
                ? null
                : html`<ul class="problems">
                    ${problems.map(
                      (p) =>
                        html`<li key=${p.path + p.message}>
                          <code>${p.path === '' ? '(rule)' : p.path}</code>: ${p.message}
                          ${
                            p.allowed === undefined
                              ? null
                              : html` <span class="small">(allowed: ${p.allowed.join(', ')})</span>`
                          }
                        </li>`,
                    )}
                  </ul>`
            }
          </div>`
    }
    ${
      preview === null
        ? null
        : html`<div class="preview" aria-live="polite">
            <h2>Preview</h2>
            <dl class="figures">
              <${Figure}
                label=${preview.estimated ? 'Matching customers (estimate)' : 'Matching customers'}
                value=${
                  preview.estimated && preview.interval !== null
                    ? `≈ ${formatInteger(preview.count)} (${formatInteger(preview.interval.low)}–${formatInteger(preview.interval.high)})`
                    : formatInteger(preview.count)
                }
              />
              <${Figure} label="Refresh mode" value=${preview.refreshMode} />
            </dl>
            ${
              preview.estimated
                ? html`<p class="muted small">
                    ${`Estimated from a fixed sample of ${formatInteger(preview.evaluatedCustomers)} of ${formatInteger(preview.totalCustomers)} customers, with its 95% interval; saving counts every member.`}
                  </p>`
                : null
            }
            <h3>Sample</h3>
            <${MemberList} members=${preview.sample} />
          </div>`
    }
  </section>`
}
