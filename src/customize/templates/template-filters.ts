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
  if (date === undefined) throw new Error('liquidjs has no date filter to build local_date on')
  const dateHandler: FilterHandler = typeof date === 'function' ? date : date.handler
  liquid.registerFilter(
    'local_date',
    function localDate(this: FilterImpl, value: unknown, format?: unknown) {
      const zone = customerOf(this).timezone ?? settings.timezone
      return dateHandler.call(this, value, format, zone) as unknown
    },
  )
}
