/** Tables of the Customize stage's segments. Times are epoch milliseconds. */

/** A named segment rule and the state of its membership. */
export interface SegmentsTable {
  id: string
  name: string
  description: string
  /** JSON: the rule (customize/segments/segment-rule.ts). */
  rule: string
  /** live (kept current as events arrive) | scheduled (recomputed every few minutes) */
  refresh_mode: string
  /** Members at the last refresh, kept up to date by live updates. */
  member_count: number
  refreshed_at: number | null
  created_at: number
  updated_at: number
}

/** One customer in one segment, since `added_at`. */
export interface SegmentMembersTable {
  segment_id: string
  customer_id: string
  added_at: number
}
