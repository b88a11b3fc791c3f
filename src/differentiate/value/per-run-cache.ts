import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'

/**
 * Aggregates over every score (tier counts, histograms) change when a scoring run stores new
 * figures, and only slightly in between (a merge or an erasure drops a few rows). This keeps each
 * aggregate per (latest model run, key) and recomputes it after a new run or after `maxAgeMs`, so
 * the overview of a million-customer base costs one indexed lookup per request, not a full scan.
 */
export class PerRunCache {
  private readonly entries = new Map<string, { runId: string | null; at: number; value: unknown }>()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly maxAgeMs = 60_000,
  ) {}

  async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const latest = await this.db
      .selectFrom('model_runs')
      .select('id')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    const runId = latest?.id ?? null
    const nowMs = this.now()
    const hit = this.entries.get(key)
    if (hit !== undefined && hit.runId === runId && nowMs - hit.at < this.maxAgeMs) {
      return hit.value as T
    }
    const value = await compute()
    this.entries.set(key, { runId, at: nowMs, value })
    return value
  }
}
