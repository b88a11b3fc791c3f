import type { Kysely } from 'kysely'

/**
 * A piloted campaign's decision on the rest: JSON `{ promoted, rule, metric, … }` written once,
 * when the first of the rest's sends comes due, so that every worker (and a restarted one)
 * follows the same decision. Null until then, and for campaigns without a pilot gate.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('pilot_decision', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('pilot_decision').execute()
}
