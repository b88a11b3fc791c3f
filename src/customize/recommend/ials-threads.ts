import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { CsrMatrix } from '../../numeric/csr-matrix.js'
import { IALS_TASK, runIalsTask, type IalsShared, type IalsTask } from './ials-tasks.js'
import { startModuleWorker } from '../../core/start-module-worker.js'

/** Below this many cell-factor products per sweep a helper's start-up costs more than it saves. */
const MIN_THREADED_WORK = 1 << 22

/**
 * Threads an iALS fit uses unless told: two, or one on a single-core machine, and one for a
 * problem so small (nonzeros × factors under 4 M) that starting a helper thread (~0.1–0.5 s)
 * would cost more than it saves.
 */
export function defaultIalsThreads(nonzeros: number, factors: number): number {
  if (nonzeros * factors < MIN_THREADED_WORK) return 1
  return Math.max(1, Math.min(2, availableParallelism()))
}

/** Slots of the control array the fitting thread and its helpers synchronize on. */
export const CONTROL = { generation: 0, task: 1, done: 2, ready: 3, failed: 4, length: 5 } as const

/** What a helper thread receives: the shared state, its thread index and the control array. */
export interface IalsHelperData {
  readonly shared: IalsShared
  readonly thread: number
  readonly control: Int32Array
}

/** How long helpers may take to start (load their code) before the fit goes on without them. */
const START_TIMEOUT_MS = 60_000

/**
 * Runs each task on the calling thread and `threads − 1` helper threads at once, synchronously:
 * the caller posts the task through a shared control array (Atomics), does its own share, then
 * waits until every helper has done its share. Blocking is fine where iALS is fitted: in a
 * training worker, a CLI or a benchmark.
 */
export interface IalsThreadPool {
  run(task: IalsTask): void
  close(): void
}

/** A SharedArrayBuffer-backed copy of a Float64Array. */
export function sharedFloat64(length: number, from?: Float64Array): Float64Array {
  const a = new Float64Array(new SharedArrayBuffer(8 * length))
  if (from !== undefined) a.set(from)
  return a
}

/** The CSR matrix with its arrays copied into SharedArrayBuffers. */
export function sharedCsr(m: CsrMatrix): CsrMatrix {
  const rowPtr = new Int32Array(new SharedArrayBuffer(4 * m.rowPtr.length))
  rowPtr.set(m.rowPtr)
  const colIdx = new Int32Array(new SharedArrayBuffer(4 * m.colIdx.length))
  colIdx.set(m.colIdx)
  return {
    rows: m.rows,
    cols: m.cols,
    rowPtr,
    colIdx,
    values: sharedFloat64(m.values.length, m.values),
  }
}

/**
 * Starts `shared.threads − 1` helpers over `shared` (its arrays must lie in SharedArrayBuffers).
 * Returns null when they do not all start within a minute: the caller then fits on one thread.
 */
export function openIalsThreadPool(shared: IalsShared): IalsThreadPool | null {
  const helpers = shared.threads - 1
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length))
  const workers: Worker[] = []
  for (let t = 1; t <= helpers; t++) {
    const workerData: IalsHelperData = { shared, thread: t, control }
    const worker = startModuleWorker(import.meta.url, 'ials-helper.worker', workerData)
    worker.unref()
    workers.push(worker)
  }
  const terminate = (): void => {
    for (const w of workers) void w.terminate()
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const ready = Atomics.load(control, CONTROL.ready)
    if (ready === helpers) break
    const left = deadline - Date.now()
    if (left <= 0) {
      terminate()
      return null
    }
    Atomics.wait(control, CONTROL.ready, ready, left)
  }
  const work = new Float64Array(3 * shared.k)
  let closed = false
  const post = (task: IalsTask): void => {
    Atomics.store(control, CONTROL.done, 0)
    Atomics.store(control, CONTROL.task, task)
    Atomics.add(control, CONTROL.generation, 1)
    Atomics.notify(control, CONTROL.generation)
  }
  return {
    run(task) {
      if (closed) throw new Error('iALS thread pool already closed')
      post(task)
      runIalsTask(shared, task, 0, work)
      for (;;) {
        const done = Atomics.load(control, CONTROL.done)
        if (done === helpers) break
        Atomics.wait(control, CONTROL.done, done)
      }
      if (Atomics.load(control, CONTROL.failed) !== 0) {
        this.close()
        throw new Error(`iALS helper thread failed during task ${task}`)
      }
    },
    close() {
      if (closed) return
      closed = true
      post(IALS_TASK.exit)
      terminate()
    },
  }
}
