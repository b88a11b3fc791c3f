import { z } from 'zod'

/** Settings read once from the environment (and flags), validated and frozen. */
export interface Config {
  readonly databaseUrl: string
  readonly host: string
  readonly port: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Secret for signed links; when unset, one is generated and kept in the database. */
  readonly secret: string | null
}

/** Names of settings whose values must never be printed. */
export const SECRET_SETTINGS = ['secret'] as const satisfies readonly (keyof Config)[]

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
})

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
  return Object.freeze({
    databaseUrl: overrides.databaseUrl ?? e.IDIC_DATABASE_URL,
    host: overrides.host ?? e.IDIC_HOST,
    port: overrides.port ?? e.IDIC_PORT,
    logLevel: overrides.logLevel ?? e.IDIC_LOG_LEVEL,
    secret: e.IDIC_SECRET ?? null,
  })
}

/** The configuration with secrets masked, for logs and `--help`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config }
  for (const key of SECRET_SETTINGS) if (shown[key] !== null) shown[key] = '***'
  return shown
}
