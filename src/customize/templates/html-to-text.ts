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
  const text = html
    .replace(/<(head|style|script|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(
      /<a\b[^>]*?\bhref\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_m, _q: string, dq: string | undefined, sq: string | undefined, label: string) => {
        const url = decodeEntities(dq ?? sq ?? '')
        const shown = label.replace(/<[^>]*>/g, '').trim()
        return shown === '' || decodeEntities(shown) === url ? url : `${shown} (${url})`
      },
    )
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(
      /<\/(p|div|tr|ul|ol|table|h[1-6]|blockquote|section|article|header|footer)\s*>/gi,
      '\n',
    )
    .replace(/<(p|div|tr|table|h[1-6]|blockquote|section|article|header|footer|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
  return decodeEntities(text)
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

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
