import { workerData } from 'node:worker_threads'
import { IALS_TASK, runIalsTask, type IalsTask } from './ials-tasks.js'
import { CONTROL, type IalsHelperData } from './ials-threads.js'

/**
 * A helper thread of a multi-threaded iALS fit (see openIalsThreadPool): waits for each task on
 * the shared control array, does its share of rows, counts itself done. A failure is flagged
 * for the fitting thread rather than thrown, since that thread waits on the control array.
 */
const { shared, thread, control } = workerData as IalsHelperData
const work = new Float64Array(3 * shared.k)
let generation = Atomics.load(control, CONTROL.generation)
Atomics.add(control, CONTROL.ready, 1)
Atomics.notify(control, CONTROL.ready)
for (;;) {
  Atomics.wait(control, CONTROL.generation, generation)
  generation = Atomics.load(control, CONTROL.generation)
  const task = Atomics.load(control, CONTROL.task) as IalsTask
  if (task === IALS_TASK.exit) break
  try {
    runIalsTask(shared, task, thread, work)
  } catch {
    Atomics.store(control, CONTROL.failed, 1)
  }
  Atomics.add(control, CONTROL.done, 1)
  Atomics.notify(control, CONTROL.done)
}
