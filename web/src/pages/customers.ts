import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import type { CustomerPage, ManagerSummary, RankedPage } from '../api.js'
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
  ['share_of_wallet', 'Share of customer'],
  ['growth_potential', 'Growth potential'],
]

/** The list's filters, as the URL holds them (`/customers?sort=&tier=&segment=&manager=`). */
interface Filters {
  readonly query: string
  readonly sort: string
  readonly tier: string
  readonly segment: string
  readonly manager: string
}

function customersHref(filters: Filters): string {
  const params = new URLSearchParams()
  if (filters.query !== '') params.set('query', filters.query)
  if (filters.sort !== 'recent') params.set('sort', filters.sort)
  for (const key of ['tier', 'segment', 'manager'] as const) {
    if (filters[key] !== '') params.set(key, filters[key])
  }
  const search = params.toString()
  return search === '' ? '/customers' : `/customers?${search}`
}

/**
 * Search by any identity or trait (newest first), or rank by value, CLV, P(alive), share of
 * customer or growth potential within a tier, a segment or a manager's portfolio.
 */
export function CustomersPage(props: Filters): VNode {
  // A segment or manager filter reads the ranked list (the search list has no such join).
  const filtered = props.segment !== '' || props.manager !== ''
  const ranked = props.sort !== 'recent' || filtered
  const sort = props.sort === 'recent' && filtered ? 'value' : props.sort
  const current: Filters = { ...props, sort }
  const segmentOptions = useSegmentOptions()
  const managerOptions = useManagerOptions()
  // Any filter change starts from a ranked list without a search query.
  const pick = (change: Partial<Filters>): void => {
    const next = { ...current, query: '', ...change }
    link(customersHref(next.sort === 'recent' ? { ...next, tier: '' } : next))
  }
  return html`<section aria-labelledby="customers-title">
    <h1 id="customers-title">Customers</h1>
    <div class="controls">
      <label>
        Sort by
        <select
          value=${sort}
          onChange=${(e: Event) => {
            const next = (e.currentTarget as HTMLSelectElement).value
            if (next === 'recent') {
              link(customersHref({ ...props, sort: next, tier: '', segment: '', manager: '' }))
            } else pick({ sort: next })
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
                  pick({ tier: (e.currentTarget as HTMLSelectElement).value })
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
      <${OptionFilter}
        label="Segment"
        all="All customers"
        options=${segmentOptions}
        value=${props.segment}
        onPick=${(segment: string) => {
          pick({ segment })
        }}
      />
      <${OptionFilter}
        label="Manager"
        all="Any manager"
        options=${managerOptions}
        value=${props.manager}
        onPick=${(manager: string) => {
          pick({ manager })
        }}
      />
    </div>
    ${
      ranked
        ? html`<${RankedList}
            sort=${sort}
            tier=${props.tier}
            segment=${props.segment}
            manager=${props.manager}
          />`
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

/** The segments to filter by: id and name. */
function useSegmentOptions(): Options {
  const [list] = useApi<{ segments: readonly Segment[] }>('/v1/segments')
  return list.state === 'done' ? list.data.segments.map((seg) => [seg.id, seg.name] as const) : null
}

/** The customer managers to filter by: id, and name with portfolio size. */
function useManagerOptions(): Options {
  const [list] = useApi<{ managers: readonly ManagerSummary[] }>('/v1/managers')
  return list.state === 'done'
    ? list.data.managers.map((m) => [m.id, `${m.name} (${m.portfolioSize})`] as const)
    : null
}

/** id and label of each option; null while loading. */
type Options = readonly (readonly [string, string])[] | null

/**
 * A select over a list the API gives (segments, managers); picking one narrows the ranked list.
 * A value from the URL that the list does not hold stays selectable under its id.
 */
function OptionFilter(props: {
  readonly label: string
  readonly all: string
  readonly options: Options
  readonly value: string
  readonly onPick: (value: string) => void
}): VNode {
  const options = props.options ?? []
  return html`<label>
    ${props.label}
    <select
      value=${props.value}
      disabled=${props.options === null}
      onChange=${(e: Event) => {
        props.onPick((e.currentTarget as HTMLSelectElement).value)
      }}
    >
      <option value="">${props.all}</option>
      ${options.map(([id, name]) => html`<option key=${id} value=${id}>${name}</option>`)}
      ${
        props.value !== '' && props.options !== null && !options.some(([id]) => id === props.value)
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
  readonly manager: string
}): VNode {
  const [cursors, setCursors] = useState<readonly string[]>([])
  const cursor = cursors[cursors.length - 1]
  const params = new URLSearchParams({ by: props.sort, limit: String(PAGE_SIZE) })
  if (props.tier !== '') params.set('tier', props.tier)
  if (props.segment !== '') params.set('segment', props.segment)
  if (props.manager !== '') params.set('manager', props.manager)
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
                      <th scope="col" class="num hide-narrow">Share of customer</th>
                      <th scope="col" class="num hide-narrow">Growth potential</th>
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
                          <td class="num hide-narrow">${formatDecimal(c.growthPotential)}</td>
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
