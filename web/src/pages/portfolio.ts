import { html } from 'htm/preact'
import type { VNode } from 'preact'
import type { Portfolio, Task } from '../api.js'
import { formatDateTime, formatDecimal, formatInteger } from '../format.js'
import { Loaded } from '../ui.js'
import { useApi } from '../use-api.js'

/** A manager's own customers, most valuable first, and their open tasks. */
export function PortfolioPage(): VNode {
  const [portfolio] = useApi<Portfolio>('/v1/managers/me/portfolio')
  const [tasks] = useApi<{ tasks: readonly Task[] }>('/v1/managers/me/tasks?status=open')
  return html`<section aria-labelledby="portfolio-title">
    <h1 id="portfolio-title">My portfolio</h1>
    <section class="panel" aria-labelledby="tasks-title">
      <h2 id="tasks-title">Open tasks</h2>
      <${Loaded}
        load=${tasks}
        what="tasks"
        done=${(t: { tasks: readonly Task[] }) =>
          t.tasks.length === 0
            ? html`<p class="muted">No open tasks.</p>`
            : html`<ul class="plain">
                ${t.tasks.map(
                  (task) =>
                    html`<li key=${task.id}>
                      <strong>${task.rule}</strong> · due ${formatDateTime(task.dueAt)} ·
                      <a href=${`/customers/${encodeURIComponent(task.customerId)}`} data-link
                        >${task.customerId}</a
                      >
                      — ${task.reason}
                    </li>`,
                )}
              </ul>`}
      />
    </section>
    <${Loaded}
      load=${portfolio}
      what="your portfolio"
      done=${(p: Portfolio) =>
        p.customers.length === 0
          ? html`<p class="note">No customers are assigned to you yet.</p>`
          : html`<div class="table-wrap">
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col" class="num">Revenue</th>
                    <th scope="col" class="num hide-narrow">Open threads</th>
                    <th scope="col" class="num hide-narrow">Open tasks</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  ${p.customers.map(
                    (c) =>
                      html`<tr key=${c.customerId}>
                        <td>
                          <a href=${`/customers/${encodeURIComponent(c.customerId)}`} data-link
                            >${
                              typeof c.traits['name'] === 'string'
                                ? c.traits['name']
                                : (c.email ?? c.customerId)
                            }</a
                          >
                        </td>
                        <td class="num">${formatDecimal(c.revenue)}</td>
                        <td class="num hide-narrow">${formatInteger(c.openThreads)}</td>
                        <td class="num hide-narrow">${formatInteger(c.openTasks)}</td>
                        <td>${formatDateTime(c.lastSeenAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`}
    />
  </section>`
}
