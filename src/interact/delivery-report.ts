import type { ExpressionBuilder, Kysely } from 'kysely'
import { DAY_MS } from '../core/clock.js'
import { err, ok, type Result } from '../core/result.js'
import type { Database } from '../store/database.js'

/** Which messages a report counts: marketing only (default), or every outbound message. */
export const REPORT_KINDS = ['marketing', 'all'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

export interface RevenueAmount {
  readonly currency: string
  readonly amount: number
}

/** Engagement of the messages of one channel and topic sent in the period. */
export interface DeliveryReportRow {
  readonly channel: string
  /** The consent topic; null for transactional messages and answers. */
  readonly topic: string | null
  readonly sent: number
  readonly opened: number
  readonly clicked: number
  readonly converted: number
  /** Revenue of the credited orders, per currency. */
  readonly revenue: readonly RevenueAmount[]
  readonly openRate: number
  readonly clickRate: number
  readonly conversionRate: number
}

export interface DeliveryReport {
  readonly from: number
  readonly to: number
  readonly kind: ReportKind
  readonly rows: readonly DeliveryReportRow[]
  readonly total: Omit<DeliveryReportRow, 'channel' | 'topic'>
}

type Joined = ExpressionBuilder<
  Database & { d: Database['deliveries']; m: Database['messages'] },
  'd' | 'm'
>

/**
 * Sent, opened, clicked and converted messages by channel and topic, for deliveries that left
 * us in `[from, to)` (sent time: relay accepted, else far end confirmed), with the revenue of the
 * orders credited to them. Opens include clicks (a click implies the message was opened).
 */
export async function reportDeliveries(
  db: Kysely<Database>,
  options: { readonly from: number; readonly to: number; readonly kind?: ReportKind },
): Promise<DeliveryReport> {
  const kind = options.kind ?? 'marketing'
  const { from, to } = options
  const inPeriod = (eb: Joined) =>
    eb.or([
      eb.and([eb('d.sent_at', '>=', from), eb('d.sent_at', '<', to)]),
      eb.and([
        eb('d.sent_at', 'is', null),
        eb('d.delivered_at', '>=', from),
        eb('d.delivered_at', '<', to),
      ]),
    ])
  let base = db
    .selectFrom('deliveries as d')
    .innerJoin('messages as m', (join) =>
      join.onRef('m.customer_id', '=', 'd.customer_id').onRef('m.id', '=', 'd.message_id'),
    )
    .where(inPeriod)
  if (kind === 'marketing') base = base.where('m.kind', '=', 'marketing')
  const counted = (eb: Joined, column: 'd.opened_at' | 'd.clicked_at' | 'd.converted_at') =>
    eb.fn.sum<number | string>(eb.case().when(column, 'is not', null).then(1).else(0).end())
  const counts = await base
    .select((eb) => [
      'd.channel',
      'm.topic',
      eb.fn.countAll<number | string>().as('sent'),
      counted(eb, 'd.opened_at').as('opened'),
      counted(eb, 'd.clicked_at').as('clicked'),
      counted(eb, 'd.converted_at').as('converted'),
    ])
    .groupBy(['d.channel', 'm.topic'])
    .execute()
  const revenues = await base
    .select((eb) => [
      'd.channel',
      'm.topic',
      'd.conversion_currency',
      eb.fn.sum<number | string | null>('d.conversion_revenue').as('amount'),
    ])
    .where('d.converted_at', 'is not', null)
    .groupBy(['d.channel', 'm.topic', 'd.conversion_currency'])
    .execute()
  const key = (channel: string, topic: string | null) => `${channel}\u0000${topic ?? ''}`
  const revenueOf = new Map<string, RevenueAmount[]>()
  for (const r of revenues) {
    const k = key(r.channel, r.topic)
    const list = revenueOf.get(k) ?? []
    list.push({ currency: r.conversion_currency ?? '', amount: Number(r.amount ?? 0) })
    revenueOf.set(k, list)
  }
  const rows = counts
    .map((c) =>
      withRates({
        channel: c.channel,
        topic: c.topic,
        sent: Number(c.sent),
        opened: Number(c.opened),
        clicked: Number(c.clicked),
        converted: Number(c.converted),
        revenue: sortRevenue(revenueOf.get(key(c.channel, c.topic)) ?? []),
      }),
    )
    .sort(
      (a, b) =>
        b.sent - a.sent ||
        a.channel.localeCompare(b.channel) ||
        (a.topic ?? '').localeCompare(b.topic ?? ''),
    )
  const totalRevenue = new Map<string, number>()
  for (const row of rows) {
    for (const r of row.revenue) {
      totalRevenue.set(r.currency, (totalRevenue.get(r.currency) ?? 0) + r.amount)
    }
  }
  const total = withRates({
    sent: sum(rows, 'sent'),
    opened: sum(rows, 'opened'),
    clicked: sum(rows, 'clicked'),
    converted: sum(rows, 'converted'),
    revenue: sortRevenue([...totalRevenue].map(([currency, amount]) => ({ currency, amount }))),
  })
  return { from, to, kind, rows, total }
}

function withRates<T extends { sent: number; opened: number; clicked: number; converted: number }>(
  row: T,
): T & { openRate: number; clickRate: number; conversionRate: number } {
  const rate = (n: number) => (row.sent === 0 ? 0 : n / row.sent)
  return {
    ...row,
    openRate: rate(row.opened),
    clickRate: rate(row.clicked),
    conversionRate: rate(row.converted),
  }
}

function sum(
  rows: readonly DeliveryReportRow[],
  field: 'sent' | 'opened' | 'clicked' | 'converted',
): number {
  return rows.reduce((total, row) => total + row[field], 0)
}

function sortRevenue(list: readonly RevenueAmount[]): RevenueAmount[] {
  return [...list].sort((a, b) => a.currency.localeCompare(b.currency))
}

export interface PeriodError {
  readonly type: 'invalid_period'
  readonly field: 'from' | 'to' | 'days'
  readonly message: string
}

/**
 * The report's period from user input: `from` and `to` as ISO dates (`2026-03-01`, UTC midnight)
 * or date-times; without `from`, the `days` (default 30) before `to`; `to` defaults to now.
 */
export function parseReportPeriod(
  input: {
    readonly from?: string | undefined
    readonly to?: string | undefined
    readonly days?: number | undefined
  },
  nowMs: number,
): Result<{ readonly from: number; readonly to: number }, PeriodError> {
  const to = input.to === undefined ? nowMs : parseInstant(input.to)
  if (to === null)
    return err(badPeriod('to', `"${input.to ?? ''}" is not an ISO date or date-time`))
  const days = input.days ?? 30
  if (!Number.isFinite(days) || days <= 0) {
    return err(badPeriod('days', `must be a positive number of days, not ${days}`))
  }
  const from = input.from === undefined ? to - days * DAY_MS : parseInstant(input.from)
  if (from === null) {
    return err(badPeriod('from', `"${input.from ?? ''}" is not an ISO date or date-time`))
  }
  if (from >= to) return err(badPeriod('from', 'must be before to'))
  return ok({ from, to })
}

function badPeriod(field: PeriodError['field'], message: string): PeriodError {
  return { type: 'invalid_period', field, message: `${field}: ${message}` }
}

/** An ISO date (UTC midnight) or date-time; a date-time without a zone is read as UTC. */
function parseInstant(text: string): number | null {
  const match =
    /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text)
  if (match === null) return null
  const value = Date.parse(`${match[1] ?? ''}${match[2] ?? 'T00:00:00'}${match[3] ?? 'Z'}`)
  return Number.isFinite(value) ? value : null
}
