/**
 * Tables of campaigns and of the durable job queue that executes them. Times are epoch ms; JSON
 * is stored as text.
 */

/** One unit of work for a worker; claimed under a lease, retried with backoff, dead at last. */
export interface JobsTable {
  id: string
  queue: string
  /** JSON payload the queue's handler understands. */
  payload: string
  /** Unique: enqueueing the same work twice adds nothing. */
  idempotency_key: string
  /** queued | running | done | failed | dead */
  status: string
  /** Claims so far (a crashed worker's claim counts). */
  attempts: number
  max_attempts: number
  /** Not claimed before this time (backoff after a failure). */
  run_after: number
  /** Worker holding the lease while running. */
  locked_by: string | null
  /** Lease end: after it, another worker may take the job again. */
  locked_until: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

/** A campaign: whom it targets (strategy), what it sends, and how it is measured. */
export interface CampaignsTable {
  id: string
  name: string
  /** mass | concentrated | differentiated | one-to-one */
  strategy: string
  channel: string
  /** Consent topic the messages go out under. */
  topic: string
  /** Template of mass, concentrated and one-to-one campaigns. */
  template_name: string | null
  /** Differentiated: JSON array of { segmentId, templateName }, first match wins. */
  variants: string | null
  /** Concentrated: the one segment targeted. */
  segment_id: string | null
  holdout_share: number
  attribution_days: number
  /** Seed of the holdout draw (defaults to the campaign id). */
  seed: string
  /** draft | running | sent | completed | failed */
  status: string
  /** JSON { share, waitHours, promoteIf, promoteOn } or null. */
  pilot: string | null
  /** JSON PilotDecision once the rest of a gated pilot came due; null before and otherwise. */
  pilot_decision: string | null
  last_error: string | null
  created_at: number
  launched_at: number | null
  completed_at: number | null
  updated_at: number
}

/** Which arm each eligible customer is in, and what came of their send. */
export interface CampaignAssignmentsTable {
  campaign_id: string
  customer_id: string
  /** treatment | holdout */
  grp: string
  /** Tier at assignment, or `unscored`. */
  stratum: string
  /** Differentiated: the segment whose variant they get; otherwise null. */
  variant: string | null
  /**
   * 1 when in the pilot (the most active treated customers, sent first) or, in the holdout, in
   * its counterpart (the holdout's most active share, picked by the same rule).
   */
  pilot: number
  assigned_at: number
  /** holdout | queued | sent | held | dropped | skipped | failed */
  send_status: string
  /** Why held, dropped, skipped or failed: quiet_hours, frequency_cap, no_consent, … */
  send_reason: string | null
  message_id: string | null
  sent_at: number | null
}
