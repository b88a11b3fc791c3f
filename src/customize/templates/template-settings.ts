import { z } from 'zod'

/** What templates are rendered with, besides the customer: the shop and formatting defaults. */
export interface TemplateSettings {
  readonly shopName: string
  /** Base URL of the shop; product links default to `{shopUrl}/products/{id}`. */
  readonly shopUrl: string
  /** ISO 4217 code `money` uses when neither the filter nor the customer names one. */
  readonly currency: string
  /** BCP 47 tag `money` and `percent` use when the customer has no valid `locale` trait. */
  readonly locale: string
  /** IANA zone of the `date` filter (and of `local_date` for customers without a zone). */
  readonly timezone: string
}

export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code })
    return true
  } catch {
    return false
  }
}

export function isTimeZone(zone: string): boolean {
  if (zone === '') return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export function isLocale(tag: string): boolean {
  if (tag === '') return false
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag]).length > 0
  } catch {
    return false
  }
}

const EnvSchema = z.object({
  IDIC_SHOP_NAME: z.string().min(1).max(200).default('Our shop'),
  IDIC_SHOP_URL: z.url().optional(),
  IDIC_CURRENCY: z
    .string()
    .refine(isCurrencyCode, 'must be an ISO 4217 code such as EUR')
    .default('EUR'),
  IDIC_LOCALE: z.string().refine(isLocale, 'must be a locale such as en-GB').default('en-US'),
  IDIC_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris')
    .default('UTC'),
})

/**
 * Template settings from the environment (IDIC_SHOP_NAME, IDIC_SHOP_URL, IDIC_CURRENCY,
 * IDIC_LOCALE, IDIC_TIMEZONE); the shop URL defaults to idic's public URL. Throws with every
 * offending variable named.
 */
export function loadTemplateSettings(
  env: Readonly<Record<string, string | undefined>>,
  publicUrl: string,
): TemplateSettings {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid template settings: ${problems.join('; ')}`)
  }
  const e = parsed.data
  return Object.freeze({
    shopName: e.IDIC_SHOP_NAME,
    shopUrl: (e.IDIC_SHOP_URL ?? publicUrl).replace(/\/+$/, ''),
    currency: e.IDIC_CURRENCY,
    locale: e.IDIC_LOCALE,
    timezone: e.IDIC_TIMEZONE,
  })
}
