import { z } from 'zod'
import { RequestError } from '../core/errors.js'
import type { AnswerError, InboundError } from '../interact/dialogue.js'
import type { Delivery } from '../interact/deliveries.repository.js'
import type { Message } from '../interact/messages.repository.js'
import type { SendError } from '../interact/send-request.js'

const Json = z.record(z.string(), z.unknown())

export const MessageSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    channel: z.string(),
    kind: z.string(),
    status: z.string().nullable().describe('questions and complaints: open, answered, closed'),
    ownerManagerId: z.string().nullable(),
    topic: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string(),
    data: Json,
    inReplyTo: z.string().nullable(),
    readAt: z.number().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: 'Message' })

export const DeliverySchema = z
  .object({
    id: z.string(),
    messageId: z.string(),
    channel: z.string(),
    status: z
      .string()
      .describe('queued, held, sent, delivered, failed, dead, dropped, opened, clicked, converted'),
    address: z.string().nullable(),
    attempts: z.number(),
    holdReason: z.string().nullable().describe('frequency_cap or quiet_hours'),
    nextAttemptAt: z.number().nullable(),
    lastError: z.string().nullable(),
    history: z
      .array(
        z.object({
          status: z.string(),
          at: z.number(),
          error: z.string().optional(),
          reason: z.string().optional(),
          orderId: z.string().optional(),
          revenue: z.number().optional(),
          currency: z.string().optional(),
        }),
      )
      .readonly(),
    queuedAt: z.number(),
    sentAt: z.number().nullable(),
    deliveredAt: z.number().nullable(),
    failedAt: z.number().nullable(),
    openedAt: z.number().nullable(),
    clickedAt: z.number().nullable(),
    conversion: z
      .object({
        at: z.number().describe('when the order was placed'),
        orderId: z.string(),
        revenue: z.number(),
        currency: z.string(),
      })
      .nullable()
      .describe(
        "the order credited to this marketing message: an order is credited to the customer's most recent unconverted marketing delivery sent within the attribution window before it",
      ),
  })
  .meta({ id: 'Delivery' })

const ReportCounts = {
  sent: z.number().int(),
  opened: z.number().int().describe('opened or clicked'),
  clicked: z.number().int(),
  converted: z.number().int(),
  revenue: z
    .array(z.object({ currency: z.string(), amount: z.number() }))
    .readonly()
    .describe('revenue of the credited orders, per currency'),
  openRate: z.number(),
  clickRate: z.number(),
  conversionRate: z.number(),
}

export const DeliveryReportSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    kind: z.enum(['marketing', 'all']),
    rows: z
      .array(z.object({ channel: z.string(), topic: z.string().nullable(), ...ReportCounts }))
      .readonly(),
    total: z.object(ReportCounts),
  })
  .meta({ id: 'DeliveryReport' })

export const ConsentSchema = z
  .object({
    channel: z.string(),
    topic: z.string().describe('`*` is every topic of the channel'),
    granted: z.boolean(),
    source: z.string(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Consent' })

export function messageBody(m: Message): z.infer<typeof MessageSchema> {
  return {
    id: m.id,
    customerId: m.customerId,
    direction: m.direction,
    channel: m.channel,
    kind: m.kind,
    status: m.status,
    ownerManagerId: m.ownerManagerId,
    topic: m.topic,
    subject: m.subject,
    body: m.body,
    data: m.data,
    inReplyTo: m.inReplyTo,
    readAt: m.readAt,
    createdAt: m.createdAt,
  }
}

export function deliveryBody(d: Delivery): z.infer<typeof DeliverySchema> {
  return {
    id: d.id,
    messageId: d.messageId,
    channel: d.channel,
    status: d.status,
    address: d.address,
    attempts: d.attempts,
    holdReason: d.holdReason,
    nextAttemptAt: d.nextAttemptAt,
    lastError: d.lastError,
    history: d.history.map((h) => ({
      status: h.status,
      at: h.at,
      ...(h.error === undefined ? {} : { error: h.error }),
      ...(h.reason === undefined ? {} : { reason: h.reason }),
      ...(h.orderId === undefined ? {} : { orderId: h.orderId }),
      ...(h.revenue === undefined ? {} : { revenue: h.revenue }),
      ...(h.currency === undefined ? {} : { currency: h.currency }),
    })),
    queuedAt: d.queuedAt,
    sentAt: d.sentAt,
    deliveredAt: d.deliveredAt,
    failedAt: d.failedAt,
    openedAt: d.openedAt,
    clickedAt: d.clickedAt,
    conversion: d.conversion,
  }
}

/** The HTTP answer to an expected refusal of Interact. */
export function interactError(error: SendError | AnswerError | InboundError): RequestError {
  switch (error.type) {
    case 'unknown_customer':
      return new RequestError('not_found', 404, `Customer "${error.identity}" not found`, error)
    case 'unknown_message':
      return new RequestError('not_found', 404, `Message "${error.messageId}" not found`, error)
    case 'missing_topic':
      return new RequestError(
        'invalid_input',
        400,
        'Marketing messages need a consent topic',
        error,
      )
    case 'invalid_rating':
      return new RequestError('invalid_input', 400, error.message, error)
    case 'not_answerable':
      return new RequestError(
        'not_answerable',
        409,
        `Only questions and complaints are answered; this is a ${error.kind}`,
        error,
      )
    case 'no_consent':
      return new RequestError(
        'no_consent',
        409,
        `The customer has not consented to ${error.topic} on ${error.channel}`,
        error,
      )
    case 'no_address':
      return new RequestError(
        'no_address',
        422,
        `The customer has no ${error.channel} address`,
        error,
      )
    case 'invalid_address':
      return new RequestError(
        'invalid_address',
        422,
        `The customer's address "${error.address}" is not a valid email address`,
        error,
      )
    case 'channel_unavailable':
      return new RequestError(
        'channel_unavailable',
        409,
        `The ${error.channel} channel is not configured on this server`,
        error,
      )
  }
}
