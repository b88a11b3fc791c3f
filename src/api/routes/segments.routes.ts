import { z } from 'zod'
import { previewMatching } from '../../customize/segments/compile-segment-rule.js'
import { SEGMENT_RULE_ERROR_TYPES } from '../../customize/segments/parse-segment-rule.js'
import {
  REFRESH_MODES,
  refreshModeOf,
  SegmentRuleSchema,
} from '../../customize/segments/segment-rule.js'
import {
  createSegment,
  deleteSegment,
  getSegment,
  refreshSegment,
  updateSegment,
} from '../../customize/segments/segment-service.js'
import {
  listSegmentMembers,
  listSegments,
  type Segment,
} from '../../customize/segments/segments.repository.js'
import { unwrapSegmentResult } from '../../customize/segments/segment-request-error.js'
import { validateSegmentRule } from '../../customize/segments/validate-segment-rule.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'

const RuleInput = z
  .unknown()
  .describe(
    'A segment rule (see the SegmentRule schema). Checked in full: each problem comes back in ' +
      'error.details.errors with its JSON path, e.g. all[2].trait.',
  )

/** What `error.details` holds when a rule is refused. */
export const SegmentRuleErrorsSchema = z
  .object({
    errors: z.array(
      z.object({
        type: z.enum(SEGMENT_RULE_ERROR_TYPES),
        path: z.string().describe('JSON path into the rule, e.g. all[2].trait'),
        message: z.string(),
        allowed: z.array(z.string()).readonly().optional(),
      }),
    ),
  })
  .meta({ id: 'SegmentRuleErrors' })

const SegmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    rule: SegmentRuleSchema,
    refreshMode: z
      .enum(REFRESH_MODES)
      .describe('live: kept current as events arrive; scheduled: the rule reads time windows'),
    memberCount: z.number().int(),
    refreshedAt: z.number().nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Segment' })

const SampleSchema = z.array(z.object({ customerId: z.string(), email: z.string().nullable() }))

const RefreshSchema = z.object({
  segmentId: z.string(),
  name: z.string(),
  added: z.number().int(),
  removed: z.number().int(),
  count: z.number().int(),
})

const IdParams = z.object({ id: z.string().min(1).max(200).describe('segment id or name') })

const Name = z.string().trim().min(1).max(200)
const Description = z.string().max(2000)

const SEGMENT_ERRORS = { ...COMMON_ERRORS, 404: ErrorBodySchema, 409: ErrorBodySchema }

/** Segments: preview a rule, store it, list members, refresh (Customize). */
export function registerSegmentRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const auth = requireRoles('admin', 'analyst')
  const { db } = deps.store
  const security = [{ secretKey: [] }]
  const tags = ['customize']

  app.post(
    '/v1/segments/preview',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'How many customers a rule matches now, and a random sample of them',
        description: 'Nothing is stored. Use it before saving a segment or aiming a campaign.',
        security,
        body: z.object({
          rule: RuleInput,
          sampleSize: z.number().int().min(0).max(100).default(10),
        }),
        response: {
          200: z.object({
            count: z.number().int(),
            sample: SampleSchema,
            refreshMode: z.enum(REFRESH_MODES),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => {
      const rule = unwrapSegmentResult(await validateSegmentRule(db, request.body.rule))
      const preview = await previewMatching(db, rule, deps.clock.now(), request.body.sampleSize)
      return { count: preview.count, sample: [...preview.sample], refreshMode: refreshModeOf(rule) }
    },
  )

  app.post(
    '/v1/segments',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Save a segment and compute its members',
        security,
        body: z.object({ name: Name, description: Description.optional(), rule: RuleInput }),
        response: { 201: SegmentSchema, ...SEGMENT_ERRORS },
      },
    },
    async (request, reply) => {
      const segment = unwrapSegmentResult(await createSegment(db, request.body, deps.clock.now()))
      return reply.status(201).send(segment)
    },
  )

  app.get(
    '/v1/segments',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Every segment with its member count, by name',
        security,
        response: { 200: z.object({ segments: z.array(SegmentSchema) }), ...COMMON_ERRORS },
      },
    },
    async () => ({ segments: [...(await listSegments(db))] }),
  )

  app.get(
    '/v1/segments/:id',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'One segment',
        security,
        params: IdParams,
        response: { 200: SegmentSchema, ...SEGMENT_ERRORS },
      },
    },
    async (request): Promise<Segment> =>
      unwrapSegmentResult(await getSegment(db, request.params.id)),
  )

  app.put(
    '/v1/segments/:id',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Change a segment’s name, description or rule (a new rule recomputes members)',
        security,
        params: IdParams,
        body: z.object({
          name: Name.optional(),
          description: Description.optional(),
          rule: RuleInput.optional(),
        }),
        response: { 200: SegmentSchema, ...SEGMENT_ERRORS },
      },
    },
    async (request) =>
      unwrapSegmentResult(
        await updateSegment(db, request.params.id, request.body, deps.clock.now()),
      ),
  )

  app.delete(
    '/v1/segments/:id',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Delete a segment and its memberships',
        security,
        params: IdParams,
        response: { 200: z.object({ deleted: z.string() }), ...SEGMENT_ERRORS },
      },
    },
    async (request) => ({
      deleted: unwrapSegmentResult(await deleteSegment(db, request.params.id)).id,
    }),
  )

  app.get(
    '/v1/segments/:id/members',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Members of a segment in customer id order, a page at a time',
        description: 'Pass the answer’s nextCursor as cursor for the next page.',
        security,
        params: IdParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().max(500).optional(),
        }),
        response: {
          200: z.object({
            members: z.array(
              z.object({
                customerId: z.string(),
                email: z.string().nullable(),
                addedAt: z.number(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...SEGMENT_ERRORS,
        },
      },
    },
    async (request) => {
      const segment = unwrapSegmentResult(await getSegment(db, request.params.id))
      const page = await listSegmentMembers(db, segment.id, request.query)
      return { members: [...page.members], nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/v1/segments/:id/refresh',
    {
      preHandler: auth,
      schema: {
        tags,
        summary: 'Recompute a segment’s members now; says how many joined and left',
        security,
        params: IdParams,
        response: { 200: RefreshSchema, ...SEGMENT_ERRORS },
      },
    },
    async (request) => {
      const segment = unwrapSegmentResult(await getSegment(db, request.params.id))
      return refreshSegment(db, segment, deps.clock.now())
    },
  )
}
