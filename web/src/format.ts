/** Numbers, money and dates in the reader's locale. */

const locale = navigator.language

const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 })
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
const moneyFormats = new Map<string, Intl.NumberFormat>()

export const DASH = '—'

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : integer.format(value)
}

export function formatDecimal(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : decimal.format(value)
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? DASH : percent.format(value)
}

/** Money in its currency; amounts of unknown currency as plain numbers. */
export function formatMoney(value: number | null | undefined, currency: string | null): string {
  if (value === null || value === undefined) return DASH
  if (currency === null) return decimal.format(value)
  let format = moneyFormats.get(currency)
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency })
    } catch {
      return `${decimal.format(value)} ${currency}`
    }
    moneyFormats.set(currency, format)
  }
  return format.format(value)
}

export function formatDateTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? DASH : dateTime.format(ms)
}

export function formatDate(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? DASH : date.format(ms)
}

export const TIER_LABELS: Readonly<Record<string, string>> = {
  mvc: 'Most valuable',
  mgc: 'Most growable',
  low_maintenance: 'Low maintenance',
  below_zero: 'Below zero',
}
