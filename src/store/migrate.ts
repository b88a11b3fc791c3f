import { Migrator, PostgresAdapter, sql, type Migration, type MigrationResult } from 'kysely'
import type { Kysely } from 'kysely'
import * as core0001 from './migrations/0001-core.js'
import * as value0002 from './migrations/0002-value.js'
import * as recommend0003 from './migrations/0003-recommend.js'
import * as import0004 from './migrations/0004-import.js'

/**
 * Every migration, by name. Names sort in the order they apply; each stage appends its own.
 * Listed statically (not read from a folder) so the same list serves tsx, tests and the build.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core0001,
  '0002-value': value0002,
  '0003-recommend': recommend0003,
  '0004-import': import0004,
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
  const { error, results } = await migrator.migrateToLatest()
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
