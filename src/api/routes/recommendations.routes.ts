import { z } from 'zod'
import { requireCustomerId } from '../../identify/customer-profile.js'
import {
  createRecommendationService,
  FEEDBACK_KINDS,
  type RecommendationService,
} from '../../customize/recommend/recommendation-service.js'
import {
  LIST_KINDS,
  MAX_LIST_LENGTH,
  REASON_CODES,
} from '../../customize/recommend/recommendation-lists.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'

const RecommendationListSchema = z
  .object({
    list: z.enum(LIST_KINDS),
    model: z.string().describe('id of the model that served the list'),
    items: z
      .array(
        z.object({
          productId: z.string(),
          name: z.string().nullable(),
          category: z.string().nullable(),
          price: z.number().nullable(),
          score: z.number(),
          reason: z.object({
            code: z.enum(REASON_CODES),
            text: z.string(),
            seedProductId: z.string().optional(),
          }),
        }),
      )
      .readonly(),
    note: z.string().optional().describe('why the list is empty or short'),
    week: z.string().optional().describe('ISO week of a discovery list'),
  })
  .meta({ id: 'RecommendationList' })

/**
 * `GET /v1/customers/:identity/recommendations` and `POST /v1/customers/:identity/feedback`.
 * One service per app: it keeps the live model in memory and swaps in newer stored ones.
 */
export function registerRecommendationRoutes(
  app: ZodApp,
  { deps, requireRoles }: RouteContext,
  service: RecommendationService = createRecommendationService({
    db: deps.store.db,
    clock: deps.clock,
  }),
): void {
  const { db } = deps.store
  const readAuth = requireRoles('admin', 'analyst')
  const writeAuth = requireRoles('admin')

  app.get(
    '/v1/customers/:identity/recommendations',
    {
      preHandler: readAuth,
      schema: {
        tags: ['customize'],
        summary: 'A recommendation list for one customer, each item with its reason',
        description:
          'Lists: for-you, because-you-bought (from `seed` or the latest purchase), discovery ' +
          '(new items, diverse, renewed each ISO week), popular. Bought (unless repeatable), ' +
          'skipped, dismissed and out-of-stock products are left out.',
        security: [{ secretKey: [] }],
        params: z.object({ identity: z.string().min(1).max(512) }),
        querystring: z.object({
          list: z.enum(LIST_KINDS).default('for-you'),
          n: z.coerce.number().int().min(1).max(MAX_LIST_LENGTH).default(10),
          seed: z.string().min(1).max(512).optional().describe('product id for because-you-bought'),
          category: z.string().min(1).max(512).optional(),
          minPrice: z.coerce.number().min(0).optional(),
          maxPrice: z.coerce.number().min(0).optional(),
        }),
        response: { 200: RecommendationListSchema, ...COMMON_ERRORS, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const customerId = await requireCustomerId(db, request.params.identity)
      const q = request.query
      return service.recommend(customerId, {
        list: q.list,
        n: q.n,
        ...(q.seed === undefined ? {} : { seedProductId: q.seed }),
        ...(q.category === undefined ? {} : { category: q.category }),
        ...(q.minPrice === undefined ? {} : { minPrice: q.minPrice }),
        ...(q.maxPrice === undefined ? {} : { maxPrice: q.maxPrice }),
      })
    },
  )

  app.post(
    '/v1/customers/:identity/feedback',
    {
      preHandler: writeAuth,
      schema: {
        tags: ['customize'],
        summary: 'Like, skip or dismiss a product; the next list reflects it at once',
        security: [{ secretKey: [] }],
        params: z.object({ identity: z.string().min(1).max(512) }),
        body: z.object({
          productId: z.string().min(1).max(512),
          kind: z.enum(FEEDBACK_KINDS),
        }),
        response: {
          200: z.object({ recorded: z.literal(true) }),
          ...COMMON_ERRORS,
          404: ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const customerId = await requireCustomerId(db, request.params.identity)
      await service.feedback(customerId, request.body.productId, request.body.kind)
      return { recorded: true as const }
    },
  )
}
