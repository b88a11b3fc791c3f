import { sql, type Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import type { Database } from '../../store/database.js'
import { ALL_TOPICS } from '../../interact/consents.repository.js'
import { UNSCORED_STRATUM } from './assign-holdout.js'

/**
 * Customers whose consent governs `channel` + `topic` as granted: the latest of their answer for
 * the topic and their channel-wide answer (`*`) is a yes, as `effectiveConsent` decides for one
 * customer (on equal times the channel-wide answer wins). Sorted by id.
 */
export async function consentingCustomers(
  db: Kysely<Database>,
  channel: string,
  topic: string,
): Promise<string[]> {
  const result = await sql<{ customer_id: string }>`
    SELECT DISTINCT c.customer_id FROM consents c
    WHERE c.channel = ${channel} AND c.topic IN (${topic}, ${ALL_TOPICS}) AND c.granted = 1
      AND NOT EXISTS (
        SELECT 1 FROM consents o
        WHERE o.customer_id = c.customer_id AND o.channel = c.channel
          AND o.topic IN (${topic}, ${ALL_TOPICS})
          AND (o.updated_at > c.updated_at OR (o.updated_at = c.updated_at AND o.topic < c.topic)))
    ORDER BY c.customer_id`.execute(db)
  return result.rows.map((r) => r.customer_id)
}

/** Each customer's tier from the latest scores, or `unscored`. */
export async function strataOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Map<string, string>> {
  const strata = new Map<string, string>(customerIds.map((id) => [id, UNSCORED_STRATUM]))
  const anyScores = await db.selectFrom('scores').select('customer_id').limit(1).executeTakeFirst()
  if (anyScores === undefined) return strata
  if (customerIds.length > 20_000) {
    // Reading every score once beats tens of thousands of lookups.
    const rows = await db.selectFrom('scores').select(['customer_id', 'tier']).execute()
    for (const r of rows) if (strata.has(r.customer_id)) strata.set(r.customer_id, r.tier)
    return strata
  }
  for (let start = 0; start < customerIds.length; start += 1000) {
    const rows = await db
      .selectFrom('scores')
      .select(['customer_id', 'tier'])
      .where('customer_id', 'in', customerIds.slice(start, start + 1000))
      .execute()
    for (const r of rows) strata.set(r.customer_id, r.tier)
  }
  return strata
}

/** How far back "recent activity" looks when a pilot picks the most active customers. */
export const PILOT_LOOKBACK_DAYS = 90

/** Events plus orders of each customer in the last PILOT_LOOKBACK_DAYS days. */
export async function recentActivity(
  db: Kysely<Database>,
  customerIds: readonly string[],
  nowMs: number,
): Promise<Map<string, number>> {
  const since = nowMs - PILOT_LOOKBACK_DAYS * DAY_MS
  const activity = new Map<string, number>(customerIds.map((id) => [id, 0]))
  const add = (rows: readonly { customer_id: string; n: number | string }[]): void => {
    for (const r of rows) {
      const before = activity.get(r.customer_id)
      if (before !== undefined) activity.set(r.customer_id, before + Number(r.n))
    }
  }
  add(
    await db
      .selectFrom('events')
      .select(['customer_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('occurred_at', '>=', since)
      .where('occurred_at', '<=', nowMs)
      .groupBy('customer_id')
      .execute(),
  )
  add(
    await db
      .selectFrom('orders')
      .select(['customer_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('placed_at', '>=', since)
      .where('placed_at', '<=', nowMs)
      .groupBy('customer_id')
      .execute(),
  )
  return activity
}
