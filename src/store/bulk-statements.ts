import type BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from './database.js'
import type { EngineCapabilities, SqlitePrepare } from './engine.js'

export type SqlValue = string | number | null

/**
 * Rows per statement. PostgreSQL gains from few round trips. SQLite through its own handle
 * (`prepared`) runs one row per prepared statement: binding a row's array as it is costs less
 * than flattening 50 rows into one parameter list (measured on 400k order items: 1.9 s CPU one
 * per statement against 2.7 s fifty per statement), and an update of one row is a key lookup,
 * where an `UPDATE … FROM (VALUES …)` of 500 rows makes SQLite scan the whole target table once
 * per statement. SQLite through Kysely pays a round trip per statement, so it sends several rows.
 * Updates on SQLite's own handle bind each row in place (see updateFromValues).
 */
const ROWS_PER_INSERT = { prepared: 1, sqlite: 50, postgres: 1000 } as const
const ROWS_PER_UPDATE = { sqlite: 500, postgres: 500 } as const

/**
 * For an `ON CONFLICT … DO NOTHING` insert whose RETURNING columns are all among the inserted
 * ones: the index in `columns` of each returned column, so that a written row's values can be
 * given back without RETURNING. Null when RETURNING is needed (an upsert may return the row as
 * updated; a column the insert leaves to its default is known only to the database).
 */
function echoedColumns(
  columns: readonly string[],
  onConflict: string,
  returning: readonly string[],
): number[] | null {
  if (returning.length === 0 || !/\bDO\s+NOTHING\s*$/i.test(onConflict)) return null
  const indexes = returning.map((column) => columns.indexOf(column))
  return indexes.some((index) => index < 0) ? null : indexes
}

/**
 * SQL text by statement shape, per engine (the text depends on the dialect only), and prepared
 * statements by text, per SQLite handle: shared by every instance, so that a writer made per
 * batch (ingestion) does not compile the same statements again each time.
 */
const COMPILED = new WeakMap<EngineCapabilities, Map<string, string>>()
const PREPARED = new WeakMap<SqlitePrepare, Map<string, BetterSqlite3.Statement>>()

/**
 * Updates that bind a row's values in place, by name, per engine: the text and, for each
 * placeholder in it, the index of the row value it takes.
 */
interface InPlaceUpdate {
  readonly text: string
  /** Null where the placeholders take the row's values in their own order. */
  readonly order: readonly number[] | null
}
const IN_PLACE = new WeakMap<EngineCapabilities, Map<string, InPlaceUpdate>>()

/** The parameter that stands for a row's value while an in-place update is compiled. */
const COLUMN_MARKER = '\u0000idic-update-column:'

const OWN_PARAMETERS = (name: string): string =>
  `Update ${name} has parameters of its own; only source.column() may bind values`

/** Where an UPDATE's rows come from: see BulkStatements.updateFromValues. */
export interface UpdateSource {
  /** The row's `index`-th value (from 1), typed as `types` says. */
  column(index: number): RawBuilder<unknown>
  /** The FROM clause that brings the rows, or nothing where they are bound in place. */
  readonly from: RawBuilder<unknown>
}

function cacheIn<K extends object, V>(caches: WeakMap<K, Map<string, V>>, key: K): Map<string, V> {
  let cache = caches.get(key)
  if (cache === undefined) {
    cache = new Map()
    caches.set(key, cache)
  }
  return cache
}

/**
 * Multi-row INSERTs and UPDATE … FROM (VALUES …) for bulk paths (imports, the demo loader,
 * ingestion), with each statement's SQL compiled by Kysely once per shape and engine and reused:
 * building the query tree for every row would cost more than the database spends storing it.
 * Values travel as bound parameters, never spliced into the text.
 */
export class BulkStatements {
  private readonly compiled: Map<string, string>
  private readonly prepared: Map<string, BetterSqlite3.Statement>

  /**
   * `sqlite`: the store's better-sqlite3 handle (or its `sqliteStatements`), when the engine is
   * SQLite. Statements then run prepared once and reused on that connection (inside the same
   * transaction as `db`), without Kysely building and compiling a query for each.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: EngineCapabilities,
    private readonly sqlite: SqlitePrepare | null = null,
  ) {
    this.compiled = cacheIn(COMPILED, capabilities)
    this.prepared =
      sqlite === null ? new Map<string, BetterSqlite3.Statement>() : cacheIn(PREPARED, sqlite)
  }

  private get path(): 'prepared' | 'sqlite' | 'postgres' {
    return this.sqlite === null ? this.capabilities.engine : 'prepared'
  }

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
        ROWS_PER_INSERT[this.path],
        Math.floor(this.capabilities.maxParameters / columns.length),
      ),
    )
    const textFor = (count: number, withReturning = true): string =>
      this.sqlFor(
        `insert|${table}|${columns.join(',')}|${count}|${onConflict}|${withReturning ? returning.join(',') : ''}`,
        () => {
          const placeholder = sql`(${sql.join(columns.map(() => null))})`
          const tail =
            returning.length === 0 || !withReturning
              ? sql``
              : sql` RETURNING ${sql.join(returning.map((c) => sql.ref(c)))}`
          return sql`INSERT INTO ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) VALUES ${sql.join(Array.from({ length: count }, () => placeholder))} ${sql.raw(onConflict)}${tail}`
        },
      )
    for (const row of rows) {
      if (row.length !== columns.length) {
        throw new Error(`Row has ${row.length} values for ${columns.length} columns of ${table}`)
      }
    }
    if (this.sqlite !== null && perStatement === 1) {
      const echoed = echoedColumns(columns, onConflict, returning)
      if (echoed !== null) {
        // Run without RETURNING (2–3× cheaper per row on SQLite) and give back the row's own
        // values: with DO NOTHING, a change means this very row went in, as it was bound.
        const statement = this.statementFor(textFor(1, false))
        for (const row of rows) {
          if (statement.run(row).changes === 0) continue
          written += 1
          const inserted: Record<string, unknown> = {}
          for (let c = 0; c < echoed.length; c += 1) inserted[returning[c]!] = row[echoed[c]!]
          returned.push(inserted)
        }
        return { written, returned }
      }
      // The row's own array is the parameter list: nothing is copied per row.
      const statement = this.statementFor(textFor(1))
      for (const row of rows) {
        if (returning.length === 0) written += statement.run(row).changes
        else {
          const inserted = statement.get(row) as Record<string, unknown> | undefined
          if (inserted !== undefined) {
            written += 1
            returned.push(inserted)
          }
        }
      }
      return { written, returned }
    }
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement)
      const parameters: SqlValue[] = []
      for (const row of chunk) for (const value of row) parameters.push(value)
      const result = await this.execute(textFor(chunk.length), parameters, returning.length > 0)
      written += result.affected
      for (const row of result.rows) returned.push(row)
    }
    return { written, returned }
  }

  /**
   * `UPDATE … FROM (VALUES …) AS v` in chunks: one statement updates many rows, where `repeat`
   * would cost one round trip per row. `types` names each VALUES column's SQL type (PostgreSQL
   * cannot infer a parameter's type there); `statement` gets the source of the rows and refers to
   * a row's values as `source.column(1)`, `source.column(2)`, … and puts `source.from` where the
   * FROM clause goes. On SQLite's own handle each row is one statement with its values bound in
   * place and no FROM at all: a one-row VALUES list is still materialized per statement (10.6
   * against 5.1 µs per row on 10k campaign assignments). Rows must not repeat a target row's key
   * (PostgreSQL updates a row once per statement): aggregate first. Returns the rows affected.
   */
  async updateFromValues(
    name: string,
    types: readonly string[],
    statement: (source: UpdateSource) => RawBuilder<unknown>,
    rows: readonly (readonly SqlValue[])[],
  ): Promise<number> {
    for (const row of rows) {
      if (row.length !== types.length) {
        throw new Error(`Row has ${row.length} values for ${types.length} columns of ${name}`)
      }
    }
    if (this.sqlite !== null) return this.updateEachInPlace(name, types, statement, rows)
    const perStatement = Math.max(
      1,
      Math.min(
        ROWS_PER_UPDATE[this.capabilities.engine],
        Math.floor(this.capabilities.maxParameters / types.length),
      ),
    )
    let affected = 0
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement)
      const text = this.sqlFor(`update|${name}|${chunk.length}`, () => {
        const values = sql.join(
          chunk.map(
            () => sql`(${sql.join(types.map((type) => sql`CAST(${null} AS ${sql.raw(type)})`))})`,
          ),
        )
        const built = statement({
          column: (index) => sql.raw(`v.column${index}`),
          from: sql`FROM (VALUES ${values}) AS v`,
        })
        if (built.compile(this.db).parameters.length !== chunk.length * types.length) {
          throw new Error(OWN_PARAMETERS(name))
        }
        return built
      })
      const parameters = chunk.length === 1 ? chunk[0]! : chunk.flat()
      affected += (await this.execute(text, parameters, false)).affected
    }
    return affected
  }

  /**
   * One prepared statement per row, each value bound where `statement` refers to it. The text
   * is compiled with a marker naming the column as each placeholder's parameter, which tells the
   * order in which a row's values are to be bound; any other parameter is the caller's own.
   */
  private updateEachInPlace(
    name: string,
    types: readonly string[],
    statement: (source: UpdateSource) => RawBuilder<unknown>,
    rows: readonly (readonly SqlValue[])[],
  ): number {
    const shapes = cacheIn(IN_PLACE, this.capabilities)
    let shape = shapes.get(name)
    if (shape === undefined) {
      const compiled = statement({
        column: (index) => {
          const type = types[index - 1]
          if (type === undefined) throw new Error(`${name} has no column ${index}`)
          return sql`CAST(${`${COLUMN_MARKER}${index - 1}`} AS ${sql.raw(type)})`
        },
        from: sql``,
      }).compile(this.db)
      const order = compiled.parameters.map((parameter) =>
        typeof parameter === 'string' && parameter.startsWith(COLUMN_MARKER)
          ? Number(parameter.slice(COLUMN_MARKER.length))
          : -1,
      )
      if (order.includes(-1)) throw new Error(OWN_PARAMETERS(name))
      const inOrder =
        order.length === types.length && order.every((column, position) => column === position)
      shape = { text: compiled.sql, order: inOrder ? null : order }
      shapes.set(name, shape)
    }
    const prepared = this.statementFor(shape.text)
    const { order } = shape
    let affected = 0
    for (const row of rows) {
      affected += prepared.run(order === null ? row : order.map((column) => row[column]!)).changes
    }
    return affected
  }

  private async execute(
    text: string,
    parameters: readonly SqlValue[],
    returnsRows: boolean,
  ): Promise<{ readonly affected: number; readonly rows: readonly Record<string, unknown>[] }> {
    if (this.sqlite !== null) {
      const statement = this.statementFor(text)
      if (returnsRows) {
        const rows = statement.all(parameters) as Record<string, unknown>[]
        return { affected: rows.length, rows }
      }
      return { affected: statement.run(parameters).changes, rows: [] }
    }
    const result = await this.db.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(text, [...parameters]),
    )
    return {
      affected: Number(result.numAffectedRows ?? BigInt(result.rows.length)),
      rows: result.rows,
    }
  }

  /** The prepared statement for `text` on the SQLite handle, prepared once per handle. */
  private statementFor(text: string): BetterSqlite3.Statement {
    if (this.sqlite === null) throw new Error('No SQLite handle to prepare on')
    let statement = this.prepared.get(text)
    if (statement === undefined) {
      statement = this.sqlite.prepare(text)
      if (this.prepared.size > 256) this.prepared.clear()
      this.prepared.set(text, statement)
    }
    return statement
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
