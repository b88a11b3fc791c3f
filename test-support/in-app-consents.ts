import type { Kysely } from 'kysely'
import type { Database } from '../src/store/database.js'

/**
 * Every customer's consent to in-app `news` (what the campaign tests and the campaign benchmark
 * send on), granted at `nowMs`, 1,000 rows a statement; returns the customer ids in id order.
 */
export async function grantInAppNewsToAll(
  db: Kysely<Database>,
  nowMs: number,
  source = 'test',
): Promise<string[]> {
  const ids = (await db.selectFrom('customers').select('id').orderBy('id').execute()).map(
    (r) => r.id,
  )
  for (let start = 0; start < ids.length; start += 1000) {
    await db
      .insertInto('consents')
      .values(
        ids.slice(start, start + 1000).map((id) => ({
          customer_id: id,
          channel: 'in_app',
          topic: 'news',
          granted: 1,
          source,
          updated_at: nowMs,
        })),
      )
      .execute()
  }
  return ids
}
