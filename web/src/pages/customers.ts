import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import type { CustomerPage } from '../api.js'
import { formatDateTime } from '../format.js'
import { Loaded } from '../ui.js'
import { useApi } from '../use-api.js'
import { link } from '../router.js'

const PAGE_SIZE = 25

function displayName(traits: Readonly<Record<string, unknown>>): string {
  const name = traits['name'] ?? traits['firstName'] ?? traits['first_name']
  return typeof name === 'string' ? name : ''
}

/** Search by any identity or trait, newest first, with the server's cursor pagination. */
export function CustomersPage(props: { readonly query: string }): VNode {
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
  return html`<section aria-labelledby="customers-title">
    <h1 id="customers-title">Customers</h1>
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
  </section>`
}
