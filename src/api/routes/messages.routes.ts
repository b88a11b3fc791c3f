import { z } from 'zod'
import { RequestError } from '../../core/errors.js'
import { CHANNELS } from '../../interact/channel.js'
import { listConsents, setConsent } from '../../interact/consents.repository.js'
import { listDeliveries } from '../../interact/deliveries.repository.js'
import {
  parseReportPeriod,
  reportDeliveries,
  REPORT_KINDS,
} from '../../interact/delivery-report.js'
import {
  answerMessage,
  DIALOGUE_EVENTS,
  recordInboundMessage,
  setThreadStatus,
} from '../../interact/dialogue.js'
import { listInbox, markInboxRead } from '../../interact/engagement.js'
import {
  INBOUND_KINDS,
  listThread,
  OUTBOUND_KINDS,
  THREAD_STATUSES,
} from '../../interact/messages.repository.js'
import { processDueDeliveries } from '../../interact/process-due-deliveries.js'
import { sendMessage } from '../../interact/send-message.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { accessibleCustomerId } from '../customer-access.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'
import type { InteractServices } from '../interact-services.js'
import {
  ConsentSchema,
  DeliveryReportSchema,
  DeliverySchema,
  MessageSchema,
  deliveryBody,
  interactError,
  messageBody,
} from '../interact-schemas.js'

const Params = z.object({ identity: z.string().min(1).max(512) })
const MessageParams = Params.extend({ messageId: z.string().min(1).max(200) })
const ERRORS = {
  ...COMMON_ERRORS,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
  422: ErrorBodySchema,
}
const SendResult = z.object({
  message: MessageSchema,
  delivery: DeliverySchema,
  duplicate: z.boolean(),
})

const INBOUND_DOC =
  'Also accepted as Segment track events: ' +
  Object.entries(DIALOGUE_EVENTS)
    .map(([name, kind]) => `"${name}" (${kind})`)
    .join(', ') +
  ', with properties text, subject, rating, product_id, in_reply_to.'

/** Dialogue, outbound messages, deliveries, consents and the in-app inbox of one customer. */
export function registerMessageRoutes(
  app: ZodApp,
  { deps, requireRoles }: RouteContext,
  interact: InteractServices,
): void {
  const { db } = deps.store
  const services = interact.get
  const read = requireRoles('admin', 'analyst', 'manager')
  const act = requireRoles('admin', 'manager')
  const security = [{ secretKey: [] }]
  const customer = (
    request: { apiKey: Parameters<typeof accessibleCustomerId>[1] },
    identity: string,
  ) => accessibleCustomerId(db, request.apiKey, identity)

  app.post(
    '/v1/customers/:identity/messages',
    {
      preHandler: requireRoles('write', 'admin', 'manager'),
      schema: {
        tags: ['interact'],
        summary:
          'Record what a customer said: question, reply, complaint, praise, rating, like, skip',
        description: `Lands on the timeline at once and in the customer's thread. ${INBOUND_DOC}`,
        security: [{ secretKey: [] }, { writeKey: [] }],
        params: Params,
        body: z.object({
          kind: z.enum(INBOUND_KINDS),
          text: z.string().max(20_000).default(''),
          subject: z.string().max(500).nullish(),
          rating: z.number().min(1).max(5).nullish(),
          productId: z.string().max(512).nullish(),
          inReplyTo: z.string().max(200).nullish(),
          idempotencyKey: z.string().min(1).max(200).optional(),
        }),
        response: { 201: MessageSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const customerId = await customer(request, request.params.identity)
      const result = await recordInboundMessage(
        { db, clock: deps.clock },
        {
          identity: customerId,
          ...request.body,
        },
      )
      if (!result.ok) throw interactError(result.error)
      return reply.status(201).send(messageBody(result.value))
    },
  )

  app.get(
    '/v1/customers/:identity/messages',
    {
      preHandler: read,
      schema: {
        tags: ['interact'],
        summary: "The customer's conversation thread, oldest first, with deliveries",
        security,
        params: Params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: {
          200: z.object({
            customerId: z.string(),
            status: z.enum(['open', 'answered', 'closed', 'none']),
            messages: z.array(MessageSchema).readonly(),
            deliveries: z.array(DeliverySchema).readonly(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const messages = await listThread(db, customerId, { limit: request.query.limit })
      const deliveries = await listDeliveries(db, customerId)
      const statuses = messages.map((m) => m.status)
      const status = statuses.includes('open')
        ? 'open'
        : statuses.includes('answered')
          ? 'answered'
          : statuses.includes('closed')
            ? 'closed'
            : 'none'
      return {
        customerId,
        status,
        messages: messages.map(messageBody),
        deliveries: deliveries.map(deliveryBody),
      } as const
    },
  )

  app.post(
    '/v1/customers/:identity/messages/:messageId/answer',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: 'Answer a question or complaint through a channel',
        description:
          'Sent as a transactional message (no marketing consent needed) and recorded in the thread; the question is marked answered once the channel took it.',
        security,
        params: MessageParams,
        body: z.object({
          channel: z.enum(CHANNELS),
          text: z.string().min(1).max(20_000),
          subject: z.string().max(500).nullish(),
          idempotencyKey: z.string().min(1).max(200).optional(),
        }),
        response: { 200: SendResult, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const result = await answerMessage(await services(), {
        identity: customerId,
        messageId: request.params.messageId,
        ...request.body,
      })
      if (!result.ok) throw interactError(result.error)
      return {
        message: messageBody(result.value.message),
        delivery: deliveryBody(result.value.delivery),
        duplicate: result.value.duplicate,
      }
    },
  )

  app.patch(
    '/v1/customers/:identity/messages/:messageId',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: 'Set the status of a question or complaint (open, answered, closed)',
        security,
        params: MessageParams,
        body: z.object({ status: z.enum(THREAD_STATUSES) }),
        response: { 200: MessageSchema, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const result = await setThreadStatus(
        db,
        customerId,
        request.params.messageId,
        request.body.status,
        deps.clock.now(),
      )
      if (!result.ok) {
        throw result.error.type === 'unknown_message'
          ? interactError({ type: 'unknown_message', messageId: request.params.messageId })
          : new RequestError('not_answerable', 409, 'Only questions and complaints have a status')
      }
      return messageBody(result.value)
    },
  )

  app.post(
    '/v1/customers/:identity/send',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: 'Send a message to one customer through one channel',
        description:
          'Marketing needs consent for the channel and topic (409 no_consent otherwise) and respects frequency caps and quiet hours: ' +
          'a capped message is held or dropped, as the delivery says. Channel failures are recorded as failed or dead deliveries.',
        security,
        params: Params,
        body: z.object({
          channel: z.enum(CHANNELS),
          kind: z.enum(OUTBOUND_KINDS).default('marketing'),
          topic: z.string().min(1).max(100).nullish(),
          subject: z.string().max(500).default(''),
          text: z.string().min(1).max(100_000),
          html: z.string().max(200_000).nullish(),
          idempotencyKey: z.string().min(1).max(200).optional(),
        }),
        response: { 200: SendResult, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const { text, ...rest } = request.body
      const result = await sendMessage(await services(), {
        ...rest,
        identity: customerId,
        body: text,
      })
      if (!result.ok) throw interactError(result.error)
      return {
        message: messageBody(result.value.message),
        delivery: deliveryBody(result.value.delivery),
        duplicate: result.value.duplicate,
      }
    },
  )

  app.get(
    '/v1/customers/:identity/deliveries',
    {
      preHandler: read,
      schema: {
        tags: ['interact'],
        summary: "Delivery records of the customer's messages, with their status history",
        security,
        params: Params,
        response: { 200: z.object({ deliveries: z.array(DeliverySchema).readonly() }), ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      return { deliveries: (await listDeliveries(db, customerId)).map(deliveryBody) }
    },
  )

  app.get(
    '/v1/customers/:identity/consents',
    {
      preHandler: read,
      schema: {
        tags: ['interact'],
        summary: 'Consents per channel and topic, with source and time',
        security,
        params: Params,
        response: { 200: z.object({ consents: z.array(ConsentSchema).readonly() }), ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      return { consents: await listConsents(db, customerId) }
    },
  )

  app.put(
    '/v1/customers/:identity/consents',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: 'Record a consent answer for a channel and topic',
        security,
        params: Params,
        body: z.object({
          channel: z.enum(CHANNELS),
          topic: z.string().min(1).max(100).default('*'),
          granted: z.boolean(),
          source: z.string().min(1).max(100).default('api'),
        }),
        response: { 200: ConsentSchema, ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      return setConsent(db, customerId, request.body, deps.clock.now())
    },
  )

  app.get(
    '/v1/customers/:identity/inbox',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: "The customer's in-app inbox, newest first",
        security,
        params: Params,
        querystring: z.object({ unread: z.enum(['true', 'false']).default('false') }),
        response: {
          200: z.object({
            items: z.array(MessageSchema.extend({ deliveryId: z.string().nullable() })).readonly(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const items = await listInbox(db, customerId, { unreadOnly: request.query.unread === 'true' })
      return { items: items.map((i) => ({ ...messageBody(i.message), deliveryId: i.deliveryId })) }
    },
  )

  app.post(
    '/v1/customers/:identity/inbox/:messageId/read',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: 'Mark an inbox message read (the delivery becomes opened)',
        security,
        params: MessageParams,
        response: { 200: z.object({ read: z.literal(true) }), ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const found = await markInboxRead(db, customerId, request.params.messageId, deps.clock.now())
      if (!found)
        throw interactError({ type: 'unknown_message', messageId: request.params.messageId })
      return { read: true as const }
    },
  )

  app.get(
    '/v1/customers/:identity/preference-link',
    {
      preHandler: act,
      schema: {
        tags: ['interact'],
        summary: "A signed, expiring link to the customer's preference page",
        security,
        params: Params,
        querystring: z.object({ days: z.coerce.number().int().min(1).max(90).default(30) }),
        response: { 200: z.object({ url: z.string(), expiresAt: z.number() }), ...ERRORS },
      },
    },
    async (request) => {
      const customerId = await customer(request, request.params.identity)
      const ttl = request.query.days * 86_400_000
      const { links } = await services()
      return { url: links.preferences(customerId, ttl), expiresAt: deps.clock.now() + ttl }
    },
  )

  app.post(
    '/v1/deliveries/process',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags: ['interact'],
        summary: 'Send held messages whose time has come (re-checking consent and caps)',
        security,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(500) }),
        response: {
          200: z.object({
            processed: z
              .array(
                z.object({
                  deliveryId: z.string(),
                  customerId: z.string(),
                  status: z.string(),
                  reason: z.string().nullable(),
                }),
              )
              .readonly(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => ({
      processed: await processDueDeliveries(await services(), { limit: request.query.limit }),
    }),
  )

  app.get(
    '/v1/deliveries/report',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['interact'],
        summary: 'Sent, opened, clicked and converted messages by channel and topic over a period',
        description:
          'Counts deliveries that left in [from, to) (default: the 30 days before now), with the revenue of the orders ' +
          'credited to them (attribution window IDIC_ATTRIBUTION_WINDOW_DAYS, default 7). Opens include clicks.',
        security,
        querystring: z.object({
          from: z.string().max(40).optional().describe('ISO date or date-time (UTC when no zone)'),
          to: z.string().max(40).optional().describe('ISO date or date-time; default now'),
          days: z.coerce
            .number()
            .positive()
            .max(3660)
            .optional()
            .describe('without from: days before to'),
          kind: z.enum(REPORT_KINDS).default('marketing'),
        }),
        response: { 200: DeliveryReportSchema, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { kind, ...period } = request.query
      const parsed = parseReportPeriod(period, deps.clock.now())
      if (!parsed.ok) {
        throw new RequestError('invalid_input', 400, parsed.error.message, {
          field: parsed.error.field,
        })
      }
      return reportDeliveries(db, { ...parsed.value, kind })
    },
  )
}
