import type { Kysely } from 'kysely'

/** Indexes for the dashboard's customer list ranked by value, CLV or P(alive) (keyset pages). */
const RANK_COLUMNS = ['actual_value', 'clv', 'p_alive'] as const

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of RANK_COLUMNS) {
    await db.schema
      .createIndex(`scores_rank_${column}`)
      .on('scores')
      .columns([column, 'customer_id'])
      .execute()
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of RANK_COLUMNS) {
    await db.schema.dropIndex(`scores_rank_${column}`).ifExists().execute()
  }
}
