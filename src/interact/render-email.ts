/** Links every message's footer carries. */
export interface FooterLinks {
  readonly unsubscribe: string
  readonly preferences: string
  readonly transactional: boolean
  readonly topic: string | null
}

export interface Tracking {
  readonly pixel: string
  readonly click: (url: string) => string
}

/** Why the customer gets this message, in their words. */
export function whyLine(footer: FooterLinks): string {
  return footer.transactional
    ? 'You get this message because of something you asked for or did; it is not marketing.'
    : `You get this because you agreed to hear from us about "${footer.topic ?? 'updates'}".`
}

export function renderEmailText(body: string, footer: FooterLinks): string {
  return [
    body,
    '',
    '--',
    whyLine(footer),
    `Your preferences and data: ${footer.preferences}`,
    `Unsubscribe: ${footer.unsubscribe}`,
  ].join('\n')
}

/**
 * The HTML part: the given HTML (or the text, escaped) with http(s) links sent through the
 * click-tracking redirect, a footer and an open pixel.
 */
export function renderEmailHtml(
  html: string | null,
  text: string,
  footer: FooterLinks,
  tracking: Tracking,
): string {
  const content = (html ?? `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`).replace(
    /href="(https?:\/\/[^"]+)"/g,
    (_match, url: string) => `href="${escapeHtml(tracking.click(unescapeHtml(url)))}"`,
  )
  return [
    content,
    `<hr><p style="font-size:12px;color:#666">${escapeHtml(whyLine(footer))}<br>`,
    `<a href="${escapeHtml(footer.preferences)}">Your preferences and data</a> · `,
    `<a href="${escapeHtml(footer.unsubscribe)}">Unsubscribe</a></p>`,
    `<img src="${escapeHtml(tracking.pixel)}" width="1" height="1" alt="">`,
  ].join('\n')
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
