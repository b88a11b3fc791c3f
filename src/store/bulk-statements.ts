import type BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from './database.js'
import type { EngineCapabilities } from './engine.js'

export type SqlValue = string | number | null

/**
 * Rows per multi-row INSERT. PostgreSQL gains from few round trips; SQLite, in process, from
 * short statements (binding thousands of parameters costs more than it saves).
 */
const ROWS_PER_STATEMENT = { sqlite: 50, postgres: 1000 } as const

/**
 * Multi-row INSERTs and repeated single-row statements for bulk paths (imports, the demo loader),
 * with each statement's SQL compiled by Kysely once per shape and reused: building the query tree
 * for every row would cost more than the database spends storing it. Values travel as bound
 * parameters, never spliced into the text. One instance per unit of work (it caches SQL text).
 */
export class BulkStatements {
  private readonly compiled = new Map<string, string>()
  private readonly prepared = new Map<string, BetterSqlite3.Statement>()

  /**
   * `sqlite`: the store's better-sqlite3 handle, when the engine is SQLite. Statements then run
   * prepared once and reused on that connection (inside the same transaction as `db`), which
   * Kysely's driver cannot do: it prepares every statement anew.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: EngineCapabilities,
    private readonly sqlite: BetterSqlite3.Database | null = null,
  ) {}

  /**
   * Inserts `rows` (values in `columns` order) in as few statements as the engine allows.
   * `onConflict` is the SQL after the VALUES list (`ON CONFLICT (…) DO NOTHING`, an upsert);
   * its own parameters are not allowed. Returns the number of rows the database reports as
   * written (inserted, or updated by an upsert), and the rows of `returning` when asked.
   */
  async insert(
    table: keyof Database,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    onConflict: string,
    returning: readonly string[] = [],
  ): Promise<{ readonly written: number; readonly returned: readonly Record<string, unknown>[] }> {
    let written = 0
    const returned: Record<string, unknown>[] = []
    const perStatement = Math.max(
      1,
      Math.min(
        ROWS_PER_STATEMENT[this.capabilities.engine],
        Math.floor(this.capabilities.maxParameters / columns.length),
      ),
    )
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement)
      const key = `insert|${table}|${columns.join(',')}|${chunk.length}|${onConflict}|${returning.join(',')}`
      const text = this.sqlFor(key, () => {
        const placeholders = chunk.map((row) => sql`(${sql.join(row.map(() => null))})`)
        const tail =
          returning.length === 0
            ? sql``
            : sql` RETURNING ${sql.join(returning.map((c) => sql.ref(c)))}`
        return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) VALUES ${sql.join(placeholders)} ${sql.raw(onConflict)}${tail}`
      })
      const parameters: SqlValue[] = []
      for (const row of chunk) {
        if (row.length !== columns.length) {
          throw new Error(`Row has ${row.length} values for ${columns.length} columns of ${table}`)
        }
        for (const value of row) parameters.push(value)
      }
      const result = await this.execute(text, parameters, returning.length > 0)
      written += result.affected
      for (const row of result.rows) returned.push(row)
    }
    return { written, returned }
  }

  /**
   * Runs one statement once per parameter list. `template` is built with placeholder values
   * (e.g. `sql\`UPDATE t SET a = ${0} WHERE id = ${''}\``); each list gives the values in the
   * order their placeholders appear. Returns the total of rows affected.
   */
  async repeat(
    name: string,
    template: () => RawBuilder<unknown>,
    parameterLists: readonly (readonly SqlValue[])[],
  ): Promise<number> {
    const text = this.sqlFor(`repeat|${name}`, template)
    let affected = 0
    for (const parameters of parameterLists) {
      affected += (await this.execute(text, parameters, false)).affected
    }
    return affected
  }

  private async execute(
    text: string,
    parameters: readonly SqlValue[],
    returnsRows: boolean,
  ): Promise<{ readonly affected: number; readonly rows: readonly Record<string, unknown>[] }> {
    if (this.sqlite !== null) {
      let statement = this.prepared.get(text)
      if (statement === undefined) {
        statement = this.sqlite.prepare(text)
        if (this.prepared.size > 256) this.prepared.clear()
        this.prepared.set(text, statement)
      }
      if (returnsRows) {
        const rows = statement.all(...parameters) as Record<string, unknown>[]
        return { affected: rows.length, rows }
      }
      return { affected: statement.run(...parameters).changes, rows: [] }
    }
    const result = await this.db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(text, [...parameters]),
    )
    return {
      affected: Number(result.numAffectedRows ?? BigInt(result.rows.length)),
      rows: result.rows,
    }
  }

  private sqlFor(key: string, build: () => RawBuilder<unknown>): string {
    let text = this.compiled.get(key)
    if (text === undefined) {
      text = build().compile(this.db).sql
      // Tail chunks come in many sizes; keep the cache small.
      if (this.compiled.size > 256) this.compiled.clear()
      this.compiled.set(key, text)
    }
    return text
  }
}
