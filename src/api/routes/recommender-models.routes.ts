import { z } from 'zod'
import { listRecommenderModels } from '../../customize/recommend/recommend.repository.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS } from '../error-body.js'

/** `GET /v1/recommendations/models`: every stored recommender version, newest first. */
export function registerRecommenderModelRoutes(
  app: ZodApp,
  { deps, requireRoles }: RouteContext,
): void {
  app.get(
    '/v1/recommendations/models',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['customize'],
        summary: 'Stored recommender models (kind, version, parameters, metrics), newest first',
        description: 'The live model is the newest; `idic train` adds a version.',
        security: [{ secretKey: [] }],
        response: {
          200: z.object({
            models: z
              .array(
                z.object({
                  id: z.string(),
                  kind: z.string(),
                  version: z.number(),
                  params: z.record(z.string(), z.unknown()),
                  metrics: z.record(z.string(), z.unknown()),
                  trainedAt: z.number(),
                  sizeBytes: z.number(),
                }),
              )
              .readonly(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async () => ({ models: await listRecommenderModels(deps.store.db) }),
  )
}
