// The inbox processor thread (see inbox-processor-thread.ts): its own connection to the
// database file and to the inbox, rounds of processInboxRound until the inbox is empty, each
// round's high-water mark posted back.
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { systemClock } from '../core/clock.js'
import { processInboxRound } from '../identify/process-inbox.js'
import { openStore } from '../store/engine.js'
import { InboxFile } from '../store/inbox-file.js'
import { buildIngestDeps } from './ingest-deps.js'
import type {
  InboxWorkerCommand,
  InboxWorkerData,
  InboxWorkerMessage,
} from './inbox-processor-thread.js'

/** After a failed round (a busy database, say), the next try waits this long. */
const RETRY_MS = 100
/** Rounds between checkpoints of the inbox while a backlog lasts (and one when it is empty). */
const ROUNDS_PER_CHECKPOINT = 16

const port = parentPort
if (port === null) throw new Error('inbox-processor.worker.ts runs as a worker thread')
const data = workerData as InboxWorkerData
// On Linux a nice value belongs to a thread, and 0 names the calling one: this lowers only the
// processor, so acknowledgements (the other thread) go first when both want a core.
if (data.nice > 0) setPriority(0, data.nice)
const store = await openStore(`sqlite:${data.databasePath}`)
const inbox = InboxFile.open(data.inboxPath)
const deps = buildIngestDeps(store, systemClock, data.settings)

const post = (message: InboxWorkerMessage): void => {
  port.postMessage(message)
}

let running: Promise<void> | null = null
/** Set by a wake that came while a pass ran: the pass may have missed the newest batches. */
const woken: { whileRunning: boolean } = { whileRunning: false }
const wokenAgain = (): boolean => woken.whileRunning
let stopped = false

async function processAll(): Promise<void> {
  // The appending connection leaves checkpoints of the inbox to this one (see InboxFile.open).
  for (let rounds = 1; ; rounds += 1) {
    const round = await processInboxRound(deps, inbox)
    if (round.failed > 0) post({ type: 'set-aside', seq: round.processedSeq })
    post({ type: 'processed', seq: round.processedSeq })
    if (round.batches === 0 && round.failed === 0) {
      inbox.checkpoint()
      return
    }
    if (rounds % ROUNDS_PER_CHECKPOINT === 0) inbox.checkpoint()
  }
}

function run(): Promise<void> {
  if (running !== null) {
    woken.whileRunning = true
    return running
  }
  running = (async () => {
    try {
      do {
        woken.whileRunning = false
        await processAll()
      } while (wokenAgain())
    } catch (error) {
      post({
        type: 'round-failed',
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      running = null
      return run()
    }
    running = null
    return undefined
  })()
  return running
}

port.on('message', (command: InboxWorkerCommand) => {
  if (command === 'wake') {
    void run()
    return
  }
  if (stopped) return
  stopped = true
  void (async () => {
    // What is running may have missed the last appends: one more pass after it.
    await run()
    await processAll()
    inbox.close()
    await store.close()
    post({ type: 'stopped' })
  })()
})

void run()
