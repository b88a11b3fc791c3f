import type { Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import type { Database } from '../../store/database.js'
import { InfrastructureError } from '../../core/errors.js'
import type { SendError, SendOutcome } from '../../interact/send-request.js'
import type { Result } from '../../core/result.js'
import {
  campaignMessageKey,
  isGated,
  restOpensAfterMs,
  type Campaign,
} from './campaign-definition.js'
import { pilotGate, postponeRest, type PilotGate } from './pilot-gate.js'
import type {
  CampaignDeps,
  PendingRender,
  PreparedTemplate,
  RenderedBatch,
  RenderedContent,
} from './campaign-ports.js'
import {
  countQueued,
  getCampaign,
  moveCampaignStatus,
  readAssignments,
  recordSends,
  type AssignmentRow,
  type SendRecord,
} from './campaigns.repository.js'
import { CAMPAIGN_QUEUE, type CampaignJobPayload } from './launch-campaign.js'
import {
  claimJobs,
  completeJobs,
  DEFAULT_LEASE_MS,
  failJob,
  postponeJobs,
  type Backoff,
  type Job,
} from './job-queue.js'

export interface WorkerOptions {
  /** Holder of the job leases; unique per running worker. */
  readonly workerId: string
  /** Jobs claimed (and contexts built) per round. */
  readonly batchSize?: number
  readonly leaseMs?: number
  readonly backoff?: Backoff
  /** Stop after this many jobs (default: until the queue has nothing due). */
  readonly maxJobs?: number
  /**
   * Sends in flight at once within a batch (default 1). PostgreSQL serves them on several pool
   * connections; SQLite has one connection and gains nothing.
   */
  readonly concurrency?: number
  /** Called after each round with the running totals. */
  readonly onProgress?: (report: WorkerReport) => void
}

/** Where a worker's time went, in milliseconds (for benchmarks and operators). */
export interface WorkerTimings {
  /** Claiming jobs and reading assignments and campaigns. */
  claimMs: number
  /** Choosing next-best offers (one-to-one). */
  offersMs: number
  /** Building the batch's template contexts and rendering. */
  renderMs: number
  /** interact's sendMessages calls (one per batch). */
  sendMs: number
  /** Presentations, assignment outcomes, acknowledgements, retries. */
  recordMs: number
}

export interface WorkerReport {
  /** Jobs claimed. */
  claimed: number
  /** Messages handed over (sent or delivered) or queued on the channel. */
  sent: number
  /** Held by a frequency cap or quiet hours (interact sends them later). */
  held: number
  /** Dropped by a cap or quiet hours (policy `drop`). */
  dropped: number
  /** Not sent: consent withdrawn since launch, no address, customer gone. */
  skipped: number
  /** Render failure, channel refusal, or retries exhausted. */
  failed: number
  /** Sends that failed on the way (database, timeouts) and went back to the queue. */
  retried: number
  /** Sends whose idempotency key had been used: a restarted worker found them done. */
  duplicates: number
  timings: WorkerTimings
}

export const DEFAULT_WORKER_BATCH = 200

function isCampaignPayload(value: unknown): value is CampaignJobPayload {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v['campaignId'] === 'string' && typeof v['customerId'] === 'string'
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** What a send's outcome means for its assignment. */
export function sendRecordOf(
  customerId: string,
  result: Result<SendOutcome, SendError>,
  nowMs: number,
): SendRecord {
  if (!result.ok) {
    const e = result.error
    const status = e.type === 'channel_unavailable' ? 'failed' : 'skipped'
    return { customerId, status, reason: e.type, messageId: null, at: nowMs }
  }
  const { message, delivery } = result.value
  const base = { customerId, messageId: message.id, at: nowMs }
  switch (delivery.status) {
    case 'queued':
    case 'sent':
    case 'delivered':
    case 'opened':
    case 'clicked':
      return { ...base, status: 'sent', reason: null }
    case 'held':
      return {
        ...base,
        status: delivery.holdReason === 'retry' ? 'sent' : 'held',
        reason: delivery.holdReason,
      }
    case 'dropped':
      return { ...base, status: 'dropped', reason: delivery.holdReason }
    default:
      return { ...base, status: 'failed', reason: delivery.lastError ?? delivery.status }
  }
}

/**
 * Works off campaign send jobs until none is due (or `maxJobs`): claims a batch, renders each
 * customer's message (contexts built for the batch at once; one-to-one campaigns choose and
 * record each customer's next-best offer first), sends the batch through interact's `sendMessages` under
 * the key `campaign:<campaignId>:<customerId>`, records each outcome on the assignment, and only
 * then acknowledges the job.
 *
 * A worker that dies after sending and before acknowledging loses its lease; the next worker
 * takes the job, and `sendMessages` answers from the idempotency key with the first send, so
 * nothing goes out twice. A send that throws (database, network) goes back to the queue with
 * backoff, and after its last attempt the assignment is marked failed.
 */
export async function runCampaignWorker(
  deps: CampaignDeps,
  options: WorkerOptions,
): Promise<WorkerReport> {
  const report: WorkerReport = {
    claimed: 0,
    sent: 0,
    held: 0,
    dropped: 0,
    skipped: 0,
    failed: 0,
    retried: 0,
    duplicates: 0,
    timings: { claimMs: 0, offersMs: 0, renderMs: 0, sendMs: 0, recordMs: 0 },
  }
  const batchSize = options.batchSize ?? DEFAULT_WORKER_BATCH
  const campaigns = new Map<string, Campaign | null>()
  const prepared = new Map<string, PreparedTemplate | string>()
  // One round in flight: while a round's messages render (on the render thread), the next
  // round is claimed and read, then the round before is sent and recorded.
  let inFlight: StartedBatch[] = []
  // Campaigns some of whose sends died with their leases: sent once nothing else waits.
  const deadCampaigns = new Set<string>()
  for (;;) {
    const room = options.maxJobs === undefined ? batchSize : options.maxJobs - report.claimed
    let started: StartedBatch[] | null
    try {
      started =
        room > 0
          ? await startRound(deps, room, campaigns, prepared, report, options, deadCampaigns)
          : null
    } catch (error) {
      // The round in flight is sent and recorded all the same; the failure then surfaces.
      for (const batch of inFlight) await finishBatch(deps, batch, report, options)
      throw error
    }
    for (const batch of inFlight) await finishBatch(deps, batch, report, options)
    if (inFlight.length > 0) options.onProgress?.({ ...report, timings: { ...report.timings } })
    if (started === null) break
    inFlight = started
  }
  for (const id of deadCampaigns) {
    if ((await countQueued(deps.store.db, id)) === 0) {
      await moveCampaignStatus(deps.store.db, id, ['running'], 'sent', deps.interact.clock.now())
    }
  }
  await completeCampaigns(deps, deps.interact.clock.now())
  return report
}

/**
 * Records the assignments of send jobs that died because their lease ran out on the last
 * attempt (a worker crashed or hung each time): sent, when a message under the send's key
 * exists (the worker died after sending), else failed. Without this they would stay queued,
 * and the campaign (and a gated rest waiting for its pilot) with them.
 */
async function recordDeadSends(
  deps: CampaignDeps,
  trx: Kysely<Database>,
  dead: readonly Job[],
  nowMs: number,
  deadCampaigns: Set<string>,
): Promise<void> {
  const byCampaign = new Map<string, string[]>()
  for (const job of dead) {
    if (!isCampaignPayload(job.payload)) continue
    const ids = byCampaign.get(job.payload.campaignId) ?? []
    ids.push(job.payload.customerId)
    byCampaign.set(job.payload.campaignId, ids)
  }
  for (const [campaignId, customerIds] of byCampaign) {
    const keys = customerIds.map((id) => campaignMessageKey(campaignId, id))
    const sent = new Map<string, string>()
    for (let start = 0; start < keys.length; start += 500) {
      const rows = await trx
        .selectFrom('messages')
        .select(['customer_id', 'id'])
        .where('customer_id', 'in', customerIds.slice(start, start + 500))
        .where('idempotency_key', 'in', keys.slice(start, start + 500))
        .execute()
      for (const r of rows) sent.set(r.customer_id, r.id)
    }
    await recordSends(
      { db: trx, capabilities: deps.store.capabilities },
      campaignId,
      customerIds.map((customerId) => {
        const messageId = sent.get(customerId) ?? null
        return messageId === null
          ? {
              customerId,
              status: 'failed' as const,
              reason: 'dead: lease expired on the last attempt',
              messageId,
              at: nowMs,
            }
          : { customerId, status: 'sent' as const, reason: null, messageId, at: nowMs }
      }),
    )
    deadCampaigns.add(campaignId)
  }
}

/** A campaign's share of a round: jobs done already, and the sends whose messages render. */
interface StartedBatch {
  readonly campaign: Campaign
  readonly jobs: readonly Job[]
  readonly finished: Job[]
  readonly records: SendRecord[]
  readonly retry: { job: Job; error: string; retryable: boolean }[]
  readonly groups: readonly StartedGroup[]
}

/** The jobs of one template, with their offers and the render under way. */
interface StartedGroup {
  readonly items: readonly { job: Job; assignment: AssignmentRow }[]
  readonly offers: ReadonlyMap<string, { readonly id: string } | null>
  /** Null: it could not be started (`error`); the group's jobs go back to the queue. */
  readonly pending: PendingRender | null
  readonly error: string | null
}

/** Claims a round of jobs and starts each campaign's batch; null when none is due. */
async function startRound(
  deps: CampaignDeps,
  room: number,
  campaigns: Map<string, Campaign | null>,
  prepared: Map<string, PreparedTemplate | string>,
  report: WorkerReport,
  options: WorkerOptions,
  deadCampaigns: Set<string>,
): Promise<StartedBatch[] | null> {
  const nowMs = deps.interact.clock.now()
  const claimStarted = performance.now()
  const jobs = await claimJobs(deps.store, {
    queue: CAMPAIGN_QUEUE,
    workerId: options.workerId,
    limit: Math.min(options.batchSize ?? DEFAULT_WORKER_BATCH, room),
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    nowMs,
    onDead: (trx, dead) => recordDeadSends(deps, trx, dead, nowMs, deadCampaigns),
  })
  report.timings.claimMs += performance.now() - claimStarted
  if (jobs.length === 0) return null
  report.claimed += jobs.length
  const byCampaign = new Map<string, Job[]>()
  const malformed: Job[] = []
  for (const job of jobs) {
    if (!isCampaignPayload(job.payload)) {
      malformed.push(job)
      continue
    }
    const list = byCampaign.get(job.payload.campaignId) ?? []
    list.push(job)
    byCampaign.set(job.payload.campaignId, list)
  }
  for (const job of malformed) {
    await failJob(deps.store.db, job, 'payload is not a campaign send', nowMs, {
      retryable: false,
    })
  }
  const started: StartedBatch[] = []
  for (const [campaignId, campaignJobs] of byCampaign) {
    if (!campaigns.has(campaignId)) {
      campaigns.set(campaignId, await getCampaign(deps.store.db, campaignId))
    }
    const campaign = campaigns.get(campaignId) ?? null
    if (campaign === null) {
      // Deleted campaign: nothing to send.
      await completeJobs(deps.store.db, campaignJobs, nowMs)
      continue
    }
    const batch = await startCampaignBatch(deps, campaign, campaignJobs, prepared, report)
    // The pilot's decision, once made, holds for the rest of the run.
    if (batch.campaign !== campaign) campaigns.set(campaignId, batch.campaign)
    started.push(batch)
  }
  return started
}

/**
 * A campaign's batch up to its messages rendering: the assignments read, the next-best offers
 * chosen (one-to-one), each template's render started (its reads done).
 */
async function startCampaignBatch(
  deps: CampaignDeps,
  known: Campaign,
  jobs: readonly Job[],
  prepared: Map<string, PreparedTemplate | string>,
  report: WorkerReport,
): Promise<StartedBatch> {
  const db = deps.store.db
  const nowMs = deps.interact.clock.now()
  const timings = report.timings
  let started = performance.now()
  const customerIds = jobs.map(customerOf)
  const assignments = await readAssignments(db, known.id, customerIds)
  await followMerges(db, known.id, customerIds, assignments)
  // A gated rest waits for its pilot's decision (made once, for every worker): asked for only
  // when the batch holds some of the rest.
  let campaign = known
  let gate: PilotGate | null = null
  const restClaimed =
    isGated(known.pilot) &&
    customerIds.some((id) => {
      const a = assignments.get(id)
      return a !== undefined && a.sendStatus === 'queued' && !a.pilot
    })
  if (restClaimed) {
    gate = await pilotGate(db, known, nowMs)
    if (gate?.state === 'decided' && known.pilotDecision === null) {
      campaign = { ...known, pilotDecision: gate.decision }
    }
  }
  timings.claimMs += performance.now() - started
  const finished: Job[] = []
  const records: SendRecord[] = []
  const waiting: Job[] = []
  const pending: { job: Job; assignment: AssignmentRow }[] = []
  const taken = new Set<string>()
  for (const job of jobs) {
    const assignment = assignments.get(customerOf(job))
    // Gone (erased), already recorded by a worker that died before acknowledging, or the
    // customer's other job in this batch (one merged into the other): nothing left to do.
    if (assignment?.sendStatus !== 'queued' || taken.has(assignment.customerId)) {
      finished.push(job)
      continue
    }
    taken.add(assignment.customerId)
    if (gate === null || assignment.pilot) pending.push({ job, assignment })
    else if (gate.state === 'waiting') waiting.push(job)
    else if (gate.decision.promoted) pending.push({ job, assignment })
    else {
      records.push({
        customerId: assignment.customerId,
        status: 'skipped',
        reason: 'pilot_stopped',
        messageId: null,
        at: nowMs,
      })
      finished.push(job)
    }
  }
  // The rest before its pilot decided goes back to the queue until then (no attempt spent).
  if (waiting.length > 0 && gate?.state === 'waiting') {
    await postponeJobs(db, waiting, gate, nowMs)
    // And the rest not claimed yet, so it is not claimed and handed back batch by batch.
    await postponeRest(db, campaign.id, gate, nowMs)
  }
  const byTemplate = new Map<string, { job: Job; assignment: AssignmentRow }[]>()
  for (const item of pending) {
    const name = templateFor(campaign, item.assignment)
    const list = byTemplate.get(name) ?? []
    list.push(item)
    byTemplate.set(name, list)
  }
  const groups: StartedGroup[] = []
  for (const [templateName, items] of byTemplate) {
    const key = `${campaign.id}\u0000${templateName}`
    let template = prepared.get(key)
    if (template === undefined) {
      const result = await deps.templates.prepare(templateName)
      template = result.ok
        ? result.value
        : result.error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')
      prepared.set(key, template)
    }
    const ids = items.map((i) => i.assignment.customerId)
    try {
      if (typeof template === 'string')
        throw new InfrastructureError('template_invalid', template, { retryable: true })
      started = performance.now()
      const chosen =
        campaign.strategy === 'one-to-one'
          ? await deps.offers.chooseBatch(ids, campaign, nowMs)
          : null
      timings.offersMs += performance.now() - started
      started = performance.now()
      const extras = {
        campaign: { id: campaign.id, name: campaign.name },
        channel: campaign.channel,
        topic: campaign.topic,
        ...(chosen === null ? {} : { offers: chosen }),
      }
      const render = await template.startRender(ids, extras)
      timings.renderMs += performance.now() - started
      groups.push({ items, offers: chosen ?? new Map(), pending: render, error: null })
    } catch (error) {
      // Contexts or offers could not be read (or the template broke since launch): the whole
      // group goes back to the queue.
      groups.push({ items, offers: new Map(), pending: null, error: describeError(error) })
    }
  }
  return { campaign, jobs, finished, records, retry: [], groups }
}

const customerOf = (job: Job): string => (job.payload as CampaignJobPayload).customerId

/**
 * Jobs name the customer as launched. One merged into another since then has no assignment of
 * their own any more: the survivor's (moved to them, or their own) stands in, so the send goes
 * to the customer they became, under the survivor's key (a survivor with a job of their own
 * gets one message all the same). Follows merges of merges.
 */
async function followMerges(
  db: Kysely<Database>,
  campaignId: string,
  customerIds: readonly string[],
  assignments: Map<string, AssignmentRow>,
): Promise<void> {
  let missing = customerIds.filter((id) => !assignments.has(id))
  const origin = new Map(missing.map((id) => [id, id]))
  for (let hop = 0; hop < 8 && missing.length > 0; hop++) {
    const merges = await db
      .selectFrom('merges')
      .select(['merged_customer_id', 'customer_id'])
      .where('merged_customer_id', 'in', missing)
      .execute()
    if (merges.length === 0) return
    const next = new Map<string, string>()
    for (const m of merges) {
      const from = origin.get(m.merged_customer_id)
      if (from !== undefined) next.set(m.customer_id, from)
    }
    const found = await readAssignments(db, campaignId, [...next.keys()])
    for (const [survivor, from] of next) {
      const assignment = found.get(survivor)
      if (assignment !== undefined) assignments.set(from, assignment)
    }
    missing = [...next.keys()].filter((id) => !found.has(id))
    origin.clear()
    for (const id of missing) origin.set(id, next.get(id)!)
  }
}

/**
 * The rest of a campaign's batch: waits for its messages, sends them (one sendMessages call per
 * slice), records presentations, then outcomes and acknowledgements in one transaction.
 */
async function finishBatch(
  deps: CampaignDeps,
  batch: StartedBatch,
  report: WorkerReport,
  options: WorkerOptions,
): Promise<void> {
  const { campaign, finished, records, retry } = batch
  const db = deps.store.db
  const nowMs = deps.interact.clock.now()
  const timings = report.timings
  let started = performance.now()
  const presented: { customerId: string; offerId: string }[] = []
  for (const { items, offers, pending, error } of batch.groups) {
    let rendered: RenderedBatch
    try {
      if (pending === null) throw new Error(error ?? 'not rendered')
      started = performance.now()
      rendered = await pending.rendered
      timings.renderMs += performance.now() - started
    } catch (failure) {
      // The batch could not be rendered (a render thread that died, a broken template): the
      // whole group goes back to the queue.
      for (const item of items)
        retry.push({ job: item.job, error: describeError(failure), retryable: true })
      continue
    }
    const sends: { job: Job; customerId: string; content: RenderedContent }[] = []
    for (const item of items) {
      const customerId = item.assignment.customerId
      const message = rendered.get(customerId)
      if (message === undefined || !message.ok) {
        const why = message === undefined ? 'not rendered' : message.error.message
        const gone = message !== undefined && message.error.type === 'customer_not_found'
        records.push({
          customerId,
          status: gone ? 'skipped' : 'failed',
          reason: gone ? 'unknown_customer' : `render_failed: ${why}`.slice(0, 500),
          messageId: null,
          at: nowMs,
        })
        finished.push(item.job)
      } else {
        sends.push({ job: item.job, customerId, content: message.value })
      }
    }
    started = performance.now()
    // One batch send (a few statements for all) per slice; `concurrency` slices in flight.
    const concurrency = Math.max(1, options.concurrency ?? 1)
    const slice = Math.max(1, Math.ceil(sends.length / concurrency))
    const slices: (typeof sends)[] = []
    for (let at = 0; at < sends.length; at += slice) slices.push(sends.slice(at, at + slice))
    await Promise.all(
      slices.map(async (part) => {
        try {
          const results = await deps.send(
            deps.interact,
            part.map(({ customerId, content }) => ({
              identity: customerId,
              channel: campaign.channel,
              kind: 'marketing' as const,
              topic: campaign.topic,
              subject: content.subject,
              body: content.text,
              html: content.html,
              idempotencyKey: campaignMessageKey(campaign.id, customerId),
            })),
          )
          if (results.length !== part.length) {
            throw new Error(`send report has ${results.length} items for ${part.length} sends`)
          }
          const at = deps.interact.clock.now()
          for (const [i, { job, customerId }] of part.entries()) {
            const result = results[i]!
            if (result.ok && result.value.duplicate) report.duplicates++
            const record = sendRecordOf(customerId, result, at)
            records.push(record)
            const offer = offers.get(customerId)
            if (offer != null && (record.status === 'sent' || record.status === 'held')) {
              presented.push({ customerId, offerId: offer.id })
            }
            finished.push(job)
          }
        } catch (error) {
          // The slice's transaction failed (database, network): nothing of it was recorded,
          // so all of it goes back to the queue.
          for (const { job } of part) {
            retry.push({ job, error: describeError(error), retryable: true })
          }
        }
      }),
    )
    timings.sendMs += performance.now() - started
  }
  // Presentations, outcomes and acknowledgements in one transaction (one commit a batch): a
  // crash leaves all undone (the retaken job's send is then a duplicate, and its presentation
  // is recorded then) or all done. The offer store refuses a second presentation under a key.
  started = performance.now()
  const failures = await db.transaction().execute(async (trx) => {
    await deps.offers.recordPresented(trx, campaign.id, presented, deps.interact.clock.now())
    // The SQLite handle is the connection `trx` holds: its statements join the transaction.
    const store = {
      db: trx,
      capabilities: deps.store.capabilities,
      sqliteStatements: deps.store.sqliteStatements ?? null,
    }
    await recordSends(store, campaign.id, records)
    await completeJobs(trx, finished, deps.interact.clock.now())
    const outcomes: { status: string | null; job: Job; error: string }[] = []
    const exhausted: SendRecord[] = []
    for (const { job, error, retryable } of retry) {
      const status = await failJob(trx, job, error, deps.interact.clock.now(), {
        retryable,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      })
      outcomes.push({ status, job, error })
      if (status === 'dead' || status === 'failed') {
        exhausted.push({
          customerId: customerOf(job),
          status: 'failed',
          reason: `${status}: ${error}`.slice(0, 500),
          messageId: null,
          at: deps.interact.clock.now(),
        })
      }
    }
    await recordSends(store, campaign.id, exhausted)
    return outcomes
  })
  for (const r of records) {
    if (r.status === 'sent') report.sent++
    else if (r.status === 'held') report.held++
    else if (r.status === 'dropped') report.dropped++
    else if (r.status === 'skipped') report.skipped++
    else if (r.status === 'failed') report.failed++
  }
  for (const { status } of failures) {
    if (status === 'queued') report.retried++
    if (status === 'dead' || status === 'failed') report.failed++
  }
  timings.recordMs += performance.now() - started
  if ((await countQueued(db, campaign.id)) === 0) {
    await moveCampaignStatus(db, campaign.id, ['running'], 'sent', deps.interact.clock.now())
  }
}

function templateFor(campaign: Campaign, assignment: AssignmentRow): string {
  if (campaign.variants !== null) {
    const variant = campaign.variants.find((v) => v.segmentId === assignment.variant)
    if (variant !== undefined) return variant.templateName
  }
  if (campaign.templateName === null) {
    throw new Error(
      `Campaign ${campaign.id} has no template for variant ${assignment.variant ?? 'none'}`,
    )
  }
  return campaign.templateName
}

/**
 * Campaigns whose sends are all recorded and whose attribution window has passed for every
 * assignment are completed: their report will not change any more.
 */
export async function completeCampaigns(
  deps: Pick<CampaignDeps, 'store'>,
  nowMs: number,
): Promise<number> {
  const db = deps.store.db
  const sent = await db.selectFrom('campaigns').select('id').where('status', '=', 'sent').execute()
  let completed = 0
  for (const { id } of sent) {
    const c = await getCampaign(db, id)
    if (c?.launchedAt == null) continue
    // The rest of a piloted campaign is attributed from when it became due (or was judged).
    if (nowMs < c.launchedAt + restOpensAfterMs(c) + c.attributionDays * DAY_MS) continue
    if (await moveCampaignStatus(db, c.id, ['sent'], 'completed', nowMs, { completedAt: nowMs })) {
      completed++
    }
  }
  return completed
}
