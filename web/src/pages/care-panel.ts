import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { api, type CustomerCare, type Session, type Task } from '../api.js'
import { formatDateTime } from '../format.js'
import { ErrorNote, Loaded } from '../ui.js'
import { asApiError, useApi } from '../use-api.js'

const RULE_LABELS: Readonly<Record<string, string>> = {
  palive_drop: 'P(alive) dropped',
  negative_feedback: 'Negative feedback',
  unanswered_question: 'Unanswered question',
}

/**
 * The customer's named manager and the tasks raised for them (open first). Admins and the
 * customer's manager mark a task done or dismiss it; analysts read.
 */
export function CarePanel(props: {
  readonly customerId: string
  readonly session: Session
}): VNode {
  const id = encodeURIComponent(props.customerId)
  const [care, reload] = useApi<CustomerCare>(`/v1/customers/${id}/tasks`)
  const [saving, setSaving] = useState<string | null>(null)
  const [failure, setFailure] = useState<ReturnType<typeof asApiError> | null>(null)
  const canAct = props.session.role === 'admin' || props.session.role === 'manager'

  const settle = (task: Task, status: 'done' | 'dismissed'): void => {
    setSaving(task.id)
    setFailure(null)
    api(`/v1/tasks/${encodeURIComponent(task.id)}`, { method: 'PATCH', body: { status } }).then(
      () => {
        setSaving(null)
        reload()
      },
      (error: unknown) => {
        setSaving(null)
        setFailure(asApiError(error))
      },
    )
  }
  return html`<section class="panel" aria-labelledby="care-title">
    <h2 id="care-title">Manager and tasks</h2>
    ${failure === null ? null : html`<${ErrorNote} error=${failure} what="the task" />`}
    <${Loaded}
      load=${care}
      what="manager and tasks"
      done=${(c: CustomerCare) =>
        html`<div>
          <p>
            ${
              c.manager === null
                ? html`<span class="muted">No manager: this customer is not in a portfolio.</span>`
                : html`Managed by <strong>${c.manager.name}</strong>${
                      c.manager.email === null
                        ? null
                        : html` · <a href=${`mailto:${c.manager.email}`}>${c.manager.email}</a>`
                    }`
            }
          </p>
          ${
            c.tasks.length === 0
              ? html`<p class="muted">No tasks.</p>`
              : html`<ul class="plain tasks">
                  ${c.tasks.map(
                    (task) =>
                      html`<li key=${task.id} class=${`task task-${task.status}`}>
                        <strong>${RULE_LABELS[task.rule] ?? task.rule}</strong> · ${task.status} ·
                        due ${formatDateTime(task.dueAt)} — ${task.reason}
                        ${
                          canAct && task.status === 'open'
                            ? html` <button
                                  type="button"
                                  disabled=${saving !== null}
                                  onClick=${() => {
                                    settle(task, 'done')
                                  }}
                                >
                                  Done
                                </button>
                                <button
                                  type="button"
                                  disabled=${saving !== null}
                                  onClick=${() => {
                                    settle(task, 'dismissed')
                                  }}
                                >
                                  Dismiss
                                </button>`
                            : null
                        }
                      </li>`,
                  )}
                </ul>`
          }
        </div>`}
    />
  </section>`
}
