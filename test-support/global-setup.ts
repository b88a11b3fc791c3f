import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * Each test run names its PostgreSQL schemas `t_<run>_…` and drops them all at the end, not one
 * by one: Kysely's migrator lists the tables of every schema, and a schema dropped by a parallel
 * test while it does so fails that migration.
 */
export function setup(): () => Promise<void> {
  const runId = randomBytes(4).toString('hex')
  process.env['IDIC_TEST_RUN_ID'] = runId
  return async () => {
    const url = process.env['IDIC_TEST_POSTGRES_URL'] ?? ''
    if (url === '') return
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{ nspname: string }>(
        'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1',
        [`t\\_${runId}\\_%`],
      )
      for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`)
    } finally {
      await client.end()
    }
  }
}
