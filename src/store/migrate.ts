import { Migrator, type Migration, type MigrationResult } from 'kysely'
import type { Kysely } from 'kysely'
import * as core0001 from './migrations/0001-core.js'
import * as interact0005 from './migrations/0005-interact.js'

/**
 * Every migration, by name. Names sort in the order they apply; each stage appends its own.
 * Listed statically (not read from a folder) so the same list serves tsx, tests and the build.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': core0001,
  '0005-interact': interact0005,
}

export interface MigrationReport {
  readonly applied: readonly string[]
}

export interface MigrateOptions {
  /**
   * PostgreSQL: the schema that holds Kysely's migration tables. Without it Kysely looks for them
   * in every schema and, when another schema of the database already has them (a parallel test
   * run), skips creating its own and fails with "kysely_migration_lock does not exist".
   */
  readonly schema?: string
}

/** Brings the schema to the latest version; names the migration that failed, if one did. */
export async function migrateToLatest<T>(
  db: Kysely<T>,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    allowUnorderedMigrations: true,
    ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
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
