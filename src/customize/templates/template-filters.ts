import type { FilterImplOptions, Liquid } from 'liquidjs'
import type { TemplateSettings } from './template-settings.js'

// liquidjs exports these two only as part of FilterImplOptions.
type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>
type FilterImpl = ThisParameterType<FilterHandler>

/** Names of the filters idic adds to Liquid's own. */
export const TEMPLATE_FILTERS = ['money', 'percent', 'local_date'] as const

interface CustomerFormatting {
  readonly currency: string | null
  readonly locale: string | null
  readonly timezone: string | null
}

const NO_CUSTOMER: CustomerFormatting = { currency: null, locale: null, timezone: null }

/**
 * The customer's formatting preferences, from the render's globals (how idic renders) or its
 * scope (a plain `parseAndRender(source, context)`), without tripping strictVariables.
 */
function customerOf(impl: FilterImpl): CustomerFormatting {
  const fromGlobals = (impl.context.globals as { customer?: unknown }).customer
  const customer =
    fromGlobals ?? (impl.context.environments as { customer?: unknown } | undefined)?.customer
  if (typeof customer !== 'object' || customer === null) return NO_CUSTOMER
  const c = customer as Record<string, unknown>
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
  return { currency: text(c['currency']), locale: text(c['locale']), timezone: text(c['timezone']) }
}

/** Intl formatters are costly to build: one per locale and style, kept for the process. */
const formatters = new Map<string, Intl.NumberFormat>()

function formatter(key: string, build: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formatters.get(key)
  if (f === undefined) {
    f = build()
    formatters.set(key, f)
  }
  return f
}

/** A number from a filter's input; null for nil and empty input (rendered as nothing). */
function numberOf(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? n : null
}

function checkDecimals(name: string, decimals: unknown): number {
  const d = decimals === undefined || decimals === null ? 0 : Number(decimals)
  if (!Number.isInteger(d) || d < 0 || d > 6) {
    throw new Error(`${name}: decimals must be an integer from 0 to 6, got ${String(decimals)}`)
  }
  return d
}

/**
 * Registers `money`, `percent` and `local_date` on a Liquid instance.
 *
 * - `{{ 12.5 | money }}` formats in the customer's currency (trait `currency`, else the shop's)
 *   and locale (trait `locale`, else the settings'); `{{ 12.5 | money: 'EUR' }}` names the
 *   currency. Nil input renders nothing; non-numeric input is rendered unchanged.
 * - `{{ 0.256 | percent }}` → `26%`; `{{ 0.256 | percent: 1 }}` → `25.6%`.
 * - `{{ value.scoredAt | local_date: '%e %B %Y, %H:%M' }}` is Liquid's `date` in the customer's
 *   IANA time zone (trait `timezone`), else the settings' zone. Liquid's own `date` formats in
 *   the settings' zone (never the server's).
 */
export function registerTemplateFilters(liquid: Liquid, settings: TemplateSettings): void {
  liquid.registerFilter('money', function money(this: FilterImpl, value: unknown, code?: unknown) {
    const amount = numberOf(value)
    if (amount === null) return value === null || value === undefined ? '' : value
    const customer = customerOf(this)
    if (code !== undefined && code !== null && typeof code !== 'string') {
      throw new Error('money: the currency must be a code in quotes, such as money: "EUR"')
    }
    const currency = code ?? customer.currency ?? settings.currency
    const locale = customer.locale ?? settings.locale
    return formatter(`money|${locale}|${currency}`, () => {
      try {
        return new Intl.NumberFormat(locale, { style: 'currency', currency })
      } catch {
        throw new Error(`money: unknown currency "${currency}" (use an ISO 4217 code such as EUR)`)
      }
    }).format(amount)
  })

  liquid.registerFilter(
    'percent',
    function percent(this: FilterImpl, value: unknown, decimals?: unknown) {
      const share = numberOf(value)
      if (share === null) return value === null || value === undefined ? '' : value
      const d = checkDecimals('percent', decimals)
      const locale = customerOf(this).locale ?? settings.locale
      return formatter(
        `percent|${locale}|${d}`,
        () =>
          new Intl.NumberFormat(locale, {
            style: 'percent',
            minimumFractionDigits: d,
            maximumFractionDigits: d,
          }),
      ).format(share)
    },
  )

  const date = liquid.filters['date']
  if (date === undefined) throw new Error('liquidjs has no date filter to build on')
  const dateHandler: FilterHandler = typeof date === 'function' ? date : date.handler
  // liquidjs looks a named zone's offset up with two toLocaleString calls per date (hundreds of
  // microseconds); a numeric offset, found here with one cached formatter per zone, is cheap.
  liquid.registerFilter(
    'date',
    function dateInZone(this: FilterImpl, value: unknown, format?: unknown, zone?: unknown) {
      const offset = zone === undefined ? offsetAt(settings.timezone, value, format) : zone
      return dateHandler.call(this, value, format, offset) as unknown
    },
  )
  liquid.registerFilter(
    'local_date',
    function localDate(this: FilterImpl, value: unknown, format?: unknown) {
      const zone = customerOf(this).timezone ?? settings.timezone
      return dateHandler.call(this, value, format, offsetAt(zone, value, format)) as unknown
    },
  )
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * The offset of `zone` at the instant a date filter's input names, in liquidjs's convention
 * (minutes behind UTC, as Date#getTimezoneOffset: Tokyo is -540). The zone name itself when
 * the input is not a plain date liquidjs would read the same way, or when the format prints
 * the zone's name (`%Z`), which liquidjs only knows from the name.
 */
function offsetAt(zone: string, value: unknown, format: unknown): number | string {
  if (typeof format === 'string' && format.includes('%Z')) return zone
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0
  let ms: number
  if (value === 'now' || value === 'today') ms = Date.now()
  else if (typeof value === 'number') ms = value * 1000
  else if (typeof value === 'string')
    ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value)
  else if (value instanceof Date) ms = value.getTime()
  else return zone
  if (!Number.isFinite(ms)) return zone
  let parts = zoneFormats.get(zone)
  if (parts === undefined) {
    try {
      parts = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch {
      return zone
    }
    zoneFormats.set(zone, parts)
  }
  const wall = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 }
  for (const part of parts.formatToParts(ms)) {
    if (Object.hasOwn(wall, part.type)) wall[part.type as keyof typeof wall] = Number(part.value)
  }
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  return -Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000)
}
