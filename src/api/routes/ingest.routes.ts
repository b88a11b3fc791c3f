import { z } from 'zod'
import { RequestError } from '../../core/errors.js'
import { EVENT_TYPES, MAX_EVENT_BYTES, type EventType } from '../../identify/segment-event.js'
import { INGEST_MODES, type IngestAck } from '../ingest-pipeline.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { ErrorBodySchema } from '../error-body.js'

const IngestResponse = z.object({
  success: z.literal(true),
  accepted: z
    .number()
    .int()
    .describe(
      'events acknowledged now: committed, stored or (SQLite) in the inbox to be stored before any read',
    ),
  duplicates: z
    .number()
    .int()
    .describe('events with a messageId already stored: acknowledged, not stored twice'),
})

const IngestBacklogBody = z.object({
  mode: z.enum(INGEST_MODES),
  appendedSeq: z.number().int().describe('last acknowledged inbox batch'),
  processedSeq: z.number().int().describe('every batch up to this one is in the database'),
  pendingBatches: z.number().int(),
  pendingEvents: z.number().int(),
  lagMs: z.number().describe('age of the oldest unprocessed batch'),
  maxBacklogEvents: z
    .number()
    .int()
    .describe('pending events beyond which new batches wait for room (IDIC_INGEST_MAX_BACKLOG)'),
  failedBatches: z.number().int().describe('batches set aside in ingest_inbox_failures'),
})

const INGEST_ERRORS = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
  413: ErrorBodySchema,
}

const EVENT_DOC =
  'A Segment spec event (https://segment.com/docs/connections/spec/). Each event needs a userId or an anonymousId; ' +
  'a repeated messageId is acknowledged and not stored twice.'

const BatchBody = z
  .object({
    batch: z.array(z.unknown().describe(EVENT_DOC)).max(10_000),
    sentAt: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    integrations: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('A Segment batch: up to 500 KB in all, 32 KB per event')

/** Events the batch could not take: the good ones in the same batch are stored all the same. */
function rejectionError(report: IngestAck, total: number): RequestError {
  const first = report.rejected[0]
  const kept = report.accepted + report.duplicates
  return new RequestError(
    first?.code === 'event_too_large' && total === 1 ? 'event_too_large' : 'invalid_events',
    first?.code === 'event_too_large' && total === 1 ? 413 : 400,
    `${report.rejected.length} of ${total} events rejected` +
      (kept > 0 ? `; the other ${kept} were stored` : '') +
      (first === undefined ? '' : ` (event ${first.index}: ${first.message})`),
    { accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected },
  )
}

export function registerIngestRoutes(app: ZodApp, context: RouteContext): void {
  const { requireRoles, ingest } = context
  const ingestAuth = requireRoles('write', 'admin')

  app.post(
    '/v1/batch',
    {
      preHandler: ingestAuth,
      config: { ingestBarrier: false },
      schema: {
        tags: ['ingest'],
        summary: 'Send a batch of Segment events',
        description:
          'Segment HTTP Tracking API compatible. Each event is validated on its own: bad events are answered with ' +
          'their index and reason (400), good ones in the same batch are stored. Gzip bodies are accepted.',
        security: [{ writeKey: [] }],
        body: BatchBody,
        response: { 200: IngestResponse, ...INGEST_ERRORS },
      },
    },
    async (request) => {
      const { batch, context, sentAt } = request.body
      const events =
        context === undefined
          ? batch
          : batch.map((event) =>
              typeof event === 'object' && event !== null && !Array.isArray(event)
                ? {
                    ...event,
                    context: { ...context, ...((event as { context?: object }).context ?? {}) },
                  }
                : event,
            )
      const report = await ingest.ingest(events, { sentAt: sentAt ?? null })
      if (report.rejected.length > 0) throw rejectionError(report, batch.length)
      return { success: true as const, accepted: report.accepted, duplicates: report.duplicates }
    },
  )

  for (const type of EVENT_TYPES) registerSingleEventRoute(app, type)

  app.get(
    '/v1/ingest/backlog',
    {
      preHandler: requireRoles('admin'),
      config: { ingestBarrier: false },
      schema: {
        tags: ['ingest'],
        summary: 'How far processing of acknowledged events is behind',
        description:
          'On a SQLite file, acknowledged batches wait in the inbox until the processor thread writes them; ' +
          'reads wait for that. On PostgreSQL (mode direct) every batch is written before its answer.',
        security: [{ secretKey: [] }],
        response: { 200: IngestBacklogBody, 401: ErrorBodySchema, 403: ErrorBodySchema },
      },
    },
    () => ingest.backlog(),
  )

  function registerSingleEventRoute(target: ZodApp, type: EventType): void {
    target.post(
      `/v1/${type}`,
      {
        preHandler: ingestAuth,
        config: { ingestBarrier: false },
        bodyLimit: MAX_EVENT_BYTES + 1024,
        schema: {
          tags: ['ingest'],
          summary: `Send one ${type} event`,
          security: [{ writeKey: [] }],
          body: z.record(z.string(), z.unknown()).describe(EVENT_DOC),
          response: { 200: IngestResponse, ...INGEST_ERRORS },
        },
      },
      async (request) => {
        const report = await ingest.ingest([request.body], { impliedType: type })
        if (report.rejected.length > 0) throw rejectionError(report, 1)
        return { success: true as const, accepted: report.accepted, duplicates: report.duplicates }
      },
    )
  }
}
