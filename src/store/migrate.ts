import { Migrator, PostgresAdapter, sql, type Migration, type MigrationResult } from 'kysely'
import type { Kysely } from 'kysely'
import * as core0001 from './migrations/0001-core.js'
import * as value0002 from './migrations/0002-value.js'
import * as recommend0003 from './migrations/0003-recommend.js'
import * as import0004 from './migrations/0004-import.js'
import * as interact0005 from './migrations/0005-interact.js'
import * as dashboard0006 from './migrations/0006-dashboard.js'
import * as interactMore0011 from './migrations/0011-interact-more.js'
import * as segments0007 from './migrations/0007-segments.js'
import * as campaigns0010 from './migrations/0010-campaigns.js'
import * as templates0008 from './migrations/0008-templates.js'
import * as offers0009 from './migrations/0009-offers.js'
import * as rankGrowth0012 from './migrations/0012-rank-growth.js'
import * as recommenderEvaluations0013 from './migrations/0013-recommender-evaluations.js'
import * as ordersCustomerFacts0014 from './migrations/0014-orders-customer-facts.js'
import * as customerSampleBucket0015 from './migrations/0015-customer-sample-bucket.js'
import * as jobsDueOrder0016 from './migrations/0016-jobs-due-order.js'
import * as ingestInbox0017 from './migrations/0017-ingest-inbox.js'
import * as campaignPilotDecision0018 from './migrations/0018-campaign-pilot-decision.js'

/**
 * Every migration, by name. Names sort in the order they apply; each stage appends its own.
 * Listed statically (not read from a folder) so the same list serves tsx, tests and the build.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core0001,
  '0002-value': value0002,
  '0003-recommend': recommend0003,
  '0004-import': import0004,
  '0005-interact': interact0005,
  '0006-dashboard': dashboard0006,
  '0011-interact-more': interactMore0011,
  '0007-segments': segments0007,
  '0010-campaigns': campaigns0010,
  '0008-templates': templates0008,
  '0009-offers': offers0009,
  '0012-rank-growth': rankGrowth0012,
  '0013-recommender-evaluations': recommenderEvaluations0013,
  '0014-orders-customer-facts': ordersCustomerFacts0014,
  '0015-customer-sample-bucket': customerSampleBucket0015,
  '0016-jobs-due-order': jobsDueOrder0016,
  '0017-ingest-inbox': ingestInbox0017,
  '0018-campaign-pilot-decision': campaignPilotDecision0018,
}

export interface MigrationReport {
  readonly applied: readonly string[]
}

/** Brings the schema to the latest version; names the migration that failed, if one did. */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<MigrationReport> {
  // On PostgreSQL, Kysely looks for its migration tables in every schema unless told which one:
  // another schema's tables (a parallel test, a benchmark) would make it skip creating its own.
  const schema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]
          ?.schema
      : undefined
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    allowUnorderedMigrations: true,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const { error, results } = await migrateWithRetry(migrator)
  const applied = (results ?? [])
    .filter((r: MigrationResult) => r.status === 'Success')
    .map((r) => r.migrationName)
  const failedResult = (results ?? []).find((r) => r.status === 'Error')
  if (error !== undefined) {
    const name = failedResult?.migrationName ?? 'unknown'
    throw new Error(
      `Migration ${name} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    )
  }
  return { applied }
}

/** PostgreSQL's "schema does not exist" and "relation does not exist". */
const CONCURRENT_DROP_CODES = new Set(['3F000', '42P01'])

/**
 * Kysely's migrator lists the tables of every schema of the database before it starts; a schema
 * another process drops meanwhile makes that listing fail. Nothing has been applied then, so the
 * run is simply tried again, after a short and growing pause: another process dropping hundreds of
 * schemas (a test run ending beside this one) keeps failing quick retries for a second or two.
 */
async function migrateWithRetry(migrator: Migrator): ReturnType<Migrator['migrateToLatest']> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await migrator.migrateToLatest()
    const code = (outcome.error as { code?: unknown } | undefined)?.code
    const started = (outcome.results ?? []).length > 0
    if (attempt >= 12 || started || typeof code !== 'string' || !CONCURRENT_DROP_CODES.has(code)) {
      return outcome
    }
    await new Promise((resolve) => setTimeout(resolve, 25 * attempt))
  }
}
