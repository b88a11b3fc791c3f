/**
 * The worker side of readOrderBatchesInWorker: reads and parses an order file with
 * readOrderBatches and posts each batch, encoded, at most BATCHES_AHEAD ahead of the batches the
 * writer has taken, so memory holds a few batches whatever the file's size.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { encodeBatch, transferables, type OrderBatchMessage } from './order-batch-codec.js'
import { readOrderBatches, type ReadOrderBatchesOptions } from './order-batches.js'
import { HeaderError } from './order-row.js'

interface OrderBatchesWorkerData {
  readonly path: string
  readonly options: ReadOrderBatchesOptions
  readonly batchesAhead: number
}

const port = parentPort
if (port === null) throw new Error('order-batches.worker must run in a worker thread')
const data = workerData as OrderBatchesWorkerData
let credit = data.batchesAhead
let waiting: (() => void) | null = null
// Each message from the writer says it took a batch: one more may be sent.
port.on('message', () => {
  credit += 1
  waiting?.()
  waiting = null
})
try {
  for await (const batch of readOrderBatches(data.path, data.options)) {
    if (credit === 0) {
      await new Promise<void>((resolve) => {
        waiting = resolve
      })
    }
    credit -= 1
    const encoded = encodeBatch(batch)
    const message: OrderBatchMessage = { type: 'batch', batch: encoded }
    port.postMessage(message, transferables(encoded))
  }
  const done: OrderBatchMessage = { type: 'done' }
  port.postMessage(done)
} catch (error) {
  const message: OrderBatchMessage = {
    type: 'error',
    header: error instanceof HeaderError,
    message: error instanceof Error ? error.message : String(error),
  }
  port.postMessage(message)
}
port.close()
