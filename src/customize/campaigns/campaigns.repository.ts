import { sql, type Kysely, type Selectable } from 'kysely'
import { BulkStatements } from '../../store/bulk-statements.js'
import type { Store } from '../../store/engine.js'
import { parseJsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import type { CampaignsTable } from '../../store/tables/campaigns.table.js'
import { isChannelName } from '../../interact/channel.js'
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_STRATEGIES,
  CampaignVariantSchema,
  PilotDecisionSchema,
  PilotSchema,
  type Campaign,
  type CampaignSpec,
  type CampaignStatus,
  type CampaignStrategy,
  type SendStatus,
} from './campaign-definition.js'

/** Stores a new draft campaign. */
export async function insertCampaign(
  db: Kysely<Database>,
  id: string,
  spec: CampaignSpec,
  nowMs: number,
): Promise<Campaign> {
  const row: Selectable<CampaignsTable> = {
    id,
    name: spec.name,
    strategy: spec.strategy,
    channel: spec.channel,
    topic: spec.topic,
    template_name: spec.templateName ?? null,
    variants: spec.variants === undefined ? null : JSON.stringify(spec.variants),
    segment_id: spec.segmentId ?? null,
    holdout_share: spec.holdoutShare,
    attribution_days: spec.attributionDays,
    seed: spec.seed ?? id,
    status: 'draft',
    pilot: spec.pilot === undefined ? null : JSON.stringify(spec.pilot),
    pilot_decision: null,
    last_error: null,
    created_at: nowMs,
    launched_at: null,
    completed_at: null,
    updated_at: nowMs,
  }
  await db.insertInto('campaigns').values(row).execute()
  return toCampaign(row)
}

export async function getCampaign(db: Kysely<Database>, id: string): Promise<Campaign | null> {
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? null : toCampaign(row)
}

/** Campaigns, newest first. */
export async function listCampaigns(
  db: Kysely<Database>,
  filter: { readonly status?: CampaignStatus; readonly limit?: number } = {},
): Promise<Campaign[]> {
  let query = db.selectFrom('campaigns').selectAll()
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute()
  return rows.map(toCampaign)
}

/**
 * Moves a campaign from one status to another; false when it was not in `from` (another
 * process moved it first), so two launches cannot both proceed.
 */
export async function moveCampaignStatus(
  db: Kysely<Database>,
  id: string,
  from: readonly CampaignStatus[],
  to: CampaignStatus,
  nowMs: number,
  extra: {
    readonly launchedAt?: number
    readonly completedAt?: number
    readonly error?: string
  } = {},
): Promise<boolean> {
  const result = await db
    .updateTable('campaigns')
    .set({
      status: to,
      updated_at: nowMs,
      ...(extra.launchedAt === undefined ? {} : { launched_at: extra.launchedAt }),
      ...(extra.completedAt === undefined ? {} : { completed_at: extra.completedAt }),
      ...(extra.error === undefined ? {} : { last_error: extra.error }),
    })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Assignment rows as the worker and the report read them. */
export interface AssignmentRow {
  readonly campaignId: string
  readonly customerId: string
  readonly group: 'treatment' | 'holdout'
  readonly stratum: string
  readonly variant: string | null
  readonly pilot: boolean
  readonly assignedAt: number
  readonly sendStatus: SendStatus
  readonly sendReason: string | null
  readonly messageId: string | null
}

/** The assignments of some customers of a campaign. */
export async function readAssignments(
  db: Kysely<Database>,
  campaignId: string,
  customerIds: readonly string[],
): Promise<Map<string, AssignmentRow>> {
  const out = new Map<string, AssignmentRow>()
  for (let start = 0; start < customerIds.length; start += 1000) {
    const rows = await db
      .selectFrom('campaign_assignments')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('customer_id', 'in', customerIds.slice(start, start + 1000))
      .execute()
    for (const r of rows) {
      out.set(r.customer_id, {
        campaignId: r.campaign_id,
        customerId: r.customer_id,
        group: r.grp === 'holdout' ? 'holdout' : 'treatment',
        stratum: r.stratum,
        variant: r.variant,
        pilot: r.pilot === 1,
        assignedAt: r.assigned_at,
        sendStatus: r.send_status as SendStatus,
        sendReason: r.send_reason,
        messageId: r.message_id,
      })
    }
  }
  return out
}

/** What one send came to, for its assignment row. */
export interface SendRecord {
  readonly customerId: string
  readonly status: SendStatus
  readonly reason: string | null
  readonly messageId: string | null
  readonly at: number
}

/**
 * Records the outcome of sends, many rows per statement; only assignments still waiting
 * (queued) change, so a repeated record (a retaken job) leaves the first outcome.
 */
export async function recordSends(
  store: Pick<Store, 'db' | 'capabilities'> & Partial<Pick<Store, 'sqliteStatements'>>,
  campaignId: string,
  records: readonly SendRecord[],
): Promise<void> {
  if (records.length === 0) return
  // On SQLite's own handle each row is one prepared key lookup (from the store's statement
  // cache, so not prepared again per batch); elsewhere one UPDATE … FROM (VALUES …) per chunk.
  const bulk = new BulkStatements(store.db, store.capabilities, store.sqliteStatements ?? null)
  await bulk.updateFromValues(
    'campaign_assignments:send',
    ['text', 'text', 'text', 'text', 'text', 'bigint'],
    (v) => sql`UPDATE campaign_assignments SET send_status = ${v.column(3)},
        send_reason = ${v.column(4)}, message_id = ${v.column(5)}, sent_at = ${v.column(6)}
      ${v.from}
      WHERE campaign_assignments.campaign_id = ${v.column(1)}
        AND campaign_assignments.customer_id = ${v.column(2)}
        AND campaign_assignments.send_status = 'queued'`,
    records.map((r) => [campaignId, r.customerId, r.status, r.reason, r.messageId, r.at]),
  )
}

/** Treated customers of a campaign whose send has not been recorded yet. */
export async function countQueued(db: Kysely<Database>, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('campaign_assignments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('send_status', '=', 'queued')
    .executeTakeFirstOrThrow()
  return row.n
}

function toCampaign(row: Selectable<CampaignsTable>): Campaign {
  const strategy = row.strategy as CampaignStrategy
  const status = row.status as CampaignStatus
  if (!CAMPAIGN_STRATEGIES.includes(strategy)) {
    throw new Error(`Campaign ${row.id} has unknown strategy ${row.strategy}`)
  }
  if (!CAMPAIGN_STATUSES.includes(status)) {
    throw new Error(`Campaign ${row.id} has unknown status ${row.status}`)
  }
  if (!isChannelName(row.channel)) {
    throw new Error(`Campaign ${row.id} has unknown channel ${row.channel}`)
  }
  return {
    id: row.id,
    name: row.name,
    strategy,
    channel: row.channel,
    topic: row.topic,
    templateName: row.template_name,
    segmentId: row.segment_id,
    variants:
      row.variants === null
        ? null
        : CampaignVariantSchema.array().parse(JSON.parse(row.variants) as unknown),
    holdoutShare: row.holdout_share,
    attributionDays: row.attribution_days,
    seed: row.seed,
    status,
    pilot: row.pilot === null ? null : PilotSchema.parse(parseJsonObject(row.pilot)),
    pilotDecision:
      row.pilot_decision === null
        ? null
        : PilotDecisionSchema.parse(parseJsonObject(row.pilot_decision)),
    lastError: row.last_error,
    createdAt: row.created_at,
    launchedAt: row.launched_at,
    completedAt: row.completed_at,
  }
}

/** Customers of a campaign by `group:sendStatus`. */
export async function campaignProgress(
  db: Kysely<Database>,
  campaignId: string,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('campaign_assignments')
    .select(['grp', 'send_status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['grp', 'send_status'])
    .execute()
  const out: Record<string, number> = {}
  for (const r of rows) out[`${r.grp}:${r.send_status}`] = r.n
  return out
}
