import { sql, type Kysely } from 'kysely'
import { parseJsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import { CAMPAIGN_QUEUE } from './launch-campaign.js'
import {
  campaignMessageKey,
  isGated,
  PilotDecisionSchema,
  restDelayMs,
  type Campaign,
  type PilotConfig,
  type PilotDecision,
} from './campaign-definition.js'
import {
  EMPTY_OUTCOME,
  readCampaignOutcomes,
  upliftReport,
  type ReportInterval,
  type UpliftReport,
} from './campaign-report.js'
import type { GroupOutcome } from './uplift.js'

const showMetric = {
  conversion: 'conversion rate',
  revenue: 'revenue per customer',
  feedback: 'net feedback per customer',
} as const

function format(value: number, metric: PilotConfig['promoteOn']): string {
  return metric === 'conversion' ? `${(100 * value).toFixed(2)} pp` : value.toFixed(2)
}

/**
 * The rule applied to the pilot's uplift over its holdout counterpart (pure). `conversion` looks
 * at the difference in conversion rates, `revenue` and `feedback` at the difference in means per
 * customer (revenue; likes minus skips and dismissals), each with its 95 % interval.
 *
 * `better` sends the rest only when the 95 % interval of the uplift lies above zero; `not-worse`
 * holds it back only when the interval lies below zero (the pilot did significantly worse than
 * customers like it who got nothing). An uplift that cannot be estimated (an empty group, one
 * customer in the revenue interval) is not evidence either way: `better` stops, `not-worse`
 * sends.
 */
export function decidePilot(
  pilot: PilotConfig,
  uplift: UpliftReport | null,
  counts: { readonly pilotCustomers: number; readonly counterpartCustomers: number },
  at: { readonly decidedAt: number; readonly judgedAt: number },
): PilotDecision {
  const metric = pilot.promoteOn
  const interval: ReportInterval | null =
    uplift === null ? null : metric === 'conversion' ? uplift.conversion : uplift.revenuePerCustomer
  const { estimate = null, low = null, high = null } = interval ?? {}
  const what = `${showMetric[metric]} uplift`
  const shown =
    estimate === null || low === null || high === null
      ? `${what} not known`
      : `${what} ${format(estimate, metric)} [${format(low, metric)}, ${format(high, metric)}]`
  const sizes = `${counts.pilotCustomers} piloted, ${counts.counterpartCustomers} in the holdout counterpart`
  let promoted: boolean
  let verdict: string
  if (pilot.promoteIf === 'better') {
    promoted = low !== null && low > 0
    verdict = promoted
      ? 'significantly better than the holdout counterpart: the rest is sent'
      : 'not significantly better than the holdout counterpart: the rest is not sent'
  } else {
    promoted = high === null || high >= 0
    verdict = promoted
      ? 'not significantly worse than the holdout counterpart: the rest is sent'
      : 'significantly worse than the holdout counterpart: the rest is not sent'
  }
  return {
    promoted,
    rule: pilot.promoteIf,
    metric,
    decidedAt: at.decidedAt,
    judgedAt: at.judgedAt,
    estimate,
    low,
    high,
    pilotCustomers: counts.pilotCustomers,
    counterpartCustomers: counts.counterpartCustomers,
    reason: `promoteIf ${pilot.promoteIf}: ${shown} (${sizes}); ${verdict}`,
  }
}

/** Where a gated campaign's rest stands: decided, or to wait (its jobs back to the queue). */
export type PilotGate =
  | { readonly state: 'decided'; readonly decision: PilotDecision }
  | { readonly state: 'waiting'; readonly until: number; readonly why: string }

/**
 * The gate of a campaign's rest: the stored decision, or when to look again, or (the first
 * time it is asked for once the pilot has had its wait) the decision, stored with a conditional
 * write so that concurrent and restarted workers all follow the first one. Null for campaigns
 * without a gate.
 *
 * The pilot has had its wait once every pilot send is recorded and `waitHours` have passed
 * since the last of them (and since the rest was due): a backlog that sends the pilot late
 * pushes the decision back instead of judging a pilot nobody has received. The pilot is then
 * compared with its counterpart on everything from the launch to that moment, the same window
 * for both arms.
 */
export async function pilotGate(
  db: Kysely<Database>,
  campaign: Campaign,
  nowMs: number,
): Promise<PilotGate | null> {
  if (!isGated(campaign.pilot) || campaign.launchedAt === null) return null
  if (campaign.pilotDecision !== null) {
    return { state: 'decided', decision: campaign.pilotDecision }
  }
  const waitMs = restDelayMs(campaign.pilot)
  const restDue = campaign.launchedAt + waitMs
  // A pilot send still to come has a live job; one whose job is gone (dead after its leases
  // ran out, or its customer merged into another) will never be recorded, so it is not waited for.
  const keyPrefix = campaignMessageKey(campaign.id, '')
  const progress = await sql<{ queued: number | string | null; last_sent: number | string | null }>`
    SELECT SUM(CASE WHEN a.send_status = 'queued' AND j.status IN ('queued', 'running')
        THEN 1 ELSE 0 END) AS queued,
      MAX(a.sent_at) AS last_sent
    FROM campaign_assignments a
    LEFT JOIN jobs j ON j.idempotency_key = ${keyPrefix} || a.customer_id
    WHERE a.campaign_id = ${campaign.id} AND a.grp = 'treatment' AND a.pilot = 1`
    .execute(db)
    .then((r) => r.rows[0])
  if (Number(progress?.queued ?? 0) > 0) {
    // Not all of the pilot is out: it needs its whole wait after the last send, at the least.
    return {
      state: 'waiting',
      until: Math.max(restDue, nowMs + waitMs),
      why: 'the pilot is still being sent',
    }
  }
  const lastSent = progress?.last_sent == null ? campaign.launchedAt : Number(progress.last_sent)
  const judgedAt = Math.max(restDue, lastSent + waitMs)
  if (nowMs < judgedAt) return { state: 'waiting', until: judgedAt, why: 'the pilot is waiting' }

  const { pilot, counterpart } =
    campaign.pilot.promoteOn === 'feedback'
      ? await readPilotFeedback(db, campaign.id, { from: campaign.launchedAt, to: judgedAt })
      : await readCampaignOutcomes(db, campaign, judgedAt).then((o) => ({
          pilot: o.pilot,
          counterpart: o.pilotHoldout,
        }))
  const counts = { pilotCustomers: pilot.customers, counterpartCustomers: counterpart.customers }
  // Only like for like: without a counterpart (erased, merged away) the uplift is not known.
  const uplift: UpliftReport | null =
    pilot.customers > 0 && counterpart.customers > 0
      ? upliftReport(pilot, counterpart, 'pilot counterpart in the holdout')
      : null
  const decision = decidePilot(campaign.pilot, uplift, counts, { decidedAt: nowMs, judgedAt })
  await db
    .updateTable('campaigns')
    .set({ pilot_decision: JSON.stringify(decision), updated_at: nowMs })
    .where('id', '=', campaign.id)
    .where('pilot_decision', 'is', null)
    .execute()
  const stored = await db
    .selectFrom('campaigns')
    .select('pilot_decision')
    .where('id', '=', campaign.id)
    .executeTakeFirst()
  return {
    state: 'decided',
    decision:
      stored?.pilot_decision == null
        ? decision
        : PilotDecisionSchema.parse(parseJsonObject(stored.pilot_decision)),
  }
}

interface FeedbackRow {
  grp: string
  customers: number | string
  liked: number | string | null
  net: number | string | null
  net_squares: number | string | null
}

/**
 * Feedback of the pilot and of its holdout counterpart in `[from, to)`: per customer, likes
 * minus skips and dismissals (the "revenue" of the outcome, so its mean gets Welch's interval),
 * and whether they liked anything (the "conversion"). The counterpart got no message, so its
 * feedback is what customers as active as the pilot give anyway, on the site and in the app.
 */
export async function readPilotFeedback(
  db: Kysely<Database>,
  campaignId: string,
  window: { readonly from: number; readonly to: number },
): Promise<{ pilot: GroupOutcome; counterpart: GroupOutcome }> {
  const result = await sql<FeedbackRow>`
    SELECT grp, COUNT(*) AS customers, SUM(CASE WHEN likes > 0 THEN 1 ELSE 0 END) AS liked,
      SUM(net) AS net, SUM(net * net) AS net_squares
    FROM (
      SELECT a.customer_id, a.grp,
        COALESCE(SUM(CASE WHEN i.kind = 'like' THEN 1 WHEN i.kind IS NULL THEN 0 ELSE -1 END), 0)
          AS net,
        COUNT(CASE WHEN i.kind = 'like' THEN 1 ELSE NULL END) AS likes
      FROM campaign_assignments a
      LEFT JOIN interactions i ON i.customer_id = a.customer_id
        AND i.kind IN ('like', 'skip', 'dismiss')
        AND i.occurred_at >= ${window.from}
        AND i.occurred_at < ${window.to}
      WHERE a.campaign_id = ${campaignId} AND a.pilot = 1
      GROUP BY a.customer_id, a.grp
    ) per_customer
    GROUP BY grp`.execute(db)
  let pilot = EMPTY_OUTCOME
  let counterpart = EMPTY_OUTCOME
  for (const row of result.rows) {
    const outcome: GroupOutcome = {
      customers: Number(row.customers),
      conversions: Number(row.liked ?? 0),
      revenue: Number(row.net ?? 0),
      revenueSquares: Number(row.net_squares ?? 0),
    }
    if (row.grp === 'holdout') counterpart = outcome
    else pilot = outcome
  }
  return { pilot, counterpart }
}

/**
 * Sends every queued job of a campaign's rest (treated, outside the pilot, not yet recorded)
 * that would come due before `until` to `until`, with `why` as its last error for operators: one
 * statement, so a waiting rest is not claimed and handed back batch by batch. Returns how many.
 */
export async function postponeRest(
  db: Kysely<Database>,
  campaignId: string,
  wait: { readonly until: number; readonly why: string },
  nowMs: number,
): Promise<number> {
  const result = await sql`
    UPDATE jobs SET run_after = ${wait.until}, last_error = ${`waiting: ${wait.why}`},
      updated_at = ${nowMs}
    WHERE queue = ${CAMPAIGN_QUEUE} AND status = 'queued' AND run_after < ${wait.until}
      AND idempotency_key IN (
        SELECT ${campaignMessageKey(campaignId, '')} || customer_id FROM campaign_assignments
        WHERE campaign_id = ${campaignId} AND grp = 'treatment' AND pilot = 0
          AND send_status = 'queued')`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}
