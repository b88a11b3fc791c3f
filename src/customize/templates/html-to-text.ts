const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
  '#34': '"',
}

/**
 * A plain-text rendering of an HTML message, for the text part of a message that has none.
 * Deliberately simple: `<head>`, `<style>`, `<script>`, `<title>` and comments are dropped; line
 * breaks follow `<br>` and the start and end of blocks (p, div, tr, headings, …); list items get
 * `- `; a link with a quoted `href` becomes `label (url)` unless the label is empty or the url;
 * other tags are removed; the common entities and numeric references are decoded; runs of spaces
 * collapse and at most one blank line remains. Write a text part for anything finer (tables,
 * images with meaning).
 *
 * One pass over the HTML from tag to tag (indexOf), each tag's name looked up in a table, then
 * the spaces collapsed: it runs once per campaign message, and the eight regular-expression
 * passes over the whole message it replaces took half as long again.
 */
export function htmlToText(html: string): string {
  let text = ''
  let at = 0
  const length = html.length
  while (at < length) {
    const open = html.indexOf('<', at)
    if (open === -1) {
      text += decodeEntities(html.slice(at))
      break
    }
    if (open > at) text += decodeEntities(html.slice(at, open))
    if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4)
      if (end !== -1) {
        at = end + 3
        continue
      }
    }
    const close = html.indexOf('>', open + 1)
    if (close === -1) {
      // Not a tag: the rest is text.
      text += decodeEntities(html.slice(open))
      break
    }
    const closing = html.charCodeAt(open + 1) === SLASH
    const name = tagName(html, closing ? open + 2 : open + 1)
    at = close + 1
    if (!closing && DROPPED.has(name)) {
      const end = endOfElement(html, name, at)
      if (end !== -1) at = end
      continue
    }
    if (!closing && name === 'a') {
      LINK.lastIndex = open
      const link = LINK.exec(html)
      if (link !== null) {
        const [whole, , dq, sq, label = ''] = link
        const url = decodeEntities(dq ?? sq ?? '')
        const shown = decodeEntities(label.replace(TAG, '').trim())
        text += shown === '' || shown === url ? url : `${shown} (${url})`
        at = open + whole.length
        continue
      }
    }
    const kind = closing ? CLOSING.get(name) : OPENING.get(name)
    if (kind !== undefined && (!closing || onlySpacesBefore(html, open + 2 + name.length, close))) {
      text += kind
    }
  }
  return text.replace(SPACES, ' ').replace(LINE_END, '\n').replace(BLANK_LINES, '\n\n').trim()
}

const SLASH = 0x2f
const BLOCKS = [
  'p',
  'div',
  'tr',
  'ul',
  'ol',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'section',
  'article',
  'header',
  'footer',
  'hr',
]
/** What an opening tag becomes; a tag not named here becomes nothing. */
const OPENING = new Map<string, string>([
  ['li', '\n- '],
  ['br', '\n'],
  ...BLOCKS.map((b) => [b, '\n'] as const),
])
/** What a closing tag (`</name>`, spaces allowed before `>`) becomes. */
const CLOSING = new Map<string, string>([
  ['td', ' '],
  ['th', ' '],
  ...BLOCKS.map((b) => [b, '\n'] as const),
])
/** Elements dropped with what they hold. */
const DROPPED = new Set(['head', 'style', 'script', 'title'])
/** A link with a quoted href, matched where its tag starts, up to its closing tag. */
const LINK = /<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/iy
const TAG = /<[^>]*>/g
const SPACES = /[ \t\f\v\u00a0]+/g
const LINE_END = / ?\n ?/g
const BLANK_LINES = /\n{3,}/g

/** The lower-case name of the tag whose name starts at `from` (letters and digits). */
function tagName(html: string, from: number): string {
  let end = from
  while (end < html.length && isNameChar(html.charCodeAt(end))) end++
  return html.slice(from, end).toLowerCase()
}

function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39)
  )
}

/** Whether html[from, to) is only white space (a closing tag's `</p  >`). */
function onlySpacesBefore(html: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = html.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) return false
  }
  return true
}

/** Where the element `name` that opened before `from` ends (after `</name >`); -1: it does not. */
function endOfElement(html: string, name: string, from: number): number {
  const closing = new RegExp(`</${name}\\s*>`, 'gi')
  closing.lastIndex = from
  const found = closing.exec(html)
  return found === null ? -1 : found.index + found[0].length
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (match, name: string) => {
    const lower = name.toLowerCase()
    if (lower.startsWith('#x')) return safeCodePoint(Number.parseInt(lower.slice(2), 16), match)
    if (lower.startsWith('#') && !(lower in ENTITIES)) {
      return safeCodePoint(Number.parseInt(lower.slice(1), 10), match)
    }
    return ENTITIES[lower] ?? match
  })
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff
    ? String.fromCodePoint(code)
    : fallback
}
