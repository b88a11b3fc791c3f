import { parentPort, workerData } from 'node:worker_threads'
import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import { fitRecommender } from './fit-recommender.js'
import type { ModelKind, ModelParams } from './recommender.js'
import type { TrainMessage } from './train-in-worker.js'

/** The worker side of trainInWorker: fit, report progress, send the state back. */
interface TrainWorkerData {
  readonly kind: ModelKind
  readonly params: ModelParams
  readonly matrix: CsrMatrix
}

const port = parentPort
if (port === null) throw new Error('train-model.worker must run in a worker thread')
const data = workerData as TrainWorkerData
try {
  let lastSent = 0
  const model = fitRecommender(data.kind, data.matrix, data.params, (phase, done, total) => {
    const now = Date.now()
    if (done === total || now - lastSent >= 100) {
      lastSent = now
      const msg: TrainMessage = { type: 'progress', phase, done, total }
      port.postMessage(msg)
    }
  })
  const state = model.exportState()
  const msg: TrainMessage = { type: 'done', state }
  port.postMessage(
    msg,
    Object.values(state.arrays).map((a) => a.buffer as ArrayBuffer),
  )
} catch (error) {
  const msg: TrainMessage = {
    type: 'error',
    message: error instanceof Error ? error.message : String(error),
  }
  port.postMessage(msg)
}
