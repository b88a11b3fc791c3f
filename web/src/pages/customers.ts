import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import type { CustomerPage, RankedPage } from '../api.js'
import type { Segment } from '../customize-api.js'
import { formatDateTime, formatDecimal, formatPercent, TIER_LABELS } from '../format.js'
import { Loaded } from '../ui.js'
import { useApi } from '../use-api.js'
import { link } from '../router.js'

const PAGE_SIZE = 25

function displayName(traits: Readonly<Record<string, unknown>>): string {
  const name = traits['name'] ?? traits['firstName'] ?? traits['first_name']
  return typeof name === 'string' ? name : ''
}

const SORTS: readonly (readonly [string, string])[] = [
  ['recent', 'Last seen'],
  ['value', 'Customer value'],
  ['clv', 'CLV'],
  ['p_alive', 'P(alive)'],
]

function customersHref(query: string, sort: string, tier: string, segment = ''): string {
  const params = new URLSearchParams()
  if (query !== '') params.set('query', query)
  if (sort !== 'recent') params.set('sort', sort)
  if (tier !== '') params.set('tier', tier)
  if (segment !== '') params.set('segment', segment)
  const search = params.toString()
  return search === '' ? '/customers' : `/customers?${search}`
}

/** Search by any identity or trait (newest first), or rank by value, CLV or P(alive). */
export function CustomersPage(props: {
  readonly query: string
  readonly sort: string
  readonly tier: string
  readonly segment: string
}): VNode {
  // A segment filter reads the ranked list (the search list has no segment join).
  const ranked = props.sort !== 'recent' || props.segment !== ''
  const sort = props.sort === 'recent' && props.segment !== '' ? 'value' : props.sort
  return html`<section aria-labelledby="customers-title">
    <h1 id="customers-title">Customers</h1>
    <div class="controls">
      <label>
        Sort by
        <select
          value=${sort}
          onChange=${(e: Event) => {
            const next = (e.currentTarget as HTMLSelectElement).value
            link(
              next === 'recent'
                ? customersHref(props.query, next, '')
                : customersHref('', next, props.tier, props.segment),
            )
          }}
        >
          ${SORTS.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
        </select>
      </label>
      ${
        ranked
          ? html`<label>
              Tier
              <select
                value=${props.tier}
                onChange=${(e: Event) => {
                  link(
                    customersHref(
                      '',
                      sort,
                      (e.currentTarget as HTMLSelectElement).value,
                      props.segment,
                    ),
                  )
                }}
              >
                <option value="">All tiers</option>
                ${Object.entries(TIER_LABELS).map(
                  ([v, label]) => html`<option key=${v} value=${v}>${label}</option>`,
                )}
              </select>
            </label>`
          : null
      }
      <${SegmentFilter}
        value=${props.segment}
        onPick=${(segment: string) => {
          link(customersHref('', segment === '' ? props.sort : sort, props.tier, segment))
        }}
      />
    </div>
    ${
      ranked
        ? html`<${RankedList} sort=${sort} tier=${props.tier} segment=${props.segment} />`
        : html`<${SearchList} query=${props.query} />`
    }
  </section>`
}

function Pager(props: {
  readonly cursors: readonly string[]
  readonly next: string | null
  readonly setCursors: (c: readonly string[]) => void
}): VNode {
  return html`<nav class="pager" aria-label="Pages">
    <button
      type="button"
      disabled=${props.cursors.length === 0}
      onClick=${() => {
        props.setCursors(props.cursors.slice(0, -1))
      }}
    >
      ← Previous
    </button>
    <span class="muted">Page ${props.cursors.length + 1}</span>
    <button
      type="button"
      disabled=${props.next === null}
      onClick=${() => {
        if (props.next !== null) props.setCursors([...props.cursors, props.next])
      }}
    >
      Next →
    </button>
  </nav>`
}

/** A select of the stored segments; picking one lists only its members. */
function SegmentFilter(props: {
  readonly value: string
  readonly onPick: (segment: string) => void
}): VNode {
  const [list] = useApi<{ segments: readonly Segment[] }>('/v1/segments')
  const segments = list.state === 'done' ? list.data.segments : []
  return html`<label>
    Segment
    <select
      value=${props.value}
      disabled=${list.state === 'loading'}
      onChange=${(e: Event) => {
        props.onPick((e.currentTarget as HTMLSelectElement).value)
      }}
    >
      <option value="">All customers</option>
      ${segments.map((s) => html`<option key=${s.id} value=${s.id}>${s.name}</option>`)}
      ${
        props.value !== '' && list.state === 'done' && !segments.some((s) => s.id === props.value)
          ? html`<option value=${props.value}>${props.value}</option>`
          : null
      }
    </select>
  </label>`
}

/** Scored customers from `/v1/value/customers`, highest first. */
function RankedList(props: {
  readonly sort: string
  readonly tier: string
  readonly segment: string
}): VNode {
  const [cursors, setCursors] = useState<readonly string[]>([])
  const cursor = cursors[cursors.length - 1]
  const params = new URLSearchParams({ by: props.sort, limit: String(PAGE_SIZE) })
  if (props.tier !== '') params.set('tier', props.tier)
  if (props.segment !== '') params.set('segment', props.segment)
  if (cursor !== undefined) params.set('cursor', cursor)
  const [page] = useApi<RankedPage>(`/v1/value/customers?${params.toString()}`)
  return html`<${Loaded}
    load=${page}
    what="customers"
    done=${(p: RankedPage) =>
      html`<div>
        ${
          p.customers.length === 0
            ? html`<p class="note">No scored customers. Run <code>idic score</code> first.</p>`
            : html`<div class="table-wrap">
                <table class="list">
                  <thead>
                    <tr>
                      <th scope="col">Customer</th>
                      <th scope="col">Tier</th>
                      <th scope="col" class="num">Value</th>
                      <th scope="col" class="num">CLV</th>
                      <th scope="col" class="num">P(alive)</th>
                      <th scope="col" class="num hide-narrow">Share of wallet</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${p.customers.map(
                      (c) =>
                        html`<tr key=${c.id}>
                          <td>
                            <a href=${`/customers/${encodeURIComponent(c.id)}`} data-link>
                              ${displayName(c.traits) || c.email || c.id}
                            </a>
                          </td>
                          <td>
                            <span class=${`tier tier-${c.tier}`}
                              >${TIER_LABELS[c.tier] ?? c.tier}</span
                            >
                          </td>
                          <td class="num">${formatDecimal(c.actualValue)}</td>
                          <td class="num">${formatDecimal(c.clv)}</td>
                          <td class="num">${formatPercent(c.pAlive)}</td>
                          <td class="num hide-narrow">${formatPercent(c.shareOfWallet)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
        }
        <${Pager} cursors=${cursors} next=${p.nextCursor} setCursors=${setCursors} />
      </div>`}
  />`
}

/** Search by any identity or trait, newest first, with the server's cursor pagination. */
function SearchList(props: { readonly query: string }): VNode {
  const [draft, setDraft] = useState(props.query)
  // Cursors of the pages before the current one, so that "Previous" can go back.
  const [cursors, setCursors] = useState<readonly string[]>([])
  const cursor = cursors[cursors.length - 1]
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) })
  if (props.query !== '') params.set('query', props.query)
  if (cursor !== undefined) params.set('cursor', cursor)
  const [page] = useApi<CustomerPage>(`/v1/customers?${params.toString()}`)

  const submit = (event: Event): void => {
    event.preventDefault()
    setCursors([])
    link(
      draft.trim() === '' ? '/customers' : `/customers?query=${encodeURIComponent(draft.trim())}`,
    )
  }
  return html`<div>
    <form class="search" role="search" onSubmit=${submit}>
      <label for="customer-search">Search by id, userId, email, anonymousId or trait</label>
      <div class="row">
        <input
          id="customer-search"
          type="search"
          name="query"
          value=${draft}
          autocomplete="off"
          placeholder="ann@example.com, user-42, Berlin…"
          onInput=${(e: Event) => {
            setDraft((e.currentTarget as HTMLInputElement).value)
          }}
        />
        <button type="submit">Search</button>
      </div>
    </form>
    <${Loaded}
      load=${page}
      what="customers"
      done=${(p: CustomerPage) =>
        html`<div>
          ${
            p.customers.length === 0
              ? html`<p class="note">
                  No customer matches${props.query === '' ? '' : ` “${props.query}”`}.
                </p>`
              : html`<div class="table-wrap">
                  <table class="list">
                    <thead>
                      <tr>
                        <th scope="col">Customer</th>
                        <th scope="col">Email</th>
                        <th scope="col" class="hide-narrow">First seen</th>
                        <th scope="col">Last seen</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${p.customers.map(
                        (c) =>
                          html`<tr key=${c.id}>
                            <td>
                              <a href=${`/customers/${encodeURIComponent(c.id)}`} data-link>
                                ${displayName(c.traits) || c.id}
                              </a>
                              ${displayName(c.traits) === '' ? null : html`<div class="muted small">${c.id}</div>`}
                            </td>
                            <td>${c.email ?? '—'}</td>
                            <td class="hide-narrow">${formatDateTime(c.firstSeenAt)}</td>
                            <td>${formatDateTime(c.lastSeenAt)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
          }
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled=${cursors.length === 0}
              onClick=${() => {
                setCursors(cursors.slice(0, -1))
              }}
            >
              ← Previous
            </button>
            <span class="muted">Page ${cursors.length + 1}</span>
            <button
              type="button"
              disabled=${p.nextCursor === null}
              onClick=${() => {
                if (p.nextCursor !== null) setCursors([...cursors, p.nextCursor])
              }}
            >
              Next →
            </button>
          </nav>
        </div>`}
    />
  </div>`
}
