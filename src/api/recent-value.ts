/**
 * A value recomputed at most once per `maxAgeMs` of wall time, shared by concurrent callers
 * while it is being computed. For figures a dashboard polls that cost a full count (row counts
 * of a table with millions of events) and may be a few seconds old. Ages are measured on the
 * process's monotonic clock, not the business clock, which tests may stop.
 */
export class RecentValue<T> {
  private value: { readonly at: number; readonly result: Promise<T> } | null = null

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    const nowMs = this.now()
    if (this.value !== null && nowMs - this.value.at < this.maxAgeMs) return this.value.result
    const result = this.compute()
    const entry = { at: nowMs, result }
    this.value = entry
    // A failed computation is not kept: the next caller tries again.
    result.catch(() => {
      if (this.value === entry) this.value = null
    })
    return result
  }
}
