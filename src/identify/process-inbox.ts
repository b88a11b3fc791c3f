import type { Clock } from '../core/clock.js'
import { isDatabaseBusy } from '../store/busy-error.js'
import type { InboxFile } from '../store/inbox-file.js'
import {
  claimProcessedSeq,
  recordInboxFailure,
  writeProcessedSeq,
} from '../store/ingest-progress.repository.js'
import { decodeInboxBatch } from './inbox-payload.js'
import { DEFAULT_ORDER_CURRENCY, storeValidatedBatch, type IngestDeps } from './ingest-events.js'

/**
 * Events one round takes from the inbox into one transaction: several acknowledged batches
 * share a commit (a commit was ≈18% of a batch's cost when each batch had its own), while a
 * round stays short enough that other writers wait for it briefly.
 */
export const EVENTS_PER_ROUND = 1000

/** What one round did. */
export interface InboxRound {
  /** The high-water mark after the round: every batch up to it is in the database. */
  readonly processedSeq: number
  readonly batches: number
  readonly events: number
  /** Batches set aside in `ingest_inbox_failures` (0 or 1). */
  readonly failed: number
}

export type InboxProcessorDeps = Pick<IngestDeps, 'store' | 'onStored'> & {
  readonly clock: Clock
}

/**
 * Takes the batches after the database's high-water mark from the inbox and writes them as
 * `ingestEvents` would have, each batch resolved on its own and in order, in one transaction
 * that also moves the mark. The inbox is only read here: whoever appends deletes what the mark
 * has passed (`InboxFile.deleteThrough`), so the processor never holds the inbox's write lock
 * while an append waits for it. The mark is claimed first in
 * the transaction (`claimProcessedSeq`: SQLite's write lock, PostgreSQL's row lock), so
 * processors in two processes (a server and a CLI command) never take the same batch.
 *
 * A round that fails for a reason other than a busy database is tried again one batch at a
 * time; a single batch that still fails is kept whole in `ingest_inbox_failures` and passed
 * over, so one bad batch neither stops ingestion nor is lost. A busy database is thrown: try
 * the round again later.
 */
export async function processInboxRound(
  deps: InboxProcessorDeps,
  inbox: InboxFile,
  maxEvents = EVENTS_PER_ROUND,
): Promise<InboxRound> {
  const { store } = deps
  try {
    const round = await store.capabilities.claimTransaction(store.db, async (trx) => {
      const done = await claimProcessedSeq(trx)
      const entries = inbox.readAfter(done, maxEvents)
      let events = 0
      for (const entry of entries) {
        const batch = decodeInboxBatch(entry.payload)
        await storeValidatedBatch(deps, trx, batch.events, {
          receivedAt: entry.receivedAt,
          sentAt: batch.sentAt,
          defaultCurrency: DEFAULT_ORDER_CURRENCY,
        })
        events += entry.eventCount
      }
      const last = entries.at(-1)?.seq ?? done
      if (last !== done) await writeProcessedSeq(trx, last)
      return { processedSeq: last, batches: entries.length, events, failed: 0 }
    })
    return round
  } catch (error) {
    if (isDatabaseBusy(error)) throw error
    if (maxEvents > 1) return processInboxRound(deps, inbox, 1)
    return setAsideFirst(deps, inbox, error)
  }
}

/** Moves the first batch after the mark to `ingest_inbox_failures` and the mark past it. */
async function setAsideFirst(
  deps: InboxProcessorDeps,
  inbox: InboxFile,
  cause: unknown,
): Promise<InboxRound> {
  const { store } = deps
  const round = await store.capabilities.claimTransaction(store.db, async (trx) => {
    const done = await claimProcessedSeq(trx)
    const entry = inbox.readAfter(done, 1)[0]
    if (entry === undefined) return { processedSeq: done, batches: 0, events: 0, failed: 0 }
    await recordInboxFailure(trx, {
      seq: entry.seq,
      receivedAt: entry.receivedAt,
      payload: entry.payload,
      error: cause instanceof Error ? (cause.stack ?? cause.message) : String(cause),
      failedAt: deps.clock.now(),
    })
    await writeProcessedSeq(trx, entry.seq)
    return { processedSeq: entry.seq, batches: 0, events: 0, failed: 1 }
  })
  return round
}

/**
 * Processes rounds until the inbox holds nothing after the mark (what a previous run left, or
 * what a server beside this process has not reached yet), then deletes what the mark passed.
 * Returns the rounds' totals.
 */
export async function drainInbox(
  deps: InboxProcessorDeps,
  inbox: InboxFile,
): Promise<{ readonly processedSeq: number; readonly batches: number; readonly failed: number }> {
  let batches = 0
  let failed = 0
  for (;;) {
    const round = await processInboxRound(deps, inbox)
    batches += round.batches
    failed += round.failed
    if (round.batches === 0 && round.failed === 0) {
      inbox.deleteThrough(round.processedSeq)
      return { processedSeq: round.processedSeq, batches, failed }
    }
  }
}
