import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Clock } from '../core/clock.js'
import type { Role } from '../core/roles.js'
import type { Config } from '../config/config.js'
import type { Store } from '../store/engine.js'
import type { ChannelSet } from '../interact/channel.js'
import type { ContactPolicy } from '../interact/contact-pressure.js'
import type { IngestPipeline } from './ingest-pipeline.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false on routes that must not wait for the ingestion inbox to drain (ingestion itself,
     * health, the backlog figures); every other route waits, so reads see what was acknowledged.
     */
    ingestBarrier?: false
  }
}

/** What the API needs from the outside world; built by the composition root or a test. */
export interface AppDeps {
  readonly store: Store
  readonly clock: Clock
  readonly config: Config
  /** Outbound channels; by default built from the config (SMTP, webhook) plus the in-app inbox. */
  readonly channels?: ChannelSet
  /** Frequency caps and quiet hours; the config's (IDIC_FREQUENCY_CAPS …) when absent. */
  readonly contactPolicy?: ContactPolicy
}

/** The Fastify instance with zod schemas as its type provider. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>

/** Handed to every route module. */
export interface RouteContext {
  readonly deps: AppDeps
  /** Where ingested batches go (the inbox or the direct path). */
  readonly ingest: IngestPipeline
  /** A preHandler that admits only keys with one of these roles. */
  readonly requireRoles: (...roles: readonly Role[]) => (request: FastifyRequest) => Promise<void>
}
