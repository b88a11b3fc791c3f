import { z } from 'zod'
import {
  loadTemplateSettings,
  type TemplateSettings,
} from '../customize/templates/template-settings.js'
import {
  DEFAULT_CONSENT_CATEGORIES,
  parseConsentCategories,
  type ConsentCategoryMap,
} from '../interact/consent-categories.js'
import { parseContactPolicy } from '../interact/contact-policy-settings.js'
import type { ContactPolicy } from '../interact/contact-pressure.js'

/** Settings read once from the environment (and flags), validated and frozen. */
export interface Config {
  readonly databaseUrl: string
  readonly host: string
  readonly port: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Secret for signed links; when unset, one is generated and kept in the database. */
  readonly secret: string | null
  /** Base URL customers reach idic at, for links in messages (preference page, unsubscribe). */
  readonly publicUrl: string
  /** SMTP server for the email channel (`smtp://user:pass@host:port`); null: email disabled. */
  readonly smtpUrl: string | null
  /** From address of outbound email. */
  readonly mailFrom: string
  /** Endpoint the webhook channel POSTs messages to; null: webhook channel disabled. */
  readonly webhookUrl: string | null
  /** Key the webhook channel signs with (HMAC-SHA256); defaults to the signing secret. */
  readonly webhookSecret: string | null
  /** An order this long after a marketing message is credited to it (conversion). */
  readonly attributionWindowMs: number
  /** Consent categories (Segment consent events) and the channels and topics they answer for. */
  readonly consentCategories: ConsentCategoryMap
  /** Frequency caps, quiet hours, wait or drop, default time zone for marketing messages. */
  readonly contactPolicy: ContactPolicy
  /** Seconds between refreshes of due segments in `idic serve`; 0 turns them off. */
  readonly segmentRefreshSeconds: number
  /** Milliseconds between rounds of queued campaign sends in `idic serve`; 0 turns them off. */
  readonly campaignWorkerMs: number
  /** Seconds between rounds of held messages in `idic serve`; 0 turns them off. */
  readonly deliveryWorkerSeconds: number
  /** What templates are rendered with besides the customer (IDIC_SHOP_NAME, IDIC_CURRENCY, …). */
  readonly templates: TemplateSettings
  /**
   * SQLite files: acknowledge ingested batches once they are in the inbox and process them on a
   * worker thread (true), or process each batch before answering (false). PostgreSQL and
   * in-memory databases always process before answering.
   */
  readonly ingestInbox: boolean
  /** Acknowledged events the inbox may hold unprocessed before new batches wait for room. */
  readonly ingestMaxBacklog: number
  /**
   * Nice value of the inbox processor thread (0–19): above 0 the thread that answers requests
   * goes first when both want a core, and processing takes the CPU left over.
   */
  readonly ingestProcessorNice: number
  /**
   * Seconds a read waits for the inbox to process what was acknowledged before it; past that it
   * answers 503 `ingest_behind` (with the backlog) instead of waiting on a processor that cannot
   * make progress (a locked or broken database).
   */
  readonly ingestReadWaitSeconds: number
}

/** Names of settings whose values must never be printed. */
export const SECRET_SETTINGS = [
  'secret',
  'webhookSecret',
  'smtpUrl',
] as const satisfies readonly (keyof Config)[]

const EnvSchema = z.object({
  IDIC_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite: or postgres://')
    .default('sqlite:./idic.db'),
  IDIC_HOST: z.string().min(1).default('0.0.0.0'),
  IDIC_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  IDIC_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  IDIC_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  IDIC_PUBLIC_URL: z.url().optional(),
  IDIC_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  IDIC_MAIL_FROM: z.string().min(3).default('idic <no-reply@localhost>'),
  IDIC_WEBHOOK_URL: z.url().optional(),
  IDIC_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  IDIC_ATTRIBUTION_WINDOW_DAYS: z.coerce
    .number()
    .positive('must be more than 0 days')
    .max(365, 'must be at most 365 days')
    .default(7),
  IDIC_CONSENT_CATEGORIES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return DEFAULT_CONSENT_CATEGORIES
      const parsed = parseConsentCategories(text)
      if (parsed.ok) return parsed.value
      ctx.addIssue({ code: 'custom', message: parsed.error.message })
      return z.NEVER
    }),
  IDIC_FREQUENCY_CAPS: z.string().optional(),
  IDIC_QUIET_HOURS: z.string().optional(),
  IDIC_ON_LIMIT: z.string().optional(),
  IDIC_DEFAULT_TIMEZONE: z.string().optional(),
  IDIC_SEGMENT_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  IDIC_CAMPAIGN_WORKER_MS: z.coerce.number().int().min(0).max(86_400_000).default(5000),
  IDIC_DELIVERY_WORKER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  IDIC_INGEST_INBOX: z.enum(['on', 'off']).default('on'),
  IDIC_INGEST_MAX_BACKLOG: z.coerce.number().int().min(1000).max(100_000_000).default(500_000),
  IDIC_INGEST_PROCESSOR_NICE: z.coerce.number().int().min(0).max(19).default(10),
  IDIC_INGEST_READ_WAIT_SECONDS: z.coerce.number().positive().max(3600).default(60),
})

const POLICY_VARIABLES = {
  caps: 'IDIC_FREQUENCY_CAPS',
  quietHours: 'IDIC_QUIET_HOURS',
  onLimit: 'IDIC_ON_LIMIT',
  defaultTimeZone: 'IDIC_DEFAULT_TIMEZONE',
} as const

export type ConfigOverrides = Partial<Pick<Config, 'databaseUrl' | 'host' | 'port' | 'logLevel'>>

/** Reads the configuration; throws with every offending variable named. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: ConfigOverrides = {},
): Config {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  const policy = parseContactPolicy({
    caps: e.IDIC_FREQUENCY_CAPS,
    quietHours: e.IDIC_QUIET_HOURS,
    onLimit: e.IDIC_ON_LIMIT,
    defaultTimeZone: e.IDIC_DEFAULT_TIMEZONE,
  })
  if (!policy.ok) {
    const { setting, message } = policy.error
    throw new Error(`Invalid configuration: ${POLICY_VARIABLES[setting]}: ${message}`)
  }
  const port = overrides.port ?? e.IDIC_PORT
  const publicUrl = (e.IDIC_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
  return Object.freeze({
    databaseUrl: overrides.databaseUrl ?? e.IDIC_DATABASE_URL,
    host: overrides.host ?? e.IDIC_HOST,
    port,
    logLevel: overrides.logLevel ?? e.IDIC_LOG_LEVEL,
    secret: e.IDIC_SECRET ?? null,
    publicUrl,
    smtpUrl: e.IDIC_SMTP_URL ?? null,
    mailFrom: e.IDIC_MAIL_FROM,
    webhookUrl: e.IDIC_WEBHOOK_URL ?? null,
    webhookSecret: e.IDIC_WEBHOOK_SECRET ?? null,
    attributionWindowMs: Math.round(e.IDIC_ATTRIBUTION_WINDOW_DAYS * 86_400_000),
    consentCategories: e.IDIC_CONSENT_CATEGORIES,
    contactPolicy: policy.value,
    segmentRefreshSeconds: e.IDIC_SEGMENT_REFRESH_SECONDS,
    campaignWorkerMs: e.IDIC_CAMPAIGN_WORKER_MS,
    deliveryWorkerSeconds: e.IDIC_DELIVERY_WORKER_SECONDS,
    templates: loadTemplateSettings(env, publicUrl),
    ingestInbox: e.IDIC_INGEST_INBOX === 'on',
    ingestMaxBacklog: e.IDIC_INGEST_MAX_BACKLOG,
    ingestProcessorNice: e.IDIC_INGEST_PROCESSOR_NICE,
    ingestReadWaitSeconds: e.IDIC_INGEST_READ_WAIT_SECONDS,
  })
}

/** The configuration with secrets masked, for logs and `--help`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config }
  for (const key of SECRET_SETTINGS) if (shown[key] !== null) shown[key] = '***'
  return shown
}
