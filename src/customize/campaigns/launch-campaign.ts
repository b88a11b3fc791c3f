import type { Insertable, Kysely } from 'kysely'
import { newId, newIdsInOrder } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import type { CampaignAssignmentsTable } from '../../store/tables/campaigns.table.js'
import { assignHoldout, selectPilot } from './assign-holdout.js'
import { recentActivity, strataOf } from './campaign-audience.js'
import {
  CAMPAIGN_STRATEGIES,
  CampaignInputSchema,
  segmentsOf,
  strategyIssues,
  campaignMessageKey,
  restDelayMs,
  isGated,
  type Campaign,
  type CampaignStatus,
} from './campaign-definition.js'
import type { CampaignDeps, CampaignProblem } from './campaign-ports.js'
import { getCampaign, insertCampaign, moveCampaignStatus } from './campaigns.repository.js'
import { enqueueJobs, type NewJob } from './job-queue.js'
import { planCampaign } from './plan-campaign.js'

/** The queue campaign sends travel on. */
export const CAMPAIGN_QUEUE = 'campaign-send'

/** Payload of one campaign send job. */
export interface CampaignJobPayload {
  readonly campaignId: string
  readonly customerId: string
}

export type CreateCampaignError = {
  readonly type: 'invalid_campaign'
  readonly problems: readonly CampaignProblem[] | readonly { path: string; message: string }[]
}

/**
 * Validates a campaign as asked for (shape first, then what it names and reaches) and stores it
 * as a draft. Every problem is listed; nothing is stored when there is one.
 */
export async function createCampaign(
  deps: Pick<CampaignDeps, 'store' | 'interact' | 'templates' | 'segments' | 'offers'>,
  input: unknown,
  nowMs: number,
): Promise<Result<Campaign, CreateCampaignError>> {
  const parsed = CampaignInputSchema.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }))
    // The strategy's own rules do not run when other fields failed; run them here.
    const raw =
      typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {}
    const strategy = CAMPAIGN_STRATEGIES.find((s) => s === raw['strategy'])
    if (strategy !== undefined) {
      for (const issue of strategyIssues({ ...raw, strategy })) {
        const path = issue.path.join('.')
        if (!problems.some((p) => p.path === path)) problems.push({ path, message: issue.message })
      }
    }
    return err({ type: 'invalid_campaign', problems })
  }
  const spec = parsed.data
  const plan = await planCampaign(deps, {
    strategy: spec.strategy,
    channel: spec.channel,
    topic: spec.topic,
    templateName: spec.templateName ?? null,
    segmentId: spec.segmentId ?? null,
    variants: spec.variants ?? null,
  })
  if (!plan.ok) return err(plan.error)
  return ok(await insertCampaign(deps.store.db, newId('cmp', nowMs), spec, nowMs))
}

export interface LaunchReport {
  readonly campaignId: string
  readonly consenting: number
  readonly eligible: number
  readonly treatment: number
  readonly holdout: number
  /** Treated customers in the pilot (sent first). */
  readonly pilot: number
  /** The pilot's counterpart in the holdout: its most active share, by the same rule. */
  readonly pilotHoldout: number
  readonly enqueued: number
  /** Customers per tier (stratum): treatment and holdout. */
  readonly strata: Readonly<Record<string, { treatment: number; holdout: number }>>
}

export type LaunchError =
  | { readonly type: 'not_found'; readonly campaignId: string }
  | { readonly type: 'not_launchable'; readonly status: CampaignStatus }
  | { readonly type: 'invalid_campaign'; readonly problems: readonly CampaignProblem[] }

/**
 * Launches a draft campaign: checks it again (templates, segments, audience may have changed),
 * splits the audience into treatment and a holdout stratified by tier, picks the pilot (the
 * most active treated customers) when asked, and — in one transaction with the move to
 * `running` — records every assignment and enqueues one send job per treated customer. The
 * holdout gets no job: it is never contacted. Workers (`runCampaignWorker`) do the sending.
 */
export async function launchCampaign(
  deps: Pick<CampaignDeps, 'store' | 'interact' | 'templates' | 'segments' | 'offers'>,
  campaignId: string,
  nowMs: number,
): Promise<Result<LaunchReport, LaunchError>> {
  const { db } = deps.store
  const campaign = await getCampaign(db, campaignId)
  if (campaign === null) return err({ type: 'not_found', campaignId })
  if (campaign.status !== 'draft' && campaign.status !== 'failed') {
    return err({ type: 'not_launchable', status: campaign.status })
  }
  // Segments as of the launch: recomputed from their rules, not as last refreshed.
  for (const segmentId of segmentsOf(campaign)) {
    if ((await deps.segments.find(segmentId)) !== null)
      await deps.segments.refresh(segmentId, nowMs)
  }
  const plan = await planCampaign(deps, campaign)
  if (!plan.ok) return err(plan.error)
  const ids = plan.value.targets.map((t) => t.customerId)
  const strata = await strataOf(db, ids)
  const assigned = assignHoldout(
    plan.value.targets.map((t) => ({
      customerId: t.customerId,
      stratum: strata.get(t.customerId) ?? 'unscored',
    })),
    campaign.seed,
    campaign.holdoutShare,
  )
  // Customer order throughout: assignments, jobs and their ids follow it, so the worker, which
  // claims jobs in id order, reads and updates neighbouring rows batch by batch.
  assigned.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
  const treated = assigned.filter((a) => a.group === 'treatment')
  if (treated.length === 0) {
    return err({
      type: 'invalid_campaign',
      problems: [
        {
          path: 'holdoutShare',
          code: 'no_treated_customers',
          message: `all ${assigned.length} eligible customers fall in the holdout; lower holdoutShare or widen the audience`,
        },
      ],
    })
  }
  // The pilot: the most active share of the treated, sent first. The same rule picks its
  // counterpart in the holdout (never contacted), so the pilot is measured against customers as
  // active as itself, not against the whole holdout.
  const pilot = new Set<string>()
  let pilotSent = 0
  if (campaign.pilot !== null) {
    const activity = await recentActivity(
      db,
      assigned.map((a) => a.customerId),
      nowMs,
    )
    for (const group of ['treatment', 'holdout'] as const) {
      const chosen = selectPilot(
        assigned
          .filter((a) => a.group === group)
          .map((a) => ({ customerId: a.customerId, activity: activity.get(a.customerId) ?? 0 })),
        campaign.seed,
        campaign.pilot.share,
      )
      for (const id of chosen) pilot.add(id)
      if (group === 'treatment') pilotSent = chosen.size
    }
  }
  if (isGated(campaign.pilot)) {
    const counterpart = pilot.size - pilotSent
    const rest = treated.length - pilotSent
    if (campaign.pilot.waitHours < 1) {
      // Stored before create refused it: a gate needs a wait to judge.
      return err({
        type: 'invalid_campaign',
        problems: [
          {
            path: 'pilot.waitHours',
            code: 'no_pilot_comparison',
            message: `promoteIf ${campaign.pilot.promoteIf} judges the pilot on what it did during the wait; give it waitHours of at least 1`,
          },
        ],
      })
    }
    if (pilotSent === 0 || counterpart === 0 || rest === 0) {
      return err({
        type: 'invalid_campaign',
        problems: [
          {
            path: 'pilot.promoteIf',
            code: 'no_pilot_comparison',
            message: `promoteIf ${campaign.pilot.promoteIf} compares the pilot with its counterpart in the holdout to decide on the rest, but ${pilotSent} treated and ${counterpart} held-out customers fall in the pilot, leaving ${rest} for the rest (share ${campaign.pilot.share} of ${treated.length} treated and ${assigned.length - treated.length} held out); change pilot.share or holdoutShare, or widen the audience`,
          },
        ],
      })
    }
  }
  // The rest waits for the pilot; its attribution window opens when it becomes due.
  const restAfter = nowMs + restDelayMs(campaign.pilot)
  const variantOf = new Map(plan.value.targets.map((t) => [t.customerId, t.variant]))
  const launched = await db.transaction().execute(async (trx) => {
    const moved = await moveCampaignStatus(
      trx,
      campaign.id,
      ['draft', 'failed'],
      'running',
      nowMs,
      {
        launchedAt: nowMs,
      },
    )
    if (!moved) return null
    await insertAssignments(
      trx,
      assigned.map((a) => ({
        campaign_id: campaign.id,
        customer_id: a.customerId,
        grp: a.group,
        stratum: a.stratum,
        variant: variantOf.get(a.customerId) ?? null,
        pilot: pilot.has(a.customerId) ? 1 : 0,
        assigned_at: nowMs,
        send_status: a.group === 'holdout' ? 'holdout' : 'queued',
        send_reason: null,
        message_id: null,
        sent_at: null,
      })),
    )
    const jobIds = newIdsInOrder('job', treated.length, nowMs)
    const jobs: NewJob[] = treated.map((a, i) => ({
      id: jobIds[i]!,
      queue: CAMPAIGN_QUEUE,
      payload: { campaignId: campaign.id, customerId: a.customerId } satisfies CampaignJobPayload,
      idempotencyKey: campaignMessageKey(campaign.id, a.customerId),
      runAfter: campaign.pilot === null || pilot.has(a.customerId) ? nowMs : restAfter,
    }))
    return enqueueJobs({ db: trx, capabilities: deps.store.capabilities }, jobs, nowMs)
  })
  if (launched === null) {
    const now = await getCampaign(db, campaign.id)
    return err({ type: 'not_launchable', status: now?.status ?? 'running' })
  }
  const perStratum: Record<string, { treatment: number; holdout: number }> = {}
  for (const a of assigned) {
    const s = (perStratum[a.stratum] ??= { treatment: 0, holdout: 0 })
    s[a.group] += 1
  }
  return ok({
    campaignId: campaign.id,
    consenting: plan.value.consenting,
    eligible: assigned.length,
    treatment: treated.length,
    holdout: assigned.length - treated.length,
    pilot: pilotSent,
    pilotHoldout: pilot.size - pilotSent,
    enqueued: launched.enqueued,
    strata: perStratum,
  })
}

async function insertAssignments(
  db: Kysely<Database>,
  rows: readonly Insertable<CampaignAssignmentsTable>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    await db
      .insertInto('campaign_assignments')
      .values(rows.slice(start, start + 500))
      .execute()
  }
}
