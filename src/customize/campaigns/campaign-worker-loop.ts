import type { CampaignDeps } from './campaign-ports.js'
import { runCampaignWorker, type WorkerReport } from './campaign-worker.js'

export interface WorkerLoop {
  /** Stops the timer and waits for the round in progress (if any) to finish. */
  stop(): Promise<void>
}

/**
 * Runs the campaign worker every `intervalMs` inside a long-lived process (`idic serve`): one
 * round at a time (a slow round is never overlapped by the next), errors reported and the loop
 * kept alive. Jobs left running by a crash of this process are retaken by the next round after
 * their lease.
 */
export function startCampaignWorkerLoop(
  deps: CampaignDeps,
  options: {
    readonly workerId: string
    readonly intervalMs: number
    readonly onRound?: (report: WorkerReport) => void
    readonly onError?: (error: unknown) => void
  },
): WorkerLoop {
  let running: Promise<void> | null = null
  const tick = (): void => {
    if (running !== null) return
    running = runCampaignWorker(deps, { workerId: options.workerId })
      .then((report) => {
        if (report.claimed > 0) options.onRound?.(report)
      })
      .catch((error: unknown) => {
        options.onError?.(error)
      })
      .finally(() => {
        running = null
      })
  }
  const timer = setInterval(tick, options.intervalMs)
  timer.unref()
  tick()
  return {
    stop: async () => {
      clearInterval(timer)
      await running
    },
  }
}
