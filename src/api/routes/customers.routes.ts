import { z } from 'zod'
import { getCustomerProfile } from '../../identify/customer-profile.js'
import { getDatabaseStats, listCustomers } from '../../identify/customer-list.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { accessibleCustomerId } from '../customer-access.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'
import { RecentValue } from '../recent-value.js'

/**
 * The overview polls row counts; counting millions of events takes a fifth of a second on
 * SQLite, so the API counts at most every few seconds (`idic stats` always counts).
 */
const STATS_MAX_AGE_MS = 5_000

const Json = z.record(z.string(), z.unknown())

const ProfileSchema = z
  .object({
    id: z.string(),
    traits: Json,
    email: z.string().nullable(),
    identities: z
      .array(z.object({ kind: z.string(), value: z.string(), firstSeenAt: z.number() }))
      .readonly(),
    merges: z
      .array(
        z.object({
          mergedCustomerId: z.string(),
          identities: z.unknown(),
          reason: z.string(),
          mergedAt: z.number(),
        }),
      )
      .readonly(),
    conflicts: z
      .array(
        z.object({
          otherCustomerId: z.string(),
          kind: z.string(),
          value: z.string(),
          reason: z.string(),
          detectedAt: z.number(),
        }),
      )
      .readonly(),
    firstSeenAt: z.number(),
    lastSeenAt: z.number(),
    managerId: z.string().nullable(),
    eventCounts: z.record(z.string(), z.number()),
    orders: z.object({
      count: z.number(),
      revenue: z.number(),
      refunded: z.number(),
      currencies: z.array(z.string()).readonly(),
      lastOrderAt: z.number().nullable(),
    }),
    timeline: z
      .array(
        z.object({
          messageId: z.string(),
          type: z.string(),
          name: z.string().nullable(),
          occurredAt: z.number(),
          properties: Json,
        }),
      )
      .readonly(),
  })
  .meta({ id: 'CustomerProfile' })

const CustomerPageSchema = z.object({
  customers: z
    .array(
      z.object({
        id: z.string(),
        email: z.string().nullable(),
        traits: Json,
        firstSeenAt: z.number(),
        lastSeenAt: z.number(),
      }),
    )
    .readonly(),
  nextCursor: z.string().nullable(),
})

export function registerCustomerRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const readAuth = requireRoles('admin', 'analyst')
  const { db } = deps.store
  const stats = new RecentValue(() => getDatabaseStats(db), STATS_MAX_AGE_MS)

  app.get(
    '/v1/customers',
    {
      preHandler: readAuth,
      schema: {
        tags: ['identify'],
        summary: 'List and search customers (most recently seen first)',
        security: [{ secretKey: [] }],
        querystring: z.object({
          query: z
            .string()
            .max(200)
            .optional()
            .describe('identity, customer id, email prefix or trait text'),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: CustomerPageSchema, ...COMMON_ERRORS },
      },
    },
    async (request) =>
      listCustomers(db, {
        limit: request.query.limit,
        ...(request.query.query === undefined ? {} : { query: request.query.query }),
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      }),
  )

  app.get(
    '/v1/customers/:identity',
    {
      preHandler: requireRoles('admin', 'analyst', 'manager'),
      schema: {
        tags: ['identify'],
        summary: 'One customer: traits, identities, merges, counts, orders and recent timeline',
        description:
          'The identity may be a customer id, a userId, an email or an anonymousId. Manager keys see only their own customers (403 otherwise).',
        security: [{ secretKey: [] }],
        params: z.object({ identity: z.string().min(1).max(512) }),
        querystring: z.object({ timeline: z.coerce.number().int().min(0).max(1000).default(50) }),
        response: { 200: ProfileSchema, ...COMMON_ERRORS, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const customerId = await accessibleCustomerId(db, request.apiKey, request.params.identity)
      return getCustomerProfile(db, customerId, { timelineLimit: request.query.timeline })
    },
  )

  app.get(
    '/v1/stats',
    {
      preHandler: readAuth,
      schema: {
        tags: ['identify'],
        summary: 'Row counts of the customer database (counted at most every 5 seconds)',
        security: [{ secretKey: [] }],
        response: {
          200: z.object({
            customers: z.number(),
            events: z.number(),
            orders: z.number(),
            orderItems: z.number(),
            products: z.number(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async () => stats.get(),
  )
}
