import { z } from 'zod'
import { listRecommenderModels } from '../../customize/recommend/recommend.repository.js'
import { listRecommenderEvaluations } from '../../customize/recommend/evaluations.repository.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS } from '../error-body.js'

const EvaluationSchema = z
  .object({
    id: z.string(),
    createdAt: z.number(),
    data: z.string(),
    split: z.string().describe('the split in words: which interactions were held out'),
    customers: z.number(),
    items: z.number(),
    trainInteractions: z.number(),
    testInteractions: z.number(),
    evaluatedCustomers: z
      .number()
      .describe('customers with held-out purchases, over whom metrics are means'),
    models: z
      .record(z.string(), z.record(z.string(), z.number()))
      .describe(
        'per model: precision@K, recall@K, ndcg@K, map@K, hitrate@K, coverage@K, fitMs, evalMs',
      ),
    skipped: z.record(z.string(), z.string()).describe('models left out, and why'),
  })
  .meta({ id: 'RecommenderEvaluation' })

/**
 * `GET /v1/recommendations/models`: every stored recommender version, newest first;
 * `GET /v1/recommendations/evaluations`: the evaluation tables `idic evaluate --shop` kept.
 */
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

  app.get(
    '/v1/recommendations/evaluations',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['customize'],
        summary: "Evaluations of the recommenders on the shop's own history, newest first",
        description:
          '`idic evaluate --shop` fits each model on the interactions before a cut-off and ranks the products each customer bought afterwards; the table is kept here.',
        security: [{ secretKey: [] }],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: {
          200: z.object({ evaluations: z.array(EvaluationSchema).readonly() }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => ({
      evaluations: (await listRecommenderEvaluations(deps.store.db, request.query.limit)).map(
        (e) => ({ id: e.id, createdAt: e.createdAt, ...e.report }),
      ),
    }),
  )
}
