import { Worker } from 'node:worker_threads'
import { decodeBatch, type OrderBatchMessage } from './order-batch-codec.js'
import type { ParsedBatch, ReadOrderBatchesOptions } from './order-batches.js'
import { HeaderError } from './order-row.js'
import { startModuleWorker } from '../../core/start-module-worker.js'

/** Batches the worker may have parsed before the writer takes them. */
const BATCHES_AHEAD = 2

/**
 * readOrderBatches run in a worker thread: the file is read and parsed there while this thread
 * writes the previous batch, so an import uses two cores. Same batches, same errors (a header
 * without a required column is a HeaderError; any other failure rejects with its message).
 * Stopping early (a failed write) ends the worker.
 */
export async function* readOrderBatchesInWorker(
  path: string,
  options: ReadOrderBatchesOptions,
): AsyncGenerator<ParsedBatch> {
  const worker = startWorker({ path, options, batchesAhead: BATCHES_AHEAD })
  const inbox: OrderBatchMessage[] = []
  // Set from the worker's events; an object so that the loop below reads it afresh.
  const stopped: { failure: Error | null } = { failure: null }
  let wake: (() => void) | null = null
  const notify = (): void => {
    wake?.()
    wake = null
  }
  worker.on('message', (message: OrderBatchMessage) => {
    inbox.push(message)
    notify()
  })
  worker.on('error', (error) => {
    stopped.failure = error
    notify()
  })
  worker.on('exit', (code) => {
    stopped.failure ??= new Error(`the order file reader stopped (exit code ${code})`)
    notify()
  })
  try {
    for (;;) {
      const message = inbox.shift()
      if (message === undefined) {
        if (stopped.failure !== null) throw stopped.failure
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        continue
      }
      if (message.type === 'done') return
      if (message.type === 'error') {
        throw message.header ? new HeaderError(message.message) : new Error(message.message)
      }
      worker.postMessage('taken')
      yield decodeBatch(message.batch)
    }
  } finally {
    await worker.terminate()
  }
}

function startWorker(workerData: unknown): Worker {
  return startModuleWorker(import.meta.url, 'order-batches.worker', workerData)
}
