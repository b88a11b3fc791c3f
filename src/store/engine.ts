import BetterSqlite3 from 'better-sqlite3'
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely'
import type { Expression, RawBuilder, SqlBool } from 'kysely'
import pg from 'pg'
import type { Database } from './database.js'

export const ENGINES = ['sqlite', 'postgres'] as const
export type Engine = (typeof ENGINES)[number]

/** What a JSON scalar is read as: text, a number, or a boolean as 1/0. */
export const JSON_SCALAR_KINDS = ['text', 'number', 'boolean'] as const
export type JsonScalarKind = (typeof JSON_SCALAR_KINDS)[number]

/** Keys of a JSON path read by `jsonScalar`: bound as parameters, so held to safe characters. */
const JSON_KEY = /^[A-Za-z0-9_$-]+$/

function checkJsonPath(path: readonly string[]): void {
  if (path.length === 0 || path.some((key) => !JSON_KEY.test(key))) {
    throw new Error(`Invalid JSON path ${JSON.stringify(path)}: keys of [A-Za-z0-9_$-]`)
  }
}

/**
 * What differs between the engines, as flags read by the code that needs them, so that no
 * module tests `engine === 'postgres'` on its own.
 */
export interface EngineCapabilities {
  readonly engine: Engine
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParameters: number
  /** SQL expression turning a text column holding JSON into a value at a key path. */
  readonly jsonText: (column: string, key: string) => string
  /** Name of the two-argument maximum (SQLite `max`, PostgreSQL `greatest`). */
  readonly greatest: 'max' | 'greatest'
  /** Name of the two-argument minimum. */
  readonly least: 'min' | 'least'
  /**
   * Serializes writers that touch the same keys until the transaction ends. SQLite writers are
   * serialized already; PostgreSQL takes transaction-scoped advisory locks in a fixed order.
   */
  readonly lockKeys: (db: Kysely<Database>, keys: readonly string[]) => Promise<void>
  /**
   * Appended to the SELECT that picks rows for a worker to claim (job queues): PostgreSQL locks
   * them with `FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows without
   * waiting; SQLite needs nothing, as `claimTransaction` holds its single write lock.
   */
  readonly skipLocked: string
  /**
   * Runs a claim (select the rows, mark them taken) as one transaction that no other writer can
   * interleave with: PostgreSQL's ordinary transaction (with `skipLocked`), SQLite's
   * `BEGIN IMMEDIATE`, which takes the write lock before anything is read.
   */
  readonly claimTransaction: <T>(
    db: Kysely<Database>,
    body: (trx: Kysely<Database>) => Promise<T>,
  ) => Promise<T>
  /**
   * Like `lockKeys`, but shared: holders of a shared lock run side by side and keep out only a
   * holder of the exclusive lock on the same key (and wait for it).
   */
  readonly lockKeysShared: (db: Kysely<Database>, keys: readonly string[]) => Promise<void>
  /**
   * The scalar at a path of object keys in a text column holding JSON, as text, number or
   * boolean (1/0); null when absent or of another JSON type, so comparing never fails on a
   * value of the wrong type. The path is bound as a parameter.
   */
  readonly jsonScalar: (
    json: Expression<string | null>,
    path: readonly string[],
    kind: JsonScalarKind,
  ) => RawBuilder<string | number | null>
  /** True when the JSON in a text column has a non-null value at the path. */
  readonly jsonHas: (
    json: Expression<string | null>,
    path: readonly string[],
  ) => RawBuilder<SqlBool>
  /**
   * True when some element of the JSON array at the path passes `test`, which is given each
   * element wrapped as the JSON text `{"v": element}` (so scalars and objects alike are read with
   * `jsonScalar`/`jsonHas` at `["v", …]`). False when the path holds no array.
   */
  readonly jsonAnyElement: (
    json: Expression<string | null>,
    path: readonly string[],
    test: (wrapped: RawBuilder<string>) => RawBuilder<SqlBool>,
  ) => RawBuilder<SqlBool>
  /** Name of the 1-based substring position function (0 when absent): `instr` or `strpos`. */
  readonly findText: 'instr' | 'strpos'
}

function sqliteJsonPath(path: readonly string[]): string {
  checkJsonPath(path)
  return `$${path.map((key) => `."${key}"`).join('')}`
}

const SQLITE_CAPABILITIES: EngineCapabilities = {
  engine: 'sqlite',
  maxParameters: 32_000,
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  greatest: 'max',
  least: 'min',
  lockKeys: () => Promise.resolve(),
  skipLocked: '',
  claimTransaction: (db, body) =>
    db.connection().execute(async (connection) => {
      await sql`BEGIN IMMEDIATE`.execute(connection)
      try {
        const result = await body(connection)
        await sql`COMMIT`.execute(connection)
        return result
      } catch (error) {
        await sql`ROLLBACK`.execute(connection)
        throw error
      }
    }),
  lockKeysShared: () => Promise.resolve(),
  jsonScalar: (json, path, kind) => {
    const at = sqliteJsonPath(path)
    switch (kind) {
      case 'text':
        return sql`(CASE WHEN json_type(${json}, ${at}) = 'text' THEN json_extract(${json}, ${at}) END)`
      case 'number':
        return sql`(CASE WHEN json_type(${json}, ${at}) IN ('integer', 'real') THEN json_extract(${json}, ${at}) END)`
      case 'boolean':
        return sql`(CASE json_type(${json}, ${at}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`
    }
  },
  jsonHas: (json, path) =>
    sql<SqlBool>`(coalesce(json_type(${json}, ${sqliteJsonPath(path)}), 'null') <> 'null')`,
  // json_each walks an object's members or yields a scalar itself: only an array counts. Its
  // object values carry SQLite's JSON subtype, so json_object nests them as objects.
  jsonAnyElement: (json, path, test) => {
    const at = sqliteJsonPath(path)
    return sql<SqlBool>`(json_type(${json}, ${at}) = 'array' AND EXISTS (SELECT 1
      FROM json_each(${json}, ${at}) AS element
      WHERE ${test(sql<string>`json_object('v', element.value)`)}))`
  },
  findText: 'instr',
}

const POSTGRES_CAPABILITIES: EngineCapabilities = {
  engine: 'postgres',
  maxParameters: 65_000,
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  greatest: 'greatest',
  least: 'least',
  lockKeys: async (db, keys) => {
    if (keys.length === 0) return
    const sorted = [...new Set(keys)].sort()
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
      FROM (SELECT unnest(${sorted}::text[]) AS k ORDER BY 1) AS keys`.execute(db)
  },
  skipLocked: 'FOR UPDATE SKIP LOCKED',
  claimTransaction: (db, body) => db.transaction().execute(body),
  lockKeysShared: async (db, keys) => {
    if (keys.length === 0) return
    const sorted = [...new Set(keys)].sort()
    await sql`SELECT pg_advisory_xact_lock_shared(hashtextextended(k, 0))
      FROM (SELECT unnest(${sorted}::text[]) AS k ORDER BY 1) AS keys`.execute(db)
  },
  jsonScalar: (json, path, kind) => {
    checkJsonPath(path)
    const value = sql`(${json})::jsonb #> ${[...path]}::text[]`
    const text = sql`(${json})::jsonb #>> ${[...path]}::text[]`
    switch (kind) {
      case 'text':
        return sql`(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${text} END)`
      case 'number':
        return sql`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${text})::double precision END)`
      case 'boolean':
        return sql`(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (CASE WHEN ${text} = 'true' THEN 1 ELSE 0 END) END)`
    }
  },
  jsonHas: (json, path) => {
    checkJsonPath(path)
    return sql<SqlBool>`(coalesce(jsonb_typeof((${json})::jsonb #> ${[...path]}::text[]), 'null') <> 'null')`
  },
  jsonAnyElement: (json, path, test) => {
    checkJsonPath(path)
    const value = sql`(${json})::jsonb #> ${[...path]}::text[]`
    return sql<SqlBool>`EXISTS (SELECT 1 FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} ELSE '[]'::jsonb END) AS element
      WHERE ${test(sql<string>`(jsonb_build_object('v', element.value))::text`)})`
  },
  findText: 'strpos',
}

/** The capabilities of the engine behind a query builder (or a transaction of one). */
export function capabilitiesOf(db: Kysely<Database>): EngineCapabilities {
  return db.getExecutor().adapter instanceof PostgresAdapter
    ? POSTGRES_CAPABILITIES
    : SQLITE_CAPABILITIES
}

/** What prepares a statement on a SQLite connection. */
export type SqlitePrepare = Pick<BetterSqlite3.Database, 'prepare'>

/** An open database: the query builder, what engine it is, and how to close it. */
export interface Store {
  readonly db: Kysely<Database>
  readonly capabilities: EngineCapabilities
  /** The better-sqlite3 handle when the engine is SQLite (for bulk paths and backups). */
  readonly sqlite: BetterSqlite3.Database | null
  /**
   * SQLite only: `prepare` on that handle with the statements cached by SQL text, the cache the
   * query builder's driver uses too. Hot paths run their statements through it (inside the
   * transaction the query builder holds open on the same connection) without preparing anew.
   */
  readonly sqliteStatements: SqlitePrepare | null
  close(): Promise<void>
}

export interface OpenStoreOptions {
  /** PostgreSQL only: schema to use (search_path); created if missing. */
  readonly schema?: string
  /** PostgreSQL only: pool size. */
  readonly poolSize?: number
}

let pgTypesConfigured = false

function configurePgTypes(): void {
  if (pgTypesConfigured) return
  // int8 (COUNT, SUM of integers, epoch-ms columns) and numeric as JS numbers: every value
  // idic stores fits within 2^53.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value))
  pgTypesConfigured = true
}

/**
 * Opens the database a URL names: `sqlite:PATH` (`sqlite::memory:` for a throwaway one) or
 * `postgres://…`.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length))
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, options)
  }
  throw new Error(
    `Unsupported database URL "${url}": use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE`,
  )
}

function openSqlite(path: string): Store {
  const sqlite = new BetterSqlite3(path === '' ? ':memory:' : path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  // 64 MiB of page cache (the default is 2 MiB): bulk writes into indexes keyed by random
  // customer ids touch pages all over the file.
  sqlite.pragma('cache_size = -65536')
  const statements = withStatementCache(sqlite, 256)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) })
  return {
    db,
    capabilities: SQLITE_CAPABILITIES,
    sqlite,
    sqliteStatements: statements,
    close: () => db.destroy(),
  }
}

/**
 * Kysely prepares each query anew; better-sqlite3 statements are reusable, and parsing a
 * 100-row insert costs more than running it. Keeps the most recently used statements by SQL text.
 */
function withStatementCache(
  sqlite: BetterSqlite3.Database,
  capacity: number,
): Pick<BetterSqlite3.Database, 'close' | 'prepare'> {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => sqlite.close(),
    prepare: (source: string) => {
      const cached = cache.get(source)
      if (cached !== undefined) {
        cache.delete(source)
        cache.set(source, cached)
        return cached
      }
      const statement = sqlite.prepare(source)
      cache.set(source, statement)
      if (cache.size > capacity) {
        const oldest = cache.keys().next().value
        if (oldest !== undefined) cache.delete(oldest)
      }
      return statement
    },
  } as Pick<BetterSqlite3.Database, 'close' | 'prepare'>
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  configurePgTypes()
  const schema = options.schema
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name "${schema}"`)
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    } finally {
      await admin.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    capabilities: POSTGRES_CAPABILITIES,
    sqlite: null,
    sqliteStatements: null,
    close: () => db.destroy(),
  }
}
