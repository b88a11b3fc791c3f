import { RequestError } from '../core/errors.js'
import { systemClock, type Clock } from '../core/clock.js'
import { loadConfig, type Config } from '../config/config.js'
import type { Store } from '../store/engine.js'
import { openMigratedStore } from '../store/open-migrated.js'
import { drainLeftInbox } from '../api/open-ingest-pipeline.js'
import { EXIT, type ExitCode } from './exit-codes.js'

/** Flags every command shares. */
export interface GlobalOptions {
  readonly json?: boolean
  readonly database?: string
}

export interface CommandContext {
  readonly store: Store
  readonly clock: Clock
  readonly config: Config
  readonly json: boolean
}

/**
 * Runs a command body with an open, migrated database; prints a one-line reason and sets the
 * exit code on failure, so every command fails the same way.
 */
export async function runWithStore(
  options: GlobalOptions,
  body: (context: CommandContext) => Promise<ExitCode | undefined>,
): Promise<void> {
  const json = options.json === true
  let store: Store | null = null
  try {
    const config = loadConfig(
      process.env,
      options.database === undefined ? {} : { databaseUrl: options.database },
    )
    store = await openMigratedStore(config.databaseUrl)
    // Events a server acknowledged into the inbox are written before the command reads.
    await drainLeftInbox(store, systemClock, config)
    const code = await body({ store, clock: systemClock, config, json })
    process.exitCode = code ?? EXIT.ok
  } catch (error) {
    reportFailure(error, json)
  } finally {
    if (store !== null) await store.close()
  }
}

/** Prints why a command failed (as JSON with --json) and sets the matching exit code. */
export function reportFailure(error: unknown, json: boolean): void {
  const code = error instanceof RequestError ? error.code : 'failure'
  const message = error instanceof Error ? error.message : String(error)
  const details = error instanceof RequestError ? error.details : null
  if (json) {
    console.log(JSON.stringify({ error: { code, message, details } }))
  } else {
    console.error(`idic: ${message}`)
  }
  process.exitCode =
    error instanceof RequestError
      ? error.status === 404
        ? EXIT.notFound
        : error.status < 500
          ? EXIT.usage
          : EXIT.failure
      : EXIT.failure
}

/** Prints a result: JSON for scripts, or the human rendering. */
export function printResult(
  context: { readonly json: boolean },
  value: unknown,
  human: () => string,
): void {
  console.log(context.json ? JSON.stringify(value, null, 2) : human())
}
