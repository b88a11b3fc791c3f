import type { JsonValue } from '../core/json.js'
import type { PreferenceView } from '../interact/preference-view.js'
import { escapeHtml as e } from '../interact/render-email.js'

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
.note{color:#555;font-size:.9rem}.ok{background:#e8f6e8;padding:.5rem 1rem}.danger{border:1px solid #c33;padding:1rem}
button{font:inherit;padding:.4rem 1rem}`

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${e(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
}

function day(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().slice(0, 10)
}

function show(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

const CHANNEL_LABEL: Readonly<Record<string, string>> = {
  email: 'Email',
  webhook: 'Messages through our partners (SMS, push)',
  in_app: 'Messages in the app',
}

/** The customer's own page: what we know, why they hear from us, and their choices. */
export function renderPreferencePage(
  view: PreferenceView,
  base: string,
  options: { readonly saved: boolean },
): string {
  const traits = Object.entries(view.traits)
  const p = view.purchases
  const consentRows = view.consents
    .map((c, i) => {
      const topic = c.topic === '*' ? 'Everything' : c.topic
      const from = c.source === null ? 'never asked' : `${c.source}, ${day(c.updatedAt)}`
      return `<tr><td><label><input type="checkbox" name="c${i}" value="1"${c.granted ? ' checked' : ''} data-channel="${e(c.channel)}" data-topic="${e(c.topic)}"> ${e(CHANNEL_LABEL[c.channel] ?? c.channel)}: ${e(topic)}</label>
<input type="hidden" name="k${i}" value="${e(`${c.channel}|${c.topic}`)}"></td><td class="note">${e(from)}</td></tr>`
    })
    .join('\n')
  const reasons =
    view.recentMessages.length === 0
      ? '<p class="note">We have not sent you anything yet.</p>'
      : `<table><tr><th>When</th><th>What</th><th>Why you got it</th></tr>${view.recentMessages
          .map(
            (m) =>
              `<tr><td>${day(m.at)}</td><td>${e(m.subject ?? m.kind)} <span class="note">(${e(m.channel)})</span></td><td>${e(m.why)}</td></tr>`,
          )
          .join('')}</table>`
  return page(
    'Your data and preferences',
    `<h1>Your data and preferences</h1>
${options.saved ? '<p class="ok" role="status" id="saved">Your choices are saved.</p>' : ''}
<h2>What we know about you</h2>
<table id="traits">${traits.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(show(v))}</td></tr>`).join('') || '<tr><td>No details.</td></tr>'}</table>
<p class="note">Known since ${day(view.firstSeenAt)}; ${view.eventCount} recorded interactions; known as ${view.identities.map((i) => e(`${i.kind.replace('_', ' ')} ${i.value}`)).join(', ') || '—'}.${view.hasManager ? ' A personal contact looks after your account.' : ''}</p>
<h2>Your purchases</h2>
<p id="purchases">${p.orders} orders, ${p.revenue.toFixed(2)} ${e(p.currencies.join('/'))}${p.lastOrderAt === null ? '' : `, last on ${day(p.lastOrderAt)}`}.${p.topCategories.length === 0 ? '' : ` Mostly: ${e(p.topCategories.join(', '))}.`}</p>
<h2>Why you hear from us</h2>
${reasons}
<h2>Your choices</h2>
<form method="post" action="${e(base)}/consents" id="consents">
<table>${consentRows}</table>
<input type="hidden" name="n" value="${view.consents.length}">
<p><button type="submit">Save my choices</button></p>
</form>
<h2>Your data</h2>
<p><a href="${e(base)}/export" id="export" download>Download everything we keep about you (JSON)</a></p>
<form method="post" action="${e(base)}/erase" class="danger" id="erase">
<p><strong>Erase my data.</strong> We delete everything we keep about you and keep only a scrambled fingerprint of your identifiers, so that we do not re-create you from old data.</p>
<label><input type="checkbox" name="confirm" value="yes" required> I understand this cannot be undone</label>
<p><button type="submit">Erase my data</button></p>
</form>`,
  )
}

export function renderMessagePage(title: string, message: string): string {
  return page(title, `<h1>${e(title)}</h1><p id="message">${e(message)}</p>`)
}
