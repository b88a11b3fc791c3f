import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import type { Database } from '../../store/database.js'
import { refreshDueSegments, type RefreshOutcome } from './segment-service.js'

export interface SegmentRefreshTimer {
  /** Runs one round now (skipped while one is running); resolves when it is done. */
  runOnce(): Promise<void>
  stop(): void
}

export interface SegmentRefreshTimerOptions {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly intervalSeconds: number
  /** Told what each round refreshed (non-empty rounds only). */
  readonly onRefreshed?: (outcomes: readonly RefreshOutcome[]) => void
  /** Told when a round failed as a whole (database unreachable). */
  readonly onError?: (error: unknown) => void
}

/**
 * Refreshes due segments every `intervalSeconds` in this process (`idic serve`): scheduled ones
 * older than the interval, live ones whose inputs changed in bulk. Rounds never overlap; the
 * timer does not keep the process alive.
 */
export function startSegmentRefreshTimer(options: SegmentRefreshTimerOptions): SegmentRefreshTimer {
  const intervalMs = options.intervalSeconds * 1000
  let running: Promise<void> | null = null
  const runOnce = (): Promise<void> => {
    if (running !== null) return running
    running = refreshDueSegments(options.db, options.clock.now(), { intervalMs })
      .then((outcomes) => {
        if (outcomes.length > 0) options.onRefreshed?.(outcomes)
      })
      .catch((error: unknown) => {
        options.onError?.(error)
      })
      .finally(() => {
        running = null
      })
    return running
  }
  const timer = setInterval(() => {
    void runOnce()
  }, intervalMs)
  timer.unref()
  return {
    runOnce,
    stop: () => {
      clearInterval(timer)
    },
  }
}
