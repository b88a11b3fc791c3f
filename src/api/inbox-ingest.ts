import type { Clock } from '../core/clock.js'
import { encodeInboxBatch } from '../identify/inbox-payload.js'
import { existingMessageIds, type IngestDeps } from '../identify/ingest-events.js'
import { validateBatch } from '../identify/validate-batch.js'
import type { InteractProjectionSettings } from '../interact/project-interact-events.js'
import { InboxFile, inboxPathFor, type InboxEntryHead } from '../store/inbox-file.js'
import { readProcessedSeq } from '../store/ingest-progress.repository.js'
import { InboxProcessorThread } from './inbox-processor-thread.js'
import type {
  IngestAck,
  IngestBacklog,
  IngestCallOptions,
  IngestPipeline,
} from './ingest-pipeline.js'

export interface InboxIngestOptions {
  /** The SQLite database file; the inbox lives beside it (`inboxPathFor`). */
  readonly databasePath: string
  readonly settings: InteractProjectionSettings
  readonly maxBacklogEvents: number
  /** Nice value of the processor thread. */
  readonly processorNice: number
  /** Told when the processor fails a round or sets a batch aside (it goes on by itself). */
  readonly onProcessorError?: (message: string) => void
}

interface Waiter {
  readonly seq: number
  readonly resolve: () => void
}

/**
 * Ingestion through the inbox (SQLite files): a batch is validated as before, its accepted
 * events are committed to the inbox file in one row, and the answer goes out; the processor
 * thread then writes them to the database as the direct path would. Reads wait on `drained`.
 *
 * When more than `maxBacklogEvents` events are pending, a new batch waits for the processor to
 * make room before it is appended and acknowledged: the answer then costs what processing
 * costs, as on the direct path, instead of the backlog growing without end.
 */
export class InboxIngest implements IngestPipeline {
  readonly mode = 'inbox' as const
  private readonly pending: InboxEntryHead[]
  private pendingEvents: number
  private appendedSeq: number
  private processedSeq: number
  private failedBatches = 0
  private readonly waiters: Waiter[] = []
  private readonly processor: InboxProcessorThread
  private closing: Promise<void> | null = null

  private constructor(
    private readonly deps: IngestDeps,
    private readonly inbox: InboxFile,
    processedSeq: number,
    private readonly options: InboxIngestOptions,
  ) {
    this.processedSeq = processedSeq
    this.pending = inbox.headsAfterSeq(processedSeq)
    this.pendingEvents = this.pending.reduce((sum, entry) => sum + entry.eventCount, 0)
    this.appendedSeq = Math.max(processedSeq, this.pending.at(-1)?.seq ?? 0)
    // The thread processes what a previous run left as soon as it starts.
    this.processor = new InboxProcessorThread(
      {
        databasePath: options.databasePath,
        inboxPath: inboxPathFor(options.databasePath),
        settings: options.settings,
        nice: options.processorNice,
      },
      {
        onProcessed: (seq) => {
          this.markProcessed(seq)
        },
        onSetAside: () => {
          this.failedBatches += 1
          options.onProcessorError?.('an inbox batch failed and was kept in ingest_inbox_failures')
        },
        onError: (message) => options.onProcessorError?.(message),
      },
    )
  }

  /** Opens the inbox beside the database file and starts its processor thread. */
  static async open(deps: IngestDeps, options: InboxIngestOptions): Promise<InboxIngest> {
    const processedSeq = await readProcessedSeq(deps.store.db)
    const inbox = InboxFile.open(inboxPathFor(options.databasePath), 'elsewhere')
    inbox.ensureSeqAbove(processedSeq)
    return new InboxIngest(deps, inbox, processedSeq, options)
  }

  async ingest(rawEvents: readonly unknown[], options: IngestCallOptions): Promise<IngestAck> {
    if (this.closing !== null) throw new Error('ingestion is shutting down')
    const batch = validateBatch(this.deps, rawEvents, options)
    let duplicates = batch.batchDuplicates.length
    let fresh = batch.valid
    if (fresh.length > 0) {
      // Repeats of events stored already are answered as duplicates, as on the direct path; a
      // repeat of one still in the inbox is acknowledged and dropped by the processor.
      const stored = await existingMessageIds(
        this.deps.store.db,
        fresh.map((e) => e.messageId),
      )
      if (stored.size > 0) {
        fresh = fresh.filter((e) => !stored.has(e.messageId))
        duplicates += stored.size
      }
    }
    if (fresh.length > 0) {
      await this.reserveRoom(fresh.length)
      let seq: number
      try {
        const payload = encodeInboxBatch({ sentAt: options.sentAt ?? null, events: fresh })
        seq = this.inbox.append(batch.receivedAt, fresh.length, payload)
      } catch (error) {
        this.pendingEvents -= fresh.length
        throw error
      }
      this.pending.push({ seq, receivedAt: batch.receivedAt, eventCount: fresh.length })
      this.appendedSeq = seq
      this.processor.wake()
    }
    return { accepted: fresh.length, duplicates, rejected: batch.rejected }
  }

  drained(): Promise<void> {
    return this.processedThrough(this.appendedSeq)
  }

  backlog(): IngestBacklog {
    const oldest = this.pending[0]
    return {
      mode: 'inbox',
      appendedSeq: this.appendedSeq,
      processedSeq: this.processedSeq,
      pendingBatches: this.pending.length,
      pendingEvents: this.pendingEvents,
      lagMs: oldest === undefined ? 0 : Math.max(0, this.clock.now() - oldest.receivedAt),
      maxBacklogEvents: this.options.maxBacklogEvents,
      failedBatches: this.failedBatches,
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drained()
      await this.processor.stop()
      this.inbox.close()
    })()
    return this.closing
  }

  private get clock(): Clock {
    return this.deps.clock
  }

  private processedThrough(seq: number): Promise<void> {
    if (this.processedSeq >= seq) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve })
    })
  }

  /**
   * Waits while the backlog is full (and not empty: a batch larger than the limit still goes),
   * then counts the events as pending at once, so batches woken together do not all pass.
   */
  private async reserveRoom(events: number): Promise<void> {
    while (this.pendingEvents > 0 && this.pendingEvents + events > this.options.maxBacklogEvents) {
      const next = this.pending[0]
      await (next === undefined
        ? this.processedThrough(this.appendedSeq + 1)
        : this.processedThrough(next.seq))
    }
    this.pendingEvents += events
  }

  private markProcessed(seq: number): void {
    if (seq <= this.processedSeq) return
    this.processedSeq = seq
    // This thread appends, so it deletes too: the processor only reads the inbox.
    this.inbox.deleteThrough(seq)
    let done = 0
    for (const entry of this.pending) {
      if (entry.seq > seq) break
      this.pendingEvents -= entry.eventCount
      done += 1
    }
    this.pending.splice(0, done)
    // Another process (a CLI command) may have processed batches this one has not appended.
    if (seq > this.appendedSeq) this.appendedSeq = seq
    const ready = this.waiters.filter((waiter) => waiter.seq <= seq)
    if (ready.length === 0) return
    const waiting = this.waiters.filter((waiter) => waiter.seq > seq)
    this.waiters.splice(0, this.waiters.length, ...waiting)
    for (const waiter of ready) waiter.resolve()
  }
}
