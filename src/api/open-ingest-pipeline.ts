import { existsSync } from 'node:fs'
import type { Clock } from '../core/clock.js'
import type { Config } from '../config/config.js'
import { drainInbox } from '../identify/process-inbox.js'
import type { Store } from '../store/engine.js'
import { InboxFile, inboxPathFor } from '../store/inbox-file.js'
import type { AppDeps } from './app-deps.js'
import { InboxIngest } from './inbox-ingest.js'
import { buildIngestDeps, projectionSettingsOf } from './ingest-deps.js'
import { directIngest, type IngestPipeline } from './ingest-pipeline.js'

/**
 * The inbox for a SQLite file (unless IDIC_INGEST_INBOX=off); the direct path for PostgreSQL,
 * whose pooled connections already let batches overlap, and for in-memory SQLite, which a
 * second thread cannot open.
 */
export async function openIngestPipeline(
  deps: AppDeps,
  onProcessorError: (message: string) => void,
): Promise<IngestPipeline> {
  const ingestDeps = buildIngestDeps(deps.store, deps.clock, deps.config)
  const sqlite = deps.store.sqlite
  if (sqlite === null || sqlite.memory || !deps.config.ingestInbox) return directIngest(ingestDeps)
  return InboxIngest.open(ingestDeps, {
    databasePath: sqlite.name,
    settings: projectionSettingsOf(deps.config),
    maxBacklogEvents: deps.config.ingestMaxBacklog,
    processorNice: deps.config.ingestProcessorNice,
    onProcessorError,
  })
}

/**
 * Processes, in this process, whatever the inbox beside a SQLite file holds beyond the
 * database's high-water mark: what a stopped server left, or what a running one has not reached
 * yet. CLI commands run it before they read, so they see every acknowledged event too.
 */
export async function drainLeftInbox(
  store: Store,
  clock: Clock,
  config: Config,
): Promise<{ readonly batches: number; readonly failed: number }> {
  const sqlite = store.sqlite
  if (sqlite === null || sqlite.memory) return { batches: 0, failed: 0 }
  const path = inboxPathFor(sqlite.name)
  if (!existsSync(path)) return { batches: 0, failed: 0 }
  const inbox = InboxFile.open(path)
  try {
    return await drainInbox(buildIngestDeps(store, clock, config), inbox)
  } finally {
    inbox.close()
  }
}
