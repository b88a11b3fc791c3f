import { html } from 'htm/preact'
import type { VNode } from 'preact'
import type { ApiError } from './api.js'
import type { Load } from './use-api.js'

export function Loading(props: { readonly what: string }): VNode {
  return html`<p class="loading" role="status" aria-live="polite">Loading ${props.what}…</p>`
}

export function ErrorNote(props: { readonly error: ApiError; readonly what: string }): VNode {
  return html`<p class="error" role="alert">
    Could not load ${props.what}: ${props.error.message}
    ${props.error.status > 0 ? html` <span class="muted">(${props.error.status})</span>` : null}
  </p>`
}

/** Renders a load's loading and error states, or its data through `done`. */
export function Loaded<T>(props: {
  readonly load: Load<T>
  readonly what: string
  readonly done: (data: T) => VNode | null
}): VNode | null {
  switch (props.load.state) {
    case 'loading':
      return html`<${Loading} what=${props.what} />`
    case 'error':
      return html`<${ErrorNote} error=${props.load.error} what=${props.what} />`
    case 'done':
      return props.done(props.load.data)
  }
}

export function Figure(props: {
  readonly label: string
  readonly value: string
  readonly note?: string
}): VNode {
  return html`<div class="figure">
    <dt>${props.label}</dt>
    <dd>${props.value}</dd>
    ${props.note === undefined ? null : html`<dd class="muted small">${props.note}</dd>`}
  </div>`
}
