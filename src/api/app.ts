import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyServerOptions } from 'fastify'
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Role } from '../core/roles.js'
import type { AppDeps, RouteContext, ZodApp } from './app-deps.js'
import { KeyAuthenticator } from './auth.js'
import { handleError } from './error-handler.js'
import { acceptCompressedBodies } from './gzip-body.js'
import { registerCustomerRoutes } from './routes/customers.routes.js'
import { registerHealthRoutes } from './routes/health.routes.js'
import { registerIngestRoutes } from './routes/ingest.routes.js'
import {
  registerRankedCustomerRoutes,
  registerValueChartRoutes,
} from './routes/value-charts.routes.js'
import { registerRecommenderModelRoutes } from './routes/recommender-models.routes.js'
import { registerSessionRoutes } from './routes/session.routes.js'
import { registerWebApp } from './web-app.js'
import { registerInteractRoutes } from './routes/interact.routes.js'
import { registerValueRoutes } from './routes/value.routes.js'
import { registerRecommendationRoutes } from './routes/recommendations.routes.js'
import { registerSegmentRoutes } from './routes/segments.routes.js'
import { registerTemplateRoutes } from './routes/templates.routes.js'
import { registerCampaignRoutes } from './routes/campaigns.routes.js'
import { registerOfferRoutes } from './routes/offers.routes.js'
import { openIngestPipeline } from './open-ingest-pipeline.js'
import type { IngestPipeline } from './ingest-pipeline.js'
import { RequestError } from '../core/errors.js'

export interface BuildAppOptions {
  readonly logger?: FastifyServerOptions['logger']
  /** Folder of the built dashboard; default `dist/web` of the package. */
  readonly webRoot?: string
}

/** `dist/web` of the package, from `src/api` (tsx) and `dist/api` (built) alike. */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url))

/** Segment's documented batch limit; single events are held to 32 KB in the ingest routes. */
export const MAX_BODY_BYTES = 500 * 1024

/** The HTTP API, ready to `listen` or to be called in-process with `inject`. */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<ZodApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: MAX_BODY_BYTES,
    // Signed tokens (preference, unsubscribe, click links) and long identities travel in paths.
    routerOptions: { maxParamLength: 4096 },
    keepAliveTimeout: 65_000,
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.decorateRequest('apiKey', null)
  app.setErrorHandler(handleError)
  acceptCompressedBodies(app)

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'idic',
        description:
          'One-to-one marketing engine: Segment-compatible ingestion, customer profiles, value, recommendations.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          writeKey: { type: 'http', scheme: 'basic', description: 'Write key as user name' },
          secretKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'Admin, analyst or manager key',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })

  const ingest = await openIngestPipeline(deps, (message) => {
    app.log.error({ inbox: message }, 'ingestion inbox processor')
  })
  // Read-after-write: every route but ingestion's own first waits until the batches
  // acknowledged before the request came are written (at once on the direct path), for at most
  // IDIC_INGEST_READ_WAIT_SECONDS: a processor that cannot go on gets a clear 503, not a hang.
  const readWaitMs = deps.config.ingestReadWaitSeconds * 1000
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.ingestBarrier === false) return
    if (ingest.backlog().pendingBatches === 0) return
    if (await drainedWithin(ingest, readWaitMs)) return
    const behind = ingest.backlog()
    void reply.header('retry-after', String(Math.ceil(readWaitMs / 1000)))
    throw new RequestError(
      'ingest_behind',
      503,
      `ingestion is behind: ${behind.pendingEvents} acknowledged events are not processed yet ` +
        `(the oldest ${Math.round(behind.lagMs / 1000)} s ago); try again shortly`,
      behind,
    )
  })
  // Graceful shutdown: what was acknowledged is processed before the database closes.
  app.addHook('onClose', () => ingest.close())

  const authenticator = new KeyAuthenticator(deps.store.db, () => deps.clock.now())
  const context: RouteContext = {
    deps,
    ingest,
    requireRoles:
      (...roles: readonly Role[]) =>
      async (request) => {
        await authenticator.authenticate(request, roles)
      },
  }
  registerHealthRoutes(app, context)
  registerSessionRoutes(app, context)
  registerIngestRoutes(app, context)
  registerCustomerRoutes(app, context)
  registerInteractRoutes(app, context)
  registerValueRoutes(app, context)
  registerValueChartRoutes(app, context)
  registerRankedCustomerRoutes(app, context)
  registerRecommendationRoutes(app, context)
  registerRecommenderModelRoutes(app, context)
  registerSegmentRoutes(app, context)
  registerTemplateRoutes(app, context)
  registerCampaignRoutes(app, context)
  registerOfferRoutes(app, context)
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
  await registerWebApp(app, options.webRoot ?? DEFAULT_WEB_ROOT)
  return app
}

/** Whether everything acknowledged so far is processed within `ms`. */
async function drainedWithin(ingest: IngestPipeline, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false)
    }, ms)
  })
  try {
    return await Promise.race([ingest.drained().then(() => true as const), timedOut])
  } finally {
    clearTimeout(timer)
  }
}
