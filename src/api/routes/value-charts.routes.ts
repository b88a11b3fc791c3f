import { z } from 'zod'
import { getValueCharts } from '../../differentiate/value/value-charts.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS } from '../error-body.js'

const Bin = z.object({ from: z.number(), to: z.number(), customers: z.number() })

/** `GET /v1/value/charts`: the distributions the dashboard's overview draws. */
export function registerValueChartRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
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
    async (request) => getValueCharts(deps.store.db, request.query.bins),
  )
}
