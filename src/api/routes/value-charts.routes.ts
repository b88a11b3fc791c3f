import { z } from 'zod'
import { getValueCharts } from '../../differentiate/value/value-charts.js'
import { listRankedCustomers, RANK_BY } from '../../differentiate/value/ranked-customers.js'
import { TIERS } from '../../differentiate/value/tiers.js'
import { PerRunCache } from '../../differentiate/value/per-run-cache.js'
import { getSegment } from '../../customize/segments/segment-service.js'
import { unwrapSegmentResult } from '../../customize/segments/segment-request-error.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS } from '../error-body.js'
import { notFound } from '../../core/errors.js'
import { findManager } from '../../interact/managers/managers.repository.js'

const Bin = z.object({ from: z.number(), to: z.number(), customers: z.number() })

/** `GET /v1/value/charts`: the distributions the dashboard's overview draws. */
export function registerValueChartRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const aggregates = new PerRunCache(deps.store.db, () => deps.clock.now())
  app.get(
    '/v1/value/charts',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['differentiate'],
        summary: 'Histograms of CLV and customer value, and mean P(alive) by recency',
        description:
          'Equal-width bins up to the 99th percentile (larger values fall into the last bin); ' +
          'recency is the time since the last purchase in the value run’s time unit.',
        security: [{ secretKey: [] }],
        querystring: z.object({ bins: z.coerce.number().int().min(2).max(100).default(20) }),
        response: {
          200: z
            .object({
              scored: z.number(),
              activeShare: z.number().nullable().describe('share with P(alive) ≥ 0.5'),
              clvHistogram: z.array(Bin).readonly(),
              valueHistogram: z.array(Bin).readonly(),
              pAliveByRecency: z
                .array(Bin.extend({ meanPAlive: z.number().nullable() }))
                .readonly(),
            })
            .meta({ id: 'ValueCharts' }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) =>
      aggregates.get(`charts:${request.query.bins}`, () =>
        getValueCharts(deps.store.db, request.query.bins),
      ),
  )
}

/**
 * `GET /v1/value/customers`: scored customers by value, CLV, P(alive), share of customer or
 * growth potential, keyset pages, optionally one tier, segment or manager's portfolio.
 */
export function registerRankedCustomerRoutes(
  app: ZodApp,
  { deps, requireRoles }: RouteContext,
): void {
  app.get(
    '/v1/value/customers',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['differentiate'],
        summary:
          'Scored customers, highest first by value, CLV, P(alive), share of customer or growth potential; optionally one tier, segment or manager',
        security: [{ secretKey: [] }],
        querystring: z.object({
          by: z.enum(RANK_BY).default('value'),
          tier: z.enum(TIERS).optional(),
          segment: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .describe('only members of this segment (id or name); 404 when there is none'),
          manager: z
            .string()
            .min(1)
            .max(200)
            .optional()
            .describe(
              "only this customer manager's portfolio (manager id); 404 when there is none",
            ),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({
            customers: z
              .array(
                z.object({
                  id: z.string(),
                  email: z.string().nullable(),
                  traits: z.record(z.string(), z.unknown()),
                  lastSeenAt: z.number(),
                  tier: z.string(),
                  actualValue: z.number().nullable(),
                  clv: z.number().nullable(),
                  pAlive: z.number().nullable(),
                  shareOfWallet: z.number().nullable(),
                  growthPotential: z.number().nullable(),
                }),
              )
              .readonly(),
            nextCursor: z.string().nullable(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const segment =
        request.query.segment === undefined
          ? undefined
          : unwrapSegmentResult(await getSegment(deps.store.db, request.query.segment))
      const managerId = request.query.manager
      if (managerId !== undefined && (await findManager(deps.store.db, managerId)) === null) {
        throw notFound(`Manager "${managerId}"`, { field: 'manager' })
      }
      return listRankedCustomers(deps.store.db, {
        by: request.query.by,
        limit: request.query.limit,
        ...(request.query.tier === undefined ? {} : { tier: request.query.tier }),
        ...(managerId === undefined ? {} : { managerId }),
        ...(segment === undefined
          ? {}
          : { segment: { id: segment.id, memberCount: segment.memberCount } }),
        ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
      })
    },
  )
}
