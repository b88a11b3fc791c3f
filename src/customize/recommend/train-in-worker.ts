import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import type { FitProgress, ModelKind, ModelParams, ModelState } from './recommender.js'
import { startModuleWorker } from '../../core/start-module-worker.js'

export type TrainMessage =
  | {
      readonly type: 'progress'
      readonly phase: string
      readonly done: number
      readonly total: number
    }
  | { readonly type: 'done'; readonly state: ModelState }
  | { readonly type: 'error'; readonly message: string }

/**
 * Fits a model in a worker thread, so the process that asked (an API server) keeps answering.
 * Progress is reported through `onProgress` at most every 100 ms; the fitted model comes back
 * as its state (restore it with `restoreRecommender`). The matrix is copied to the worker.
 */
export function trainInWorker(
  kind: ModelKind,
  matrix: CsrMatrix,
  params: ModelParams = {},
  onProgress?: FitProgress,
): Promise<ModelState> {
  const worker = startModuleWorker(import.meta.url, 'train-model.worker', { kind, params, matrix })
  return new Promise<ModelState>((resolve, reject) => {
    let settled = false
    worker.on('message', (msg: TrainMessage) => {
      switch (msg.type) {
        case 'progress':
          onProgress?.(msg.phase, msg.done, msg.total)
          return
        case 'done':
          settled = true
          resolve(msg.state)
          void worker.terminate()
          return
        case 'error':
          settled = true
          reject(new Error(`training ${kind} failed: ${msg.message}`))
          void worker.terminate()
          return
      }
    })
    worker.on('error', (error) => {
      if (!settled) {
        settled = true
        reject(error)
      }
    })
    worker.on('exit', (code) => {
      if (!settled) {
        settled = true
        reject(new Error(`training ${kind}: worker exited with code ${code}`))
      }
    })
  })
}
