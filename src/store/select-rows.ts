import type { Compilable, Kysely } from 'kysely'
import type { Database } from './database.js'
import type { SqlitePrepare } from './engine.js'

/**
 * Runs a query built with Kysely and returns its rows as arrays of values in the order of its
 * select list: `T` names that tuple, and the caller's select list must match it (unchecked).
 * With SQLite's prepared-statement handle (`Store.sqliteStatements`) the statement runs from
 * the cache in better-sqlite3's raw mode, which builds no object per row (for reads of many
 * thousands of rows); otherwise through Kysely, each row object's values taken in order.
 */
export async function selectRows<T extends readonly unknown[]>(
  db: Kysely<Database>,
  sqlite: SqlitePrepare | null,
  query: Compilable,
): Promise<T[]> {
  const compiled = query.compile()
  if (sqlite === null) {
    const result = await db.executeQuery<Record<string, unknown>>(compiled)
    return result.rows.map((row) => Object.values(row) as unknown as T)
  }
  // The cache is shared with the query builder's driver, which reads objects: raw mode is
  // switched on only for this call.
  const statement = sqlite.prepare(compiled.sql)
  statement.raw(true)
  try {
    return statement.all(compiled.parameters) as T[]
  } finally {
    statement.raw(false)
  }
}
