import { Worker } from 'node:worker_threads'
import type { InteractProjectionSettings } from '../interact/project-interact-events.js'
import { startModuleWorker } from '../core/start-module-worker.js'

/** What the processor thread is started with. */
export interface InboxWorkerData {
  readonly databasePath: string
  readonly inboxPath: string
  readonly settings: InteractProjectionSettings
  /** Nice value of the thread (IDIC_INGEST_PROCESSOR_NICE). */
  readonly nice: number
}

/** Messages from the processor thread. */
export type InboxWorkerMessage =
  | { readonly type: 'processed'; readonly seq: number }
  | { readonly type: 'set-aside'; readonly seq: number }
  | { readonly type: 'round-failed'; readonly error: string }
  | { readonly type: 'stopped' }

/** Messages to the processor thread. */
export type InboxWorkerCommand = 'wake' | 'stop'

export interface InboxProcessorEvents {
  /** Every batch up to `seq` is written to the database. */
  readonly onProcessed: (seq: number) => void
  /** The batch `seq` failed and is kept in `ingest_inbox_failures`. */
  readonly onSetAside: (seq: number) => void
  /** A round or the thread failed; it is tried again. */
  readonly onError: (error: string) => void
}

/** How long a crashed processor thread waits before it is started again. */
const RESTART_MS = 200

/**
 * The inbox processor on a worker thread with its own connection to the database file, so that
 * identity resolution and the row writes run on a second core beside the thread that answers
 * requests. It processes whatever is in the inbox when it starts and whenever it is woken; a
 * thread that dies is started again (the high-water mark says where to go on).
 */
export class InboxProcessorThread {
  private worker: Worker
  private stopping: Promise<void> | null = null

  constructor(
    private readonly data: InboxWorkerData,
    private readonly events: InboxProcessorEvents,
  ) {
    this.worker = this.start()
  }

  wake(): void {
    this.worker.postMessage('wake' satisfies InboxWorkerCommand)
  }

  /** Lets the thread finish what is in the inbox, then ends it. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const worker = this.worker
      worker.on('message', (message: InboxWorkerMessage) => {
        if (message.type === 'stopped') {
          void worker.terminate().then(() => {
            resolve()
          })
        }
      })
      worker.once('exit', () => {
        resolve()
      })
      worker.postMessage('stop' satisfies InboxWorkerCommand)
    })
    return this.stopping
  }

  private start(): Worker {
    const worker = startWorker(this.data)
    worker.on('message', (message: InboxWorkerMessage) => {
      switch (message.type) {
        case 'processed':
          this.events.onProcessed(message.seq)
          break
        case 'set-aside':
          this.events.onSetAside(message.seq)
          break
        case 'round-failed':
          this.events.onError(message.error)
          break
        case 'stopped':
          break
      }
    })
    worker.on('error', (error) => {
      this.events.onError(error.stack ?? error.message)
    })
    worker.on('exit', () => {
      if (this.stopping !== null) return
      setTimeout(() => {
        if (this.stopping !== null) return
        this.worker = this.start()
      }, RESTART_MS).unref()
    })
    return worker
  }
}

function startWorker(workerData: InboxWorkerData): Worker {
  return startModuleWorker(import.meta.url, 'inbox-processor.worker', workerData)
}
