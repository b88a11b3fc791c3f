import { sql, type Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import { notFound } from '../../core/errors.js'
import type { Database } from '../../store/database.js'
import { restOpensAfterMs, type Campaign, type CampaignStrategy } from './campaign-definition.js'
import { getCampaign } from './campaigns.repository.js'
import { normalQuantile, studentTQuantile } from '../../numeric/quantiles.js'
import {
  estimateUplift,
  groupFigures,
  wilsonInterval,
  type GroupOutcome,
  type Interval,
} from './uplift.js'

/** A number for JSON: null where it is not known (NaN, ±∞). */
export type Figure = number | null

export interface ReportInterval {
  readonly estimate: Figure
  readonly low: Figure
  readonly high: Figure
}

export interface GroupReport {
  /** treatment, holdout, pilot, rest (treatment outside the pilot), or variant:… */
  readonly key: string
  readonly label: string
  readonly customers: number
  readonly conversions: number
  readonly revenue: number
  readonly conversionRate: ReportInterval
  readonly revenuePerCustomer: ReportInterval
}

export interface UpliftReport {
  readonly against: string
  readonly confidence: number
  readonly conversion: ReportInterval & { readonly method: string }
  readonly relativeLift: ReportInterval & { readonly method: string }
  readonly revenuePerCustomer: ReportInterval & {
    readonly method: string
    readonly degreesOfFreedom: Figure
  }
  /** Revenue uplift per customer × treated customers: what the campaign brought in. */
  readonly incrementalRevenue: ReportInterval
}

export interface VariantReport {
  readonly segmentId: string
  readonly templateName: string | null
  readonly treatment: GroupReport
  readonly holdout: GroupReport
  readonly uplift: UpliftReport
}

export interface CampaignReport {
  readonly campaign: Campaign
  readonly generatedAt: number
  readonly attribution: {
    readonly days: number
    /** True once every assignment's window has ended: the figures will not change. */
    readonly closed: boolean
    readonly basis: string
  }
  readonly groups: readonly GroupReport[]
  /** Treated customers by send outcome (`status` or `status:reason`). */
  readonly sends: Readonly<Record<string, number>>
  /** Treated customers' messages by current delivery status (held ones may have gone since). */
  readonly deliveries: Readonly<Record<string, number>>
  /** Customers per stratum (tier) and group: the holdout's mix matches the treatment's. */
  readonly strata: readonly {
    readonly stratum: string
    readonly treatment: number
    readonly holdout: number
  }[]
  readonly uplift: UpliftReport | null
  /**
   * The pilot against its counterpart in the holdout (the same most-active rule applied to the
   * holdout at launch); against the whole holdout for campaigns launched before counterparts
   * were recorded (`against` says which).
   */
  readonly pilotUplift: UpliftReport | null
  /** The treated outside the pilot against the holdout outside the pilot's counterpart. */
  readonly restUplift: UpliftReport | null
  readonly variants: readonly VariantReport[]
}

interface CellRow {
  grp: string
  pilot: number
  variant: string | null
  stratum: string
  customers: number | string
  conversions: number | string
  revenue: number | string | null
  revenue_squares: number | string | null
}

/** A group with no one in it. */
export const EMPTY_OUTCOME: GroupOutcome = {
  customers: 0,
  conversions: 0,
  revenue: 0,
  revenueSquares: 0,
}

function add(a: GroupOutcome, b: GroupOutcome): GroupOutcome {
  return {
    customers: a.customers + b.customers,
    conversions: a.conversions + b.conversions,
    revenue: a.revenue + b.revenue,
    revenueSquares: a.revenueSquares + b.revenueSquares,
  }
}

function subtract(a: GroupOutcome, b: GroupOutcome): GroupOutcome {
  return {
    customers: a.customers - b.customers,
    conversions: a.conversions - b.conversions,
    revenue: a.revenue - b.revenue,
    revenueSquares: a.revenueSquares - b.revenueSquares,
  }
}

export function finite(value: number): Figure {
  return Number.isFinite(value) ? value : null
}

function interval(i: Interval): ReportInterval {
  return { estimate: finite(i.estimate), low: finite(i.low), high: finite(i.high) }
}

/** A group's rates with their own intervals (Wilson; t interval of the mean). */
export function groupReport(
  key: string,
  label: string,
  outcome: GroupOutcome,
  confidence = 0.95,
): GroupReport {
  const f = groupFigures(outcome)
  const wilson = wilsonInterval(
    outcome.conversions,
    outcome.customers,
    normalQuantile(0.5 + confidence / 2),
  )
  const half =
    outcome.customers > 1
      ? (studentTQuantile(0.5 + confidence / 2, outcome.customers - 1) * f.revenueSd) /
        Math.sqrt(outcome.customers)
      : NaN
  return {
    key,
    label,
    customers: outcome.customers,
    conversions: outcome.conversions,
    revenue: outcome.revenue,
    conversionRate: interval({ estimate: f.conversionRate, low: wilson.low, high: wilson.high }),
    revenuePerCustomer: interval({
      estimate: f.revenuePerCustomer,
      low: f.revenuePerCustomer - half,
      high: f.revenuePerCustomer + half,
    }),
  }
}

export function upliftReport(
  treatment: GroupOutcome,
  control: GroupOutcome,
  against: string,
  confidence = 0.95,
): UpliftReport {
  const u = estimateUplift(treatment, control, confidence)
  const n = treatment.customers
  return {
    against,
    confidence,
    conversion: { ...interval(u.conversion), method: u.conversion.method },
    relativeLift: { ...interval(u.relativeLift), method: u.relativeLift.method },
    revenuePerCustomer: {
      ...interval(u.revenuePerCustomer),
      method: u.revenuePerCustomer.method,
      degreesOfFreedom: finite(u.revenuePerCustomer.degreesOfFreedom),
    },
    incrementalRevenue: interval({
      estimate: u.revenuePerCustomer.estimate * n,
      low: u.revenuePerCustomer.low * n,
      high: u.revenuePerCustomer.high * n,
    }),
  }
}

/**
 * Reads per group (and stratum, pilot, variant) sums of what customers bought within the
 * attribution window, which opens `restDelay` after the assignment for rows outside the pilot
 * (0: at the assignment for all). Each customer's revenue is summed first (orders net of
 * refunds, cancelled orders left out), so the sum of squares is per customer.
 */
async function readCells(
  db: Kysely<Database>,
  campaign: Campaign,
  restDelay: number,
  nowMs: number,
): Promise<CellRow[]> {
  const windowMs = campaign.attributionDays * DAY_MS
  const result = await sql<CellRow>`
    SELECT grp, pilot, variant, stratum, COUNT(*) AS customers,
      SUM(CASE WHEN converted > 0 THEN 1 ELSE 0 END) AS conversions,
      SUM(revenue) AS revenue, SUM(revenue * revenue) AS revenue_squares
    FROM (
      SELECT a.customer_id, a.grp, a.pilot, a.variant, a.stratum,
        COALESCE(SUM(CASE WHEN o.status = 'cancelled' THEN 0 ELSE o.total - o.refunded END), 0)
          AS revenue,
        COUNT(CASE WHEN o.status IN ('cancelled', 'refunded') THEN NULL ELSE o.order_id END)
          AS converted
      FROM campaign_assignments a
      LEFT JOIN orders o ON o.customer_id = a.customer_id
        AND o.placed_at >= a.assigned_at + (1 - a.pilot) * CAST(${restDelay} AS BIGINT)
        AND o.placed_at < a.assigned_at + (1 - a.pilot) * CAST(${restDelay} AS BIGINT) + ${windowMs}
        AND o.placed_at <= ${nowMs}
      WHERE a.campaign_id = ${campaign.id}
      GROUP BY a.customer_id, a.grp, a.pilot, a.variant, a.stratum
    ) per_customer
    GROUP BY grp, pilot, variant, stratum`.execute(db)
  return result.rows
}

/** Whether the launch marked a pilot counterpart in the holdout (campaigns before it did not). */
async function hasCounterpartRows(db: Kysely<Database>, campaignId: string): Promise<boolean> {
  const row = await db
    .selectFrom('campaign_assignments')
    .select('customer_id')
    .where('campaign_id', '=', campaignId)
    .where('grp', '=', 'holdout')
    .where('pilot', '=', 1)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** What each group of a campaign bought within its attribution windows, as of a time. */
export interface CampaignOutcomes {
  readonly treatment: GroupOutcome
  readonly holdout: GroupOutcome
  /** The pilot (treated) and its counterpart in the holdout; EMPTY_OUTCOME without them. */
  readonly pilot: GroupOutcome
  readonly pilotHoldout: GroupOutcome
  /**
   * True when the holdout has a pilot counterpart: then the windows of everyone outside the
   * pilot and its counterpart (both arms) open at the end of the pilot's wait. Without one, a
   * single holdout cannot share both of the treatment's clocks, so every window opens at the
   * launch, as before counterparts were recorded.
   */
  readonly counterpart: boolean
  readonly strata: ReadonlyMap<string, { treatment: number; holdout: number }>
  readonly byVariant: ReadonlyMap<string, { treatment: GroupOutcome; holdout: GroupOutcome }>
}

/**
 * The sums a campaign's report is made of: per group, customers, conversions (an order placed
 * within the window, not cancelled or refunded), revenue and revenue squared per customer.
 */
export async function readCampaignOutcomes(
  db: Kysely<Database>,
  campaign: Campaign,
  nowMs: number,
): Promise<CampaignOutcomes> {
  const counterpart = campaign.pilot !== null && (await hasCounterpartRows(db, campaign.id))
  const cells = await readCells(db, campaign, counterpart ? restOpensAfterMs(campaign) : 0, nowMs)
  let treatment = EMPTY_OUTCOME
  let holdout = EMPTY_OUTCOME
  let pilot = EMPTY_OUTCOME
  let pilotHoldout = EMPTY_OUTCOME
  const strata = new Map<string, { treatment: number; holdout: number }>()
  const byVariant = new Map<string, { treatment: GroupOutcome; holdout: GroupOutcome }>()
  for (const row of cells) {
    const o = outcomeOf(row)
    const held = row.grp === 'holdout'
    if (held) holdout = add(holdout, o)
    else treatment = add(treatment, o)
    if (row.pilot === 1) {
      if (held) pilotHoldout = add(pilotHoldout, o)
      else pilot = add(pilot, o)
    }
    const s = strata.get(row.stratum) ?? { treatment: 0, holdout: 0 }
    if (held) s.holdout += o.customers
    else s.treatment += o.customers
    strata.set(row.stratum, s)
    if (row.variant !== null) {
      const v = byVariant.get(row.variant) ?? { treatment: EMPTY_OUTCOME, holdout: EMPTY_OUTCOME }
      if (held) v.holdout = add(v.holdout, o)
      else v.treatment = add(v.treatment, o)
      byVariant.set(row.variant, v)
    }
  }
  return { treatment, holdout, pilot, pilotHoldout, counterpart, strata, byVariant }
}

function outcomeOf(row: CellRow): GroupOutcome {
  return {
    customers: Number(row.customers),
    conversions: Number(row.conversions),
    revenue: Number(row.revenue ?? 0),
    revenueSquares: Number(row.revenue_squares ?? 0),
  }
}

/**
 * A campaign's groups, sends and uplift, as of `nowMs`.
 *
 * Measured intention-to-treat: every customer assigned to the treatment counts, sent or not
 * (consent withdrawn, held, failed), and a conversion is an order placed within the attribution
 * window after the customer's part of the campaign became due (the launch; for the rest of a
 * piloted campaign, the end of the pilot's wait), the same clock for both arms. Counting only
 * delivered messages would compare the reachable part of the treatment with all of the holdout.
 * A pilot (the most active treated) is compared with its counterpart in the holdout, the
 * holdout's most active share picked by the same rule: against the whole holdout it would show
 * how much more active customers buy, not what the message did.
 */
export async function campaignReport(
  db: Kysely<Database>,
  campaignId: string,
  nowMs: number,
): Promise<CampaignReport> {
  const campaign = await getCampaign(db, campaignId)
  if (campaign === null) throw notFound(`Campaign "${campaignId}"`, { campaignId })
  const outcomes = await readCampaignOutcomes(db, campaign, nowMs)
  const { treatment, holdout, pilot, pilotHoldout, strata, byVariant } = outcomes
  const groups: GroupReport[] = [
    groupReport('treatment', 'Treatment (contacted)', treatment),
    groupReport('holdout', 'Holdout (not contacted)', holdout),
  ]
  const hasPilot = campaign.pilot !== null && pilot.customers > 0
  // None for campaigns launched before counterparts were recorded, or a holdout too small.
  const hasCounterpart = hasPilot && outcomes.counterpart
  const rest = subtract(treatment, pilot)
  const restHoldout = subtract(holdout, pilotHoldout)
  if (hasPilot) {
    groups.push(groupReport('pilot', 'Pilot (most active, sent first)', pilot))
    if (hasCounterpart) {
      groups.push(
        groupReport(
          'pilot:holdout',
          'Pilot counterpart in the holdout (not contacted)',
          pilotHoldout,
        ),
      )
    }
    groups.push(groupReport('rest', 'Treatment after the pilot', rest))
    if (hasCounterpart) {
      groups.push(groupReport('rest:holdout', 'Holdout outside the pilot counterpart', restHoldout))
    }
  }
  const variants: VariantReport[] = (campaign.variants ?? []).map((v) => {
    const cell = byVariant.get(v.segmentId) ?? { treatment: EMPTY_OUTCOME, holdout: EMPTY_OUTCOME }
    return {
      segmentId: v.segmentId,
      templateName: v.templateName,
      treatment: groupReport(
        `variant:${v.segmentId}:treatment`,
        `${v.segmentId}: treatment`,
        cell.treatment,
      ),
      holdout: groupReport(
        `variant:${v.segmentId}:holdout`,
        `${v.segmentId}: holdout`,
        cell.holdout,
      ),
      uplift: upliftReport(cell.treatment, cell.holdout, `holdout of segment ${v.segmentId}`),
    }
  })
  const { sends, deliveries } = await readSends(db, campaign.id)
  const restDelay = outcomes.counterpart ? restOpensAfterMs(campaign) : 0
  const lastDue = await db
    .selectFrom('campaign_assignments')
    .select(
      sql<number | string | null>`MAX(assigned_at + (1 - pilot) * CAST(${restDelay} AS BIGINT))`.as(
        'last',
      ),
    )
    .where('campaign_id', '=', campaign.id)
    .executeTakeFirst()
  const last = lastDue?.last === null || lastDue === undefined ? null : Number(lastDue.last)
  return {
    campaign,
    generatedAt: nowMs,
    attribution: {
      days: campaign.attributionDays,
      closed: last !== null && nowMs >= last + campaign.attributionDays * DAY_MS,
      basis: !outcomes.counterpart
        ? 'intention to treat: orders within the window after assignment, every assigned customer counted'
        : 'intention to treat: orders within the window after the customer became due (the pilot and its holdout counterpart at launch, the rest of both arms after the wait), every assigned customer counted',
    },
    groups,
    sends,
    deliveries,
    strata: [...strata.entries()]
      .map(([stratum, counts]) => ({ stratum, ...counts }))
      .sort((a, b) => a.stratum.localeCompare(b.stratum)),
    uplift:
      treatment.customers > 0 && holdout.customers > 0
        ? upliftReport(treatment, holdout, 'holdout')
        : null,
    pilotUplift: hasCounterpart
      ? upliftReport(pilot, pilotHoldout, 'pilot counterpart in the holdout')
      : hasPilot && holdout.customers > 0
        ? upliftReport(
            pilot,
            holdout,
            'whole holdout (not like for like: the holdout has no pilot counterpart; windows open at the launch)',
          )
        : null,
    restUplift:
      hasCounterpart && rest.customers > 0 && restHoldout.customers > 0
        ? upliftReport(rest, restHoldout, 'holdout outside the pilot counterpart')
        : null,
    variants,
  }
}

async function readSends(
  db: Kysely<Database>,
  campaignId: string,
): Promise<{ sends: Record<string, number>; deliveries: Record<string, number> }> {
  const sendRows = await db
    .selectFrom('campaign_assignments')
    .select(['send_status', 'send_reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('grp', '=', 'treatment')
    .groupBy(['send_status', 'send_reason'])
    .execute()
  const sends: Record<string, number> = {}
  for (const r of sendRows) {
    const key = r.send_reason === null ? r.send_status : `${r.send_status}:${r.send_reason}`
    sends[key] = (sends[key] ?? 0) + r.n
  }
  const deliveryRows = await db
    .selectFrom('campaign_assignments as a')
    .innerJoin('deliveries as d', (join) =>
      join.onRef('d.customer_id', '=', 'a.customer_id').onRef('d.message_id', '=', 'a.message_id'),
    )
    .select(['d.status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('a.campaign_id', '=', campaignId)
    .groupBy('d.status')
    .execute()
  const deliveries: Record<string, number> = {}
  for (const r of deliveryRows) deliveries[r.status] = r.n
  return { sends, deliveries }
}

/** One campaign's line in a side-by-side comparison. */
export interface StrategyComparisonRow {
  readonly campaignId: string
  readonly name: string
  readonly strategy: CampaignStrategy
  readonly status: string
  readonly treated: number
  readonly held: number
  readonly sent: number
  readonly treatment: GroupReport
  readonly holdout: GroupReport
  readonly uplift: UpliftReport | null
}

export interface StrategyComparison {
  readonly generatedAt: number
  readonly rows: readonly StrategyComparisonRow[]
  /**
   * The campaign with the largest incremental revenue per treated customer, and whether its
   * interval excludes zero; null when no campaign has an estimate.
   */
  readonly winner: {
    readonly campaignId: string
    readonly strategy: CampaignStrategy
    readonly revenuePerCustomerUplift: number
    readonly significant: boolean
  } | null
}

/** Several campaigns (typically one per strategy) side by side: which targeting wins. */
export async function compareStrategies(
  db: Kysely<Database>,
  campaignIds: readonly string[],
  nowMs: number,
): Promise<StrategyComparison> {
  const rows: StrategyComparisonRow[] = []
  for (const id of campaignIds) {
    const report = await campaignReport(db, id, nowMs)
    const [treatment, holdout] = report.groups
    rows.push({
      campaignId: id,
      name: report.campaign.name,
      strategy: report.campaign.strategy,
      status: report.campaign.status,
      treated: treatment!.customers,
      held: holdout!.customers,
      sent: report.sends['sent'] ?? 0,
      treatment: treatment!,
      holdout: holdout!,
      uplift: report.uplift,
    })
  }
  let winner: StrategyComparison['winner'] = null
  for (const row of rows) {
    const estimate = row.uplift?.revenuePerCustomer.estimate ?? null
    if (estimate === null) continue
    if (winner === null || estimate > winner.revenuePerCustomerUplift) {
      winner = {
        campaignId: row.campaignId,
        strategy: row.strategy,
        revenuePerCustomerUplift: estimate,
        significant: (row.uplift?.revenuePerCustomer.low ?? -Infinity) > 0,
      }
    }
  }
  return { generatedAt: nowMs, rows, winner }
}
