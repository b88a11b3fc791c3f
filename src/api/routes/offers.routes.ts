import { z } from 'zod'
import { notFound, RequestError } from '../../core/errors.js'
import { attributeOfferAcceptances } from '../../customize/offers/attribute-offer-acceptances.js'
import {
  chooseNextBestOffer,
  type OfferDeps,
} from '../../customize/offers/choose-next-best-offer.js'
import { runOfferCalibration } from '../../customize/offers/offer-calibration.js'
import {
  OFFER_KINDS,
  OFFER_STATUSES,
  OfferInputSchema,
  OfferPatchSchema,
} from '../../customize/offers/offer-definition.js'
import { INELIGIBILITY_CODES } from '../../customize/offers/offer-eligibility.js'
import { createOfferModelCache } from '../../customize/offers/offer-model-store.js'
import { CHOICE_MODES } from '../../customize/offers/offer-scoring.js'
import {
  createOffer,
  findOffer,
  listOffers,
  updateOffer,
  upsertOfferByName,
  type OfferError,
} from '../../customize/offers/offer-service.js'
import {
  recordAcceptance,
  recordPresentation,
  type OutcomeError,
} from '../../customize/offers/record-offer-outcome.js'
import { dateValueMs, DateValueSchema } from '../../customize/segments/segment-rule.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { accessibleCustomerId } from '../customer-access.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'

const OfferSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(OFFER_KINDS),
    description: z.string().nullable(),
    productIds: z.array(z.string()).readonly(),
    discountPercent: z.number().nullable(),
    margin: z.number().describe('money per acceptance'),
    cost: z.number().describe('money per presentation'),
    eligibility: z.unknown().describe('the segment rule (SegmentRule), or null for everyone'),
    caps: z.object({
      presentations: z.number().nullable(),
      windowDays: z.number().nullable(),
      acceptancesPerCustomer: z.number().nullable(),
      acceptanceBudget: z.number().nullable(),
    }),
    activeFrom: z.number().nullable(),
    activeTo: z.number().nullable(),
    status: z.enum(OFFER_STATUSES),
    createdAt: z.number(),
    updatedAt: z.number(),
    presentations: z.number().optional(),
    acceptances: z.number().optional(),
    revenue: z.number().optional(),
  })
  .meta({ id: 'Offer' })

const OutcomeSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    offerId: z.string(),
    tier: z.string().describe('the customer’s tier when presented'),
    source: z.string(),
    idempotencyKey: z.string(),
    presentedAt: z.number(),
    acceptedAt: z.number().nullable(),
    revenue: z.number().nullable(),
    orderId: z.string().nullable(),
  })
  .meta({ id: 'OfferOutcome' })

const RecordedSchema = z.object({
  outcome: OutcomeSchema,
  created: z.boolean().describe('false when the key had been recorded before: nothing changed'),
})

const PosteriorSchema = z.object({
  alpha: z.number(),
  beta: z.number(),
  mean: z.number().describe('posterior mean of P(accept) for this offer and the customer’s tier'),
  lower: z.number().describe('95% credible interval'),
  upper: z.number(),
  presentations: z.number(),
  acceptances: z.number(),
  priorMean: z.number(),
  priorWeight: z.number(),
  offerRate: z.number(),
})

const NextBestOfferSchema = z
  .object({
    customerId: z.string(),
    tier: z.string(),
    mode: z.enum(CHOICE_MODES),
    chosen: z
      .object({
        offerId: z.string(),
        name: z.string(),
        kind: z.enum(OFFER_KINDS),
        description: z.string().nullable(),
        productIds: z.array(z.string()).readonly(),
        discountPercent: z.number().nullable(),
        margin: z.number(),
        cost: z.number(),
        probability: z.number(),
        expectedValue: z.number(),
        value: z.number(),
      })
      .nullable(),
    why: z.string(),
    considered: z
      .array(
        z.object({
          offerId: z.string(),
          name: z.string(),
          kind: z.enum(OFFER_KINDS),
          eligible: z.boolean(),
          reasons: z
            .array(z.object({ code: z.enum(INELIGIBILITY_CODES), message: z.string() }))
            .readonly(),
          margin: z.number(),
          cost: z.number(),
          posterior: PosteriorSchema,
          expectedValue: z.number(),
          sampledTheta: z.number().nullable(),
          sampledValue: z.number().nullable(),
        }),
      )
      .readonly(),
    model: z.object({
      globalRate: z.number(),
      offerConcentration: z.number(),
      tierConcentration: z.number(),
      resolvedPresentations: z.number(),
      resolvedAcceptances: z.number(),
      acceptWindowDays: z.number(),
      fittedAt: z.number(),
    }),
    decidedAt: z.number(),
  })
  .meta({ id: 'NextBestOffer' })

const CalibrationSchema = z
  .object({
    presentations: z.number(),
    acceptances: z.number(),
    folds: z.number(),
    acceptWindowDays: z.number(),
    bins: z
      .array(
        z.object({
          presentations: z.number(),
          acceptances: z.number(),
          lowPredicted: z.number(),
          highPredicted: z.number(),
          meanPredicted: z.number(),
          observedRate: z.number(),
          lower: z.number(),
          upper: z.number(),
        }),
      )
      .readonly(),
    brier: z.number().nullable(),
    brierBaseline: z.number().nullable(),
    brierSkill: z.number().nullable(),
    logLoss: z.number().nullable(),
    expectedCalibrationError: z.number().nullable(),
    meanPredicted: z.number().nullable(),
    observedRate: z.number().nullable(),
    binsWithinInterval: z.number(),
    byOffer: z
      .array(
        z.object({
          offerId: z.string(),
          name: z.string().nullable(),
          presentations: z.number(),
          acceptances: z.number(),
          meanPredicted: z.number(),
          observedRate: z.number(),
        }),
      )
      .readonly(),
    verdict: z.string(),
  })
  .meta({ id: 'OfferCalibration' })

const ERRORS = { ...COMMON_ERRORS, 404: ErrorBodySchema, 409: ErrorBodySchema }
const Key = z.string().min(1).max(300)
const CustomerOfferParams = z.object({
  identity: z.string().min(1).max(512),
  offerId: z.string().min(1).max(200),
})

function offerFailure(error: OfferError): RequestError {
  switch (error.type) {
    case 'invalid_offer':
      return new RequestError('invalid_offer', 400, error.message, { errors: error.errors })
    case 'duplicate_name':
      return new RequestError('duplicate_name', 409, error.message, { name: error.name })
    case 'offer_not_found':
      return notFound(`Offer "${error.offerId}"`, { offerId: error.offerId })
  }
}

function outcomeFailure(error: OutcomeError): RequestError {
  switch (error.type) {
    case 'offer_not_found':
      return notFound(`Offer "${error.offerId}"`, { offerId: error.offerId })
    case 'idempotency_conflict':
      return new RequestError('idempotency_conflict', 409, error.message, {
        existing: error.existing,
      })
  }
}

/** NaN (no data yet) is not JSON: reported as null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null
}

/**
 * Offers and next-best-offer: `/v1/offers` (define, list, change, calibration, attribution) and
 * `/v1/customers/:identity/next-best-offer` with its presented / accepted outcomes. One model
 * cache per app, refitted at most every minute or when an acceptance is recorded.
 */
export function registerOfferRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const { db } = deps.store
  const offerDeps: OfferDeps = { db, clock: deps.clock, models: createOfferModelCache(60_000) }
  const security = [{ secretKey: [] }]
  const tags = ['customize']

  app.post(
    '/v1/offers',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary:
          'Define an offer: product, discount, bundle or content, with margin, cost and caps',
        description:
          'Margin (money per acceptance) and cost (per presentation) must not be negative; ' +
          'product ids must be in the catalog; `eligibility` is a segment rule. Every problem ' +
          'is reported with its path (`productIds[1]`, `eligibility.all[0].value`).',
        security,
        body: OfferInputSchema,
        response: { 201: OfferSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const created = await createOffer(db, request.body, deps.clock.now())
      if (!created.ok) throw offerFailure(created.error)
      return reply.status(201).send(created.value)
    },
  )

  app.put(
    '/v1/offers',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary: 'Create or replace an offer by name (its id and history are kept)',
        security,
        body: OfferInputSchema,
        response: { 200: z.object({ offer: OfferSchema, created: z.boolean() }), ...ERRORS },
      },
    },
    async (request) => {
      const saved = await upsertOfferByName(db, request.body, deps.clock.now())
      if (!saved.ok) throw offerFailure(saved.error)
      return saved.value
    },
  )

  app.get(
    '/v1/offers',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags,
        summary: 'Every offer with its presentations, acceptances and revenue so far',
        security,
        response: { 200: z.object({ offers: z.array(OfferSchema).readonly() }), ...ERRORS },
      },
    },
    async () => ({ offers: await listOffers(db) }),
  )

  app.get(
    '/v1/offers/calibration',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags,
        summary: 'How well P(accept) matches what customers did (reliability bins, Brier score)',
        description:
          'Out of sample: 5-fold cross-validation over customers on resolved outcomes ' +
          '(accepted, or older than the 7-day acceptance window).',
        security,
        querystring: z.object({
          folds: z.coerce.number().int().min(2).max(20).default(5),
          bins: z.coerce.number().int().min(1).max(50).default(10),
        }),
        response: { 200: CalibrationSchema, ...ERRORS },
      },
    },
    async (request) => {
      const report = await runOfferCalibration(offerDeps, request.query)
      return {
        ...report,
        brier: finiteOrNull(report.brier),
        brierBaseline: finiteOrNull(report.brierBaseline),
        brierSkill: finiteOrNull(report.brierSkill),
        logLoss: finiteOrNull(report.logLoss),
        expectedCalibrationError: finiteOrNull(report.expectedCalibrationError),
        meanPredicted: finiteOrNull(report.meanPredicted),
        observedRate: finiteOrNull(report.observedRate),
      }
    },
  )

  app.post(
    '/v1/offers/attribute',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary: 'Mark presentations accepted by orders of their products within the window',
        description: 'Safe to run any number of times; a scheduler may call it hourly.',
        security,
        body: z
          .object({
            windowDays: z.number().int().min(1).max(365).optional(),
            since: DateValueSchema.optional(),
          })
          .optional(),
        response: {
          200: z.object({
            candidates: z.number(),
            attributed: z.number(),
            byOffer: z.record(z.string(), z.number()),
            windowDays: z.number(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const body = request.body ?? {}
      const report = await attributeOfferAcceptances(db, {
        now: deps.clock.now(),
        ...(body.windowDays === undefined ? {} : { windowDays: body.windowDays }),
        ...(body.since === undefined ? {} : { since: dateValueMs(body.since) }),
      })
      if (report.attributed > 0) offerDeps.models?.invalidate()
      return report
    },
  )

  app.get(
    '/v1/offers/:id',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags,
        summary: 'One offer, by id or name',
        security,
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: OfferSchema, ...ERRORS },
      },
    },
    async (request) => {
      const offer = await findOffer(db, request.params.id)
      if (offer === null) throw notFound(`Offer "${request.params.id}"`)
      return offer
    },
  )

  app.patch(
    '/v1/offers/:id',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags,
        summary: 'Change some fields of an offer (e.g. pause it); the result is checked whole',
        security,
        params: z.object({ id: z.string().min(1).max(200) }),
        body: OfferPatchSchema,
        response: { 200: OfferSchema, ...ERRORS },
      },
    },
    async (request) => {
      const offer = await findOffer(db, request.params.id)
      if (offer === null) throw notFound(`Offer "${request.params.id}"`)
      const updated = await updateOffer(db, offer.id, request.body, deps.clock.now())
      if (!updated.ok) throw offerFailure(updated.error)
      return updated.value
    },
  )

  app.get(
    '/v1/customers/:identity/next-best-offer',
    {
      preHandler: requireRoles('admin', 'analyst', 'manager'),
      schema: {
        tags,
        summary: 'The next-best-offer for a customer, with why it was chosen',
        description:
          'Each eligible offer is scored by expected value P(accept) × margin − cost, P from a ' +
          'Beta posterior per offer and customer tier. `explore=true` (default) samples P ' +
          '(Thompson sampling) so that uncertain offers keep being tried; `explore=false` ranks ' +
          'by the posterior mean. Every offer is listed with its eligibility and reasons, ' +
          'posterior mean and 95% interval, expected value and sampled value.',
        security,
        params: z.object({ identity: z.string().min(1).max(512) }),
        querystring: z.object({ explore: z.enum(['true', 'false']).default('true') }),
        response: { 200: NextBestOfferSchema, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await accessibleCustomerId(db, request.apiKey, request.params.identity)
      const choice = await chooseNextBestOffer(offerDeps, customerId, {
        explore: request.query.explore === 'true',
      })
      return {
        ...choice,
        considered: choice.considered.map((c) => ({
          ...c,
          posterior: {
            ...c.posterior,
            lower: finiteOrNull(c.posterior.lower) ?? 0,
            upper: finiteOrNull(c.posterior.upper) ?? 1,
          },
        })),
      }
    },
  )

  app.post(
    '/v1/customers/:identity/offers/:offerId/presented',
    {
      preHandler: requireRoles('admin', 'manager'),
      schema: {
        tags,
        summary: 'Record that an offer was presented (idempotent by key)',
        security,
        params: CustomerOfferParams,
        body: z.object({
          idempotencyKey: Key.describe('the same key again records nothing new'),
          source: z.string().min(1).max(200).optional().describe('campaign id, channel… (api)'),
          presentedAt: DateValueSchema.optional(),
        }),
        response: { 200: RecordedSchema, 201: RecordedSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const customerId = await accessibleCustomerId(db, request.apiKey, request.params.identity)
      const offer = await findOffer(db, request.params.offerId)
      if (offer === null) throw notFound(`Offer "${request.params.offerId}"`)
      const { idempotencyKey, source, presentedAt } = request.body
      const recorded = await recordPresentation(offerDeps, {
        customerId,
        offerId: offer.id,
        idempotencyKey,
        ...(source === undefined ? {} : { source }),
        ...(presentedAt === undefined ? {} : { presentedAt: dateValueMs(presentedAt) }),
      })
      if (!recorded.ok) throw outcomeFailure(recorded.error)
      return reply.status(recorded.value.created ? 201 : 200).send(recorded.value)
    },
  )

  app.post(
    '/v1/customers/:identity/offers/:offerId/accepted',
    {
      preHandler: requireRoles('admin', 'manager'),
      schema: {
        tags,
        summary: 'Record that the customer accepted an offer (idempotent by key)',
        description:
          'Give the key the presentation was recorded with; a new key records a presentation ' +
          'and its acceptance at once. The first acceptance stands.',
        security,
        params: CustomerOfferParams,
        body: z.object({
          idempotencyKey: Key,
          revenue: z.number().min(0).nullable().optional(),
          acceptedAt: DateValueSchema.optional(),
          source: z.string().min(1).max(200).optional(),
        }),
        response: { 200: RecordedSchema, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await accessibleCustomerId(db, request.apiKey, request.params.identity)
      const offer = await findOffer(db, request.params.offerId)
      if (offer === null) throw notFound(`Offer "${request.params.offerId}"`)
      const { idempotencyKey, revenue, acceptedAt, source } = request.body
      const recorded = await recordAcceptance(offerDeps, {
        customerId,
        offerId: offer.id,
        idempotencyKey,
        ...(revenue === undefined ? {} : { revenue }),
        ...(source === undefined ? {} : { source }),
        ...(acceptedAt === undefined ? {} : { acceptedAt: dateValueMs(acceptedAt) }),
      })
      if (!recorded.ok) throw outcomeFailure(recorded.error)
      return recorded.value
    },
  )
}
