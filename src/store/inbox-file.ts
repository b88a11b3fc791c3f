import BetterSqlite3 from 'better-sqlite3'

/** One acknowledged batch waiting in the inbox. */
export interface InboxEntry {
  /** Increases with every append and is never reused, even after the entry is deleted. */
  readonly seq: number
  readonly receivedAt: number
  readonly eventCount: number
  readonly payload: string
}

/** An entry without its payload: what the backlog figures need. */
export type InboxEntryHead = Omit<InboxEntry, 'payload'>

/** Where the inbox of the SQLite database at `databasePath` lives. */
export function inboxPathFor(databasePath: string): string {
  return `${databasePath}.inbox`
}

/**
 * The ingestion inbox: acknowledged batches appended to a SQLite file of their own, so that an
 * append (one row, one commit) never waits for the write lock the processor holds on the main
 * database. The processor's high-water mark lives in the main database (`ingest_inbox_progress`),
 * written with the batch's rows; entries at or below it are deleted afterwards, and an entry
 * found at or below it is never processed again.
 */
export class InboxFile {
  private readonly insert: BetterSqlite3.Statement<[number, number, string]>
  private readonly after: BetterSqlite3.Statement<[number], InboxEntry>
  private readonly headsAfter: BetterSqlite3.Statement<[number], InboxEntryHead>
  private readonly removeThrough: BetterSqlite3.Statement<[number]>
  private readonly sequence: BetterSqlite3.Statement<[], { seq: number }>

  private constructor(private readonly sqlite: BetterSqlite3.Database) {
    this.insert = sqlite.prepare(
      'INSERT INTO inbox (received_at, event_count, payload) VALUES (?, ?, ?)',
    )
    this.after = sqlite.prepare(
      `SELECT seq, received_at AS receivedAt, event_count AS eventCount, payload
       FROM inbox WHERE seq > ? ORDER BY seq`,
    )
    this.headsAfter = sqlite.prepare(
      `SELECT seq, received_at AS receivedAt, event_count AS eventCount
       FROM inbox WHERE seq > ? ORDER BY seq`,
    )
    this.removeThrough = sqlite.prepare('DELETE FROM inbox WHERE seq <= ?')
    this.sequence = sqlite.prepare(
      "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'inbox'), 0) AS seq",
    )
  }

  /**
   * Opens (creating when missing) the inbox file at `path`. `checkpoints: 'elsewhere'` is for
   * the connection that appends while acknowledging: its commits then never copy the WAL into
   * the file and fsync it (what SQLite's automatic checkpoint does every 1,000 pages, a pause
   * of one append in ~130 on the request path); the processor's connection runs `checkpoint`.
   */
  static open(path: string, checkpoints: 'here' | 'elsewhere' = 'here'): InboxFile {
    const sqlite = new BetterSqlite3(path)
    sqlite.pragma('journal_mode = WAL')
    // The same durability as the main database: a commit survives the process, not the OS.
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('busy_timeout = 5000')
    if (checkpoints === 'elsewhere') sqlite.pragma('wal_autocheckpoint = 0')
    sqlite.exec(`CREATE TABLE IF NOT EXISTS inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at INTEGER NOT NULL,
      event_count INTEGER NOT NULL,
      payload TEXT NOT NULL
    )`)
    return new InboxFile(sqlite)
  }

  /** Appends one batch and commits it; returns its sequence number. */
  append(receivedAt: number, eventCount: number, payload: string): number {
    return Number(this.insert.run(receivedAt, eventCount, payload).lastInsertRowid)
  }

  /** Entries after `seq` in order, as many as hold `maxEvents` events (always one, if any). */
  readAfter(seq: number, maxEvents: number): InboxEntry[] {
    const entries: InboxEntry[] = []
    let events = 0
    for (const entry of this.after.iterate(seq)) {
      if (entries.length > 0 && events + entry.eventCount > maxEvents) break
      entries.push(entry)
      events += entry.eventCount
    }
    return entries
  }

  /** Sequence number, time and size of every entry after `seq`. */
  headsAfterSeq(seq: number): InboxEntryHead[] {
    return this.headsAfter.all(seq)
  }

  /** Deletes the entries at or below `seq` (handed on already). */
  deleteThrough(seq: number): void {
    this.removeThrough.run(seq)
  }

  /** The highest sequence number ever handed out (0 for a new inbox). */
  lastSeq(): number {
    return this.sequence.get()?.seq ?? 0
  }

  /**
   * Makes the next sequence number exceed `seq`: an inbox file lost or replaced while the
   * database's high-water mark stayed would otherwise hand out numbers already marked done.
   */
  ensureSeqAbove(seq: number): void {
    if (this.lastSeq() >= seq) return
    this.sqlite.transaction(() => {
      const updated = this.sqlite
        .prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'inbox'")
        .run(seq)
      if (updated.changes === 0) {
        this.sqlite.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('inbox', ?)").run(seq)
      }
    })()
  }

  /**
   * Copies the WAL into the file as far as no reader needs it (PASSIVE: it neither waits for
   * nor blocks the appending connection).
   */
  checkpoint(): void {
    this.sqlite.pragma('wal_checkpoint(PASSIVE)')
  }

  close(): void {
    this.sqlite.close()
  }
}
