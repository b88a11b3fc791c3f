import { toValue, type Context } from 'liquidjs'

const SPECIAL = /[&<>"']/
const SPECIALS = /[&<>"']/g
const ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
}

/**
 * The HTML engine's `outputEscape`: what liquidjs' built-in `escape` writes (the same entities,
 * drops by their value, lists joined, nil as empty, counted against the render's memory limit),
 * but a value with nothing to escape (almost every name, price and link in a message) is
 * returned as it is instead of going through a replacement with a callback per character. Every
 * output of every HTML message goes through it.
 */
export function escapeOutput(this: { readonly context: Context }, value: unknown): string {
  const text = stringify(value)
  this.context.memoryLimit.use(text.length)
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITY[c] ?? c) : text
}

/** liquidjs' own conversion of an output value to text (its `stringify`). */
function stringify(value: unknown): string {
  const v: unknown = toValue(value)
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.map(stringify).join('')
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  // Objects and symbols: liquidjs writes String(value) (an object's toString, "[object Object]"
  // unless it has its own).
  return String(Object(v))
}
