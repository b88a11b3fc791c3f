import { ingestEvents, type IngestDeps } from '../identify/ingest-events.js'
import type { EventType } from '../identify/segment-event.js'
import type { RejectedEvent } from '../identify/validate-batch.js'

/** What the ingest routes answer with. */
export interface IngestAck {
  /** Events acknowledged now: stored, or committed to the inbox to be stored. */
  readonly accepted: number
  /** Events whose messageId is stored already, or repeated within the batch. */
  readonly duplicates: number
  readonly rejected: readonly RejectedEvent[]
}

export const INGEST_MODES = ['inbox', 'direct'] as const
export type IngestMode = (typeof INGEST_MODES)[number]

/** How far processing is behind acknowledgement. */
export interface IngestBacklog {
  readonly mode: IngestMode
  /** Sequence number of the last acknowledged inbox batch (0 on the direct path). */
  readonly appendedSeq: number
  /** Sequence number up to which every batch is written to the database. */
  readonly processedSeq: number
  readonly pendingBatches: number
  readonly pendingEvents: number
  /** Age of the oldest acknowledged, unprocessed batch (0 when none). */
  readonly lagMs: number
  /** Pending events beyond which a new batch waits for room before it is acknowledged. */
  readonly maxBacklogEvents: number
  /** Batches this process's processor set aside in `ingest_inbox_failures`. */
  readonly failedBatches: number
}

export interface IngestCallOptions {
  readonly impliedType?: EventType
  readonly sentAt?: string | null
}

/**
 * The way from an accepted request to stored rows: directly (each batch processed before the
 * answer) or through the inbox (each batch committed to the inbox before the answer, processed
 * on a worker thread after it). Either way an acknowledged event is committed before the answer.
 */
export interface IngestPipeline {
  readonly mode: IngestMode
  ingest(rawEvents: readonly unknown[], options: IngestCallOptions): Promise<IngestAck>
  /**
   * Resolves once every batch acknowledged before the call is written to the database: reads
   * wait for it, so what a client was told is stored is what it reads back.
   */
  drained(): Promise<void>
  backlog(): IngestBacklog
  /** Drains what is pending and stops the processor. */
  close(): Promise<void>
}

/** Each batch validated, resolved and stored before the answer (PostgreSQL, in-memory SQLite). */
export function directIngest(deps: IngestDeps): IngestPipeline {
  return {
    mode: 'direct',
    ingest: async (rawEvents, options) => {
      const report = await ingestEvents(deps, rawEvents, {
        ...(options.impliedType === undefined ? {} : { impliedType: options.impliedType }),
        sentAt: options.sentAt ?? null,
      })
      return {
        accepted: report.accepted,
        duplicates: report.duplicates,
        rejected: report.rejected,
      }
    },
    drained: () => Promise.resolve(),
    backlog: () => ({
      mode: 'direct',
      appendedSeq: 0,
      processedSeq: 0,
      pendingBatches: 0,
      pendingEvents: 0,
      lagMs: 0,
      maxBacklogEvents: 0,
      failedBatches: 0,
    }),
    close: () => Promise.resolve(),
  }
}
