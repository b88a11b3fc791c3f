import type { Kysely } from 'kysely'

/**
 * Indexes for the dashboard's customer list ranked by share of customer (share of wallet) and by
 * growth potential, keyset pages like the value, CLV and P(alive) rankings of 0006.
 */
const RANK_COLUMNS = ['share_of_wallet', 'growth_potential'] as const

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
