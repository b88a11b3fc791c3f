import type { Kysely } from 'kysely'
import { WEEK_MS } from '../../core/clock.js'
import { newId } from '../../core/ids.js'
import { parseJsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import { MANAGED_TIERS } from './assign-portfolios.js'
import { loadTieredCustomers } from './customer-tiers.js'
import type { TaskRule } from './tasks.repository.js'

export interface TaskRuleOptions {
  /** A top customer whose P(alive) falls below this gets a task. Default 0.5. */
  readonly pAliveThreshold?: number | undefined
  /** Ratings at or below this count as negative feedback. Default 2 (of 5). */
  readonly negativeRating?: number | undefined
  /** A question or complaint left open this long gets a task. Default 24 h. */
  readonly unansweredHours?: number | undefined
  /** How far back feedback is read. Default 30 days. */
  readonly lookbackMs?: number | undefined
}

export interface RuleReport {
  readonly rule: TaskRule
  /** Tasks raised now (a rerun raises none for the same cause). */
  readonly raised: number
  /** Why the rule could not run, if it could not. */
  readonly skipped: string | null
}

interface Raise {
  readonly customerId: string
  readonly managerId: string | null
  readonly reason: string
  readonly dedupeKey: string
  readonly dueAt: number
}

/**
 * Runs the rules that raise tasks for customer managers:
 * - `palive_drop`: a top customer's probability of being alive (from `scores`) falls below the
 *   threshold (at most one task per customer and week);
 * - `negative_feedback`: a complaint, or a rating at or below the threshold, from a top customer;
 * - `unanswered_question`: a question or complaint still open after N hours.
 * Top customers are those in a managed tier or with a manager. Tasks go to the customer's
 * manager (or the thread's owner); a rerun raises nothing twice (dedupe key per cause).
 */
export async function runTaskRules(
  db: Kysely<Database>,
  nowMs: number,
  options: TaskRuleOptions = {},
): Promise<readonly RuleReport[]> {
  const tiers = await loadTieredCustomers(db)
  const top = new Map(
    tiers.customers
      .filter(
        (c) => (MANAGED_TIERS as readonly string[]).includes(c.tier) || c.currentManagerId !== null,
      )
      .map((c) => [c.customerId, c]),
  )
  const reports: RuleReport[] = []

  // P(alive) falls.
  const threshold = options.pAliveThreshold ?? 0.5
  if (tiers.source !== 'scores') {
    reports.push({
      rule: 'palive_drop',
      raised: 0,
      skipped: 'no scores table: run the value models first',
    })
  } else {
    const week = Math.floor(nowMs / WEEK_MS)
    const raises = [...top.values()]
      .filter((c) => c.pAlive !== null && c.pAlive < threshold)
      .map((c) => ({
        customerId: c.customerId,
        managerId: c.currentManagerId,
        reason: `P(alive) is ${(c.pAlive ?? 0).toFixed(2)}, below ${threshold}: reach out before they lapse`,
        dedupeKey: `week:${week}`,
        dueAt: nowMs + 2 * 86_400_000,
      }))
    reports.push({
      rule: 'palive_drop',
      raised: await raise(db, 'palive_drop', raises, nowMs),
      skipped: null,
    })
  }

  // Negative feedback from a top customer.
  const since = nowMs - (options.lookbackMs ?? 30 * 86_400_000)
  const negativeRating = options.negativeRating ?? 2
  const feedback = await db
    .selectFrom('messages')
    .select(['id', 'customer_id', 'kind', 'data', 'body', 'owner_manager_id'])
    .where('direction', '=', 'inbound')
    .where('kind', 'in', ['complaint', 'rating'])
    .where('created_at', '>=', since)
    .execute()
  const negative = feedback.flatMap((m) => {
    const customer = top.get(m.customer_id)
    if (customer === undefined) return []
    const rating = parseJsonObject(m.data)['rating']
    const bad = m.kind === 'complaint' || (typeof rating === 'number' && rating <= negativeRating)
    if (!bad) return []
    const what =
      m.kind === 'complaint'
        ? `complaint: "${m.body.slice(0, 80)}"`
        : `rated ${typeof rating === 'number' ? rating : '?'}/5`
    return [
      {
        customerId: m.customer_id,
        managerId: customer.currentManagerId ?? m.owner_manager_id,
        reason: `Negative feedback from a top customer (${what})`,
        dedupeKey: m.id,
        dueAt: nowMs + 86_400_000,
      },
    ]
  })
  reports.push({
    rule: 'negative_feedback',
    raised: await raise(db, 'negative_feedback', negative, nowMs),
    skipped: null,
  })

  // Questions left unanswered.
  const hours = options.unansweredHours ?? 24
  const stale = await db
    .selectFrom('messages')
    .innerJoin('customers', 'customers.id', 'messages.customer_id')
    .select([
      'messages.id',
      'messages.customer_id',
      'messages.kind',
      'messages.created_at',
      'messages.owner_manager_id',
      'customers.manager_id',
    ])
    .where('messages.direction', '=', 'inbound')
    .where('messages.status', '=', 'open')
    .where('messages.created_at', '<=', nowMs - hours * 3_600_000)
    .execute()
  const unanswered = stale.map((m) => ({
    customerId: m.customer_id,
    managerId: m.owner_manager_id ?? m.manager_id,
    reason: `A ${m.kind} has waited ${Math.floor((nowMs - m.created_at) / 3_600_000)} h for an answer`,
    dedupeKey: m.id,
    dueAt: nowMs,
  }))
  reports.push({
    rule: 'unanswered_question',
    raised: await raise(db, 'unanswered_question', unanswered, nowMs),
    skipped: null,
  })
  return reports
}

async function raise(
  db: Kysely<Database>,
  rule: TaskRule,
  raises: readonly Raise[],
  nowMs: number,
): Promise<number> {
  let raised = 0
  for (const r of raises) {
    const result = await db
      .insertInto('tasks')
      .values({
        id: newId('tsk', nowMs),
        customer_id: r.customerId,
        manager_id: r.managerId,
        rule,
        status: 'open',
        reason: r.reason,
        dedupe_key: r.dedupeKey,
        due_at: r.dueAt,
        created_at: nowMs,
        updated_at: nowMs,
      })
      .onConflict((oc) => oc.columns(['customer_id', 'rule', 'dedupe_key']).doNothing())
      .executeTakeFirst()
    if ((result.numInsertedOrUpdatedRows ?? 0n) > 0n) raised += 1
  }
  return raised
}
