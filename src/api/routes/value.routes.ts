import { z } from 'zod'
import { requireCustomerId } from '../../identify/customer-profile.js'
import { getCustomerValue, getValueSummary } from '../../differentiate/value/value-queries.js'
import { TIERS } from '../../differentiate/value/tiers.js'
import { PerRunCache } from '../../differentiate/value/per-run-cache.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'

const Nullable = z.number().nullable()

const CustomerValueSchema = z
  .object({
    customerId: z.string(),
    modelRunId: z.string(),
    model: z.string().nullable().describe('bgnbd or pnbd'),
    computedAt: z.number(),
    tier: z.enum(TIERS),
    reason: z.string().describe('why the customer is in this tier'),
    frequency: z.number().describe('repeat purchase days in calibration'),
    recency: z.number().describe('time since the last purchase, in the run’s time unit'),
    age: z.number().describe('time since the first purchase, in the run’s time unit'),
    historicalRevenue: z.number(),
    historicalMargin: z.number(),
    costToServe: z.number(),
    expectedTransactions: Nullable.describe('expected repeat purchases in the horizon'),
    pAlive: Nullable,
    expectedSpend: Nullable.describe('expected spend per purchase (Gamma-Gamma)'),
    clv: Nullable.describe('discounted margin expected in the horizon'),
    actualValue: Nullable.describe('historical margin + CLV − cost to serve'),
    rfm: z.object({ r: z.number(), f: z.number(), m: z.number(), segment: z.string() }),
    wallet: Nullable,
    shareOfWallet: Nullable,
    growthPotential: Nullable,
  })
  .meta({ id: 'CustomerValue' })

const TierTotalsSchema = z.object({
  customers: z.number(),
  actualValue: z.number(),
  clv: z.number(),
})

const ValueSummarySchema = z
  .object({
    customers: z.number(),
    tiers: z.object(
      Object.fromEntries(TIERS.map((t) => [t, TierTotalsSchema])) as Record<
        (typeof TIERS)[number],
        typeof TierTotalsSchema
      >,
    ),
    valueDistribution: z.object({
      min: Nullable,
      p10: Nullable,
      p25: Nullable,
      median: Nullable,
      p75: Nullable,
      p90: Nullable,
      p99: Nullable,
      max: Nullable,
      mean: Nullable,
      total: z.number(),
    }),
    model: z
      .object({
        id: z.string(),
        kind: z.string(),
        createdAt: z.number(),
        params: z.record(z.string(), z.unknown()),
        metrics: z.record(z.string(), z.unknown()),
      })
      .nullable(),
  })
  .meta({ id: 'ValueSummary' })

/** Differentiate by value: one customer's figures and the customer base's summary. */
export function registerValueRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const readAuth = requireRoles('admin', 'analyst')
  const { db } = deps.store
  const aggregates = new PerRunCache(db, () => deps.clock.now())

  app.get(
    '/v1/customers/:identity/value',
    {
      preHandler: readAuth,
      schema: {
        tags: ['differentiate'],
        summary: 'One customer’s value: CLV, P(alive), tier and why, RFM, share of wallet',
        description:
          'The identity may be a customer id, a userId, an email or an anonymousId. Figures come from the latest `idic score` run.',
        security: [{ secretKey: [] }],
        params: z.object({ identity: z.string().min(1).max(512) }),
        response: { 200: CustomerValueSchema, ...COMMON_ERRORS, 404: ErrorBodySchema },
      },
    },
    async (request) => getCustomerValue(db, await requireCustomerId(db, request.params.identity)),
  )

  app.get(
    '/v1/value/summary',
    {
      preHandler: readAuth,
      schema: {
        tags: ['differentiate'],
        summary: 'Tier counts, distribution of customer value and the latest model’s parameters',
        security: [{ secretKey: [] }],
        response: { 200: ValueSummarySchema, ...COMMON_ERRORS },
      },
    },
    async () => aggregates.get('summary', () => getValueSummary(db)),
  )
}
