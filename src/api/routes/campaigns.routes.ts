import { z } from 'zod'
import { notFound, RequestError } from '../../core/errors.js'
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_STRATEGIES,
  CampaignInputSchema,
  CampaignVariantSchema,
  PilotDecisionSchema,
  PilotSchema,
  type Campaign,
} from '../../customize/campaigns/campaign-definition.js'
import type { CampaignDeps, CampaignProblem } from '../../customize/campaigns/campaign-ports.js'
import {
  renderCampaignReportHtml,
  renderComparisonHtml,
} from '../../customize/campaigns/campaign-report-html.js'
import { campaignReport, compareStrategies } from '../../customize/campaigns/campaign-report.js'
import { buildCampaignDeps } from '../../customize/campaigns/campaign-services.js'
import { runCampaignWorker } from '../../customize/campaigns/campaign-worker.js'
import {
  campaignProgress,
  getCampaign,
  listCampaigns,
} from '../../customize/campaigns/campaigns.repository.js'
import { createCampaign, launchCampaign } from '../../customize/campaigns/launch-campaign.js'
import { CHANNELS } from '../../interact/channel.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'
import { interactServices } from '../interact-services.js'

const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    strategy: z.enum(CAMPAIGN_STRATEGIES),
    channel: z.enum(CHANNELS),
    topic: z.string(),
    templateName: z.string().nullable(),
    segmentId: z.string().nullable(),
    variants: z.array(CampaignVariantSchema).readonly().nullable(),
    holdoutShare: z.number(),
    attributionDays: z.number(),
    seed: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    pilot: PilotSchema.nullable(),
    pilotDecision: PilotDecisionSchema.nullable().describe(
      "a gated pilot's decision on the rest, made when the rest came due",
    ),
    lastError: z.string().nullable(),
    createdAt: z.number(),
    launchedAt: z.number().nullable(),
    completedAt: z.number().nullable(),
  })
  .meta({ id: 'Campaign' })

const Figure = z.number().nullable().describe('null when not known (an empty group)')
const IntervalSchema = z
  .object({ estimate: Figure, low: Figure, high: Figure })
  .meta({ id: 'Interval', description: 'estimate with its 95% confidence interval' })
const GroupSchema = z
  .object({
    key: z
      .string()
      .describe(
        'treatment, holdout, pilot, pilot:holdout, rest, rest:holdout, or variant:SEGMENT:GROUP',
      ),
    label: z.string(),
    customers: z.number(),
    conversions: z.number(),
    revenue: z.number(),
    conversionRate: IntervalSchema.describe('Wilson interval'),
    revenuePerCustomer: IntervalSchema.describe('t interval of the mean'),
  })
  .meta({ id: 'CampaignGroup' })
const UpliftSchema = z
  .object({
    against: z.string(),
    confidence: z.number(),
    conversion: IntervalSchema.extend({ method: z.string() }),
    relativeLift: IntervalSchema.extend({ method: z.string() }),
    revenuePerCustomer: IntervalSchema.extend({ method: z.string(), degreesOfFreedom: Figure }),
    incrementalRevenue: IntervalSchema,
  })
  .meta({ id: 'CampaignUplift' })
const ReportSchema = z
  .object({
    campaign: CampaignSchema,
    generatedAt: z.number(),
    attribution: z.object({ days: z.number(), closed: z.boolean(), basis: z.string() }),
    groups: z.array(GroupSchema).readonly(),
    sends: z.record(z.string(), z.number()).describe('treated customers by send outcome'),
    deliveries: z.record(z.string(), z.number()).describe('messages by current delivery status'),
    strata: z
      .array(z.object({ stratum: z.string(), treatment: z.number(), holdout: z.number() }))
      .readonly(),
    uplift: UpliftSchema.nullable(),
    pilotUplift: UpliftSchema.nullable().describe(
      "the pilot against its counterpart in the holdout (the holdout's most active share)",
    ),
    restUplift: UpliftSchema.nullable().describe(
      'the treatment outside the pilot against the holdout outside its counterpart',
    ),
    variants: z
      .array(
        z.object({
          segmentId: z.string(),
          templateName: z.string().nullable(),
          treatment: GroupSchema,
          holdout: GroupSchema,
          uplift: UpliftSchema,
        }),
      )
      .readonly(),
  })
  .meta({ id: 'CampaignReport' })
const ComparisonSchema = z
  .object({
    generatedAt: z.number(),
    rows: z
      .array(
        z.object({
          campaignId: z.string(),
          name: z.string(),
          strategy: z.enum(CAMPAIGN_STRATEGIES),
          status: z.string(),
          treated: z.number(),
          held: z.number(),
          sent: z.number(),
          treatment: GroupSchema,
          holdout: GroupSchema,
          uplift: UpliftSchema.nullable(),
        }),
      )
      .readonly(),
    winner: z
      .object({
        campaignId: z.string(),
        strategy: z.enum(CAMPAIGN_STRATEGIES),
        revenuePerCustomerUplift: z.number(),
        significant: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: 'CampaignComparison' })
const LaunchSchema = z.object({
  campaignId: z.string(),
  consenting: z.number(),
  eligible: z.number(),
  treatment: z.number(),
  holdout: z.number(),
  pilot: z.number().describe('treated customers in the pilot, sent first'),
  pilotHoldout: z
    .number()
    .describe("the pilot's counterpart in the holdout (its most active share), never contacted"),
  enqueued: z.number(),
  strata: z.record(z.string(), z.object({ treatment: z.number(), holdout: z.number() })),
})
const WorkerReportSchema = z.object({
  claimed: z.number(),
  sent: z.number(),
  held: z.number(),
  dropped: z.number(),
  skipped: z.number(),
  failed: z.number(),
  retried: z.number(),
  duplicates: z.number(),
})

const ERRORS = { ...COMMON_ERRORS, 404: ErrorBodySchema }
const Params = z.object({ id: z.string().min(1).max(200) })
const CompareQuery = z.object({
  ids: z
    .string()
    .min(1)
    .describe('campaign ids, comma-separated (e.g. one per strategy)')
    .transform((s) =>
      s
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    )
    .pipe(z.array(z.string()).min(1).max(20)),
})

function invalidCampaign(problems: readonly unknown[]): RequestError {
  const first = problems[0] as Partial<CampaignProblem> | undefined
  const where = first === undefined ? '' : `: ${first.path ?? ''} ${first.message ?? ''}`.trimEnd()
  return new RequestError(
    'invalid_campaign',
    400,
    `The campaign has ${problems.length} problem${problems.length === 1 ? '' : 's'}${where}`,
    { problems },
  )
}

async function requireCampaign(deps: CampaignDeps, id: string): Promise<Campaign> {
  const campaign = await getCampaign(deps.store.db, id)
  if (campaign === null) throw notFound(`Campaign "${id}"`, { campaignId: id })
  return campaign
}

/**
 * `/v1/campaigns`: create (checked before anything is stored), list, show, launch (holdout,
 * jobs), process due sends now, report (JSON and self-contained HTML) and compare strategies.
 * Admin and analyst keys.
 */
export function registerCampaignRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const interact = interactServices(deps)
  app.addHook('onClose', async () => {
    await interact.close()
  })
  const settings = deps.config.templates
  let built: Promise<CampaignDeps> | null = null
  const services = (): Promise<CampaignDeps> => {
    built ??= interact.get().then(
      (i) => buildCampaignDeps(deps.store, i, settings),
      (error: unknown) => {
        built = null
        throw error
      },
    )
    return built
  }
  const auth = requireRoles('admin', 'analyst')
  const security = [{ secretKey: [] }]
  const tags = ['campaigns']

  app.post(
    '/v1/campaigns',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Create a campaign (a draft); every problem is listed before anything is stored',
        description:
          'mass: every consenting customer, one template; concentrated: one segment; differentiated: a template per segment (first match); one-to-one: per-customer lists and next-best offer. 400 `invalid_campaign` lists each problem with its path: unknown or invalid templates, unknown or empty segments, no consenting customer, offers with a negative margin.',
        security,
        body: CampaignInputSchema,
        response: { 201: CampaignSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const created = await createCampaign(await services(), request.body, deps.clock.now())
      if (!created.ok) throw invalidCampaign(created.error.problems)
      return reply.status(201).send(created.value)
    },
  )

  app.get(
    '/v1/campaigns',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Campaigns, newest first',
        security,
        querystring: z.object({
          status: z.enum(CAMPAIGN_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ campaigns: z.array(CampaignSchema) }), ...ERRORS },
      },
    },
    async (request) => ({
      campaigns: await listCampaigns(deps.store.db, {
        limit: request.query.limit,
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
      }),
    }),
  )

  app.get(
    '/v1/campaigns/compare',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Campaigns side by side: which strategy wins (uplift over each holdout)',
        security,
        querystring: CompareQuery,
        response: { 200: ComparisonSchema, ...ERRORS },
      },
    },
    async (request) => {
      for (const id of request.query.ids) await requireCampaign(await services(), id)
      return compareStrategies(deps.store.db, request.query.ids, deps.clock.now())
    },
  )

  app.get(
    '/v1/campaigns/compare.html',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'The comparison as a self-contained HTML page with charts',
        security,
        querystring: CompareQuery,
      },
    },
    async (request, reply) => {
      for (const id of request.query.ids) await requireCampaign(await services(), id)
      const comparison = await compareStrategies(deps.store.db, request.query.ids, deps.clock.now())
      return reply.type('text/html; charset=utf-8').send(renderComparisonHtml(comparison))
    },
  )

  app.get(
    '/v1/campaigns/:id',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'A campaign and its progress (customers by group and send outcome)',
        security,
        params: Params,
        response: {
          200: z.object({
            campaign: CampaignSchema,
            progress: z.record(z.string(), z.number()).describe('group:sendStatus → customers'),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const campaign = await requireCampaign(await services(), request.params.id)
      return { campaign, progress: await campaignProgress(deps.store.db, campaign.id) }
    },
  )

  app.post(
    '/v1/campaigns/:id/launch',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary: 'Launch: assign treatment and holdout (stratified by tier) and queue the sends',
        description:
          'Checks the campaign again, then in one transaction records every assignment and queues one send job per treated customer; the holdout is never contacted. Workers (`idic serve`, `idic campaign process`, `POST /v1/campaigns/process`) send. 409 when the campaign is not a draft.',
        security,
        params: Params,
        response: { 200: LaunchSchema, 409: ErrorBodySchema, ...ERRORS },
      },
    },
    async (request) => {
      const result = await launchCampaign(await services(), request.params.id, deps.clock.now())
      if (result.ok) return result.value
      const e = result.error
      switch (e.type) {
        case 'not_found':
          throw notFound(`Campaign "${e.campaignId}"`, { campaignId: e.campaignId })
        case 'not_launchable':
          throw new RequestError(
            'campaign_not_draft',
            409,
            `Campaign ${request.params.id} is ${e.status}; only a draft (or failed) campaign launches`,
            { status: e.status },
          )
        case 'invalid_campaign':
          throw invalidCampaign(e.problems)
      }
    },
  )

  app.post(
    '/v1/campaigns/process',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary: 'Send the campaign messages that are due now (what the serve worker does)',
        security,
        body: z.object({ maxJobs: z.number().int().min(1).max(1_000_000).optional() }).default({}),
        response: { 200: WorkerReportSchema, ...ERRORS },
      },
    },
    async (request) =>
      runCampaignWorker(await services(), {
        workerId: `api-${process.pid}`,
        ...(request.body.maxJobs === undefined ? {} : { maxJobs: request.body.maxJobs }),
      }),
  )

  app.get(
    '/v1/campaigns/:id/report',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Groups, sends and uplift with 95% confidence intervals',
        description:
          'Intention to treat: every assigned customer counts; a conversion is an order within the attribution window after assignment. Conversion uplift with Newcombe’s hybrid score interval, revenue per customer with Welch’s t interval, relative lift with the Katz log interval.',
        security,
        params: Params,
        response: { 200: ReportSchema, ...ERRORS },
      },
    },
    async (request) => campaignReport(deps.store.db, request.params.id, deps.clock.now()),
  )

  app.get(
    '/v1/campaigns/:id/report.html',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'The report as a self-contained HTML page (inline SVG charts, no scripts)',
        security,
        params: Params,
      },
    },
    async (request, reply) => {
      const report = await campaignReport(deps.store.db, request.params.id, deps.clock.now())
      return reply.type('text/html; charset=utf-8').send(renderCampaignReportHtml(report))
    },
  )
}
