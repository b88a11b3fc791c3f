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
 * Deliberately simple: `<head>`, `<style>` and `<script>` are dropped; line breaks follow `<br>`
 * and the end of blocks (p, div, tr, li, headings, …); list items get `- `; a link becomes
 * `label (url)` unless the label is the url; other tags are removed; the common entities and
 * numeric references are decoded; runs of spaces collapse and at most one blank line remains.
 * Write a text part for anything finer (tables, images with meaning).
 */
export function htmlToText(html: string): string {
  // Plain string replacements with precompiled expressions: a callback per match costs more.
  const text = html
    .replace(DROPPED, '')
    .replace(
      LINK,
      (_m, _q: string, dq: string | undefined, sq: string | undefined, label: string) => {
        const url = decodeEntities(dq ?? sq ?? '')
        const shown = label.replace(TAG, '').trim()
        return shown === '' || decodeEntities(shown) === url ? url : `${shown} (${url})`
      },
    )
    .replace(LIST_ITEM, '\n- ')
    .replace(BREAK, '\n')
    .replace(BLOCK_END, '\n')
    .replace(BLOCK_START, '\n')
    .replace(CELL_END, ' ')
    .replace(TAG, '')
  return decodeEntities(text)
    .replace(SPACES, ' ')
    .replace(LINE_END, '\n')
    .replace(BLANK_LINES, '\n\n')
    .trim()
}

const BLOCKS = 'p|div|tr|ul|ol|table|h[1-6]|blockquote|section|article|header|footer|hr'
const DROPPED = /<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi
const LINK = /<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi
const LIST_ITEM = /<li\b[^>]*>/gi
const BREAK = /<br\b[^>]*>/gi
const BLOCK_END = new RegExp(`</(?:${BLOCKS})\\s*>`, 'gi')
const BLOCK_START = new RegExp(`<(?:${BLOCKS})\\b[^>]*>`, 'gi')
const CELL_END = /<\/t[dh]\s*>/gi
const TAG = /<[^>]*>/g
const SPACES = /[ \t\f\v\u00a0]+/g
const LINE_END = / ?\n ?/g
const BLANK_LINES = /\n{3,}/g

function decodeEntities(text: string): string {
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
