import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { afterEach, beforeEach, vi } from 'vitest'

/** A command's factory, as each `*.command.ts` exports it. */
export type CommandFactory = () => Command

export interface CliHarness {
  /** This test's temporary folder. */
  readonly dir: () => string
  /** The URL of this test's SQLite file in `dir`, passed to every command as `--database`. */
  readonly database: () => string
  /** Everything printed (console.log and console.error) since the last `output` or `run`. */
  readonly printed: () => string
  /** Runs the command with these arguments and `--database`; returns what it printed. */
  readonly output: (command: CommandFactory, ...args: string[]) => Promise<string>
  /** Like `output`, but parses the printed text as JSON when the arguments include `--json`. */
  readonly run: (command: CommandFactory, ...args: string[]) => Promise<unknown>
}

export interface CliHarnessOptions {
  /** Fills the database before each test (after the folder exists). */
  readonly seed?: (database: string) => Promise<void>
  /** Swallows what commands write straight to stderr (progress bars). */
  readonly muteStderr?: boolean
}

/**
 * The harness of the CLI command tests, to call inside a `describe`: before each test a fresh
 * folder with its database and console.log/error captured; after it the mocks restored, the
 * folder removed and `process.exitCode` back at 0 (tests read it to check exit codes).
 */
export function useCliHarness(prefix: string, options: CliHarnessOptions = {}): CliHarness {
  let dir = ''
  let lines: string[] = []
  const database = (): string => `sqlite:${join(dir, 'idic.db')}`
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
    lines = []
    if (options.seed !== undefined) await options.seed(database())
    for (const stream of ['log', 'error'] as const) {
      vi.spyOn(console, stream).mockImplementation((line: unknown) => {
        lines.push(String(line))
      })
    }
    if (options.muteStderr === true)
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    process.exitCode = 0
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    process.exitCode = 0
    await rm(dir, { recursive: true, force: true })
  })
  const output = async (command: CommandFactory, ...args: string[]): Promise<string> => {
    lines = []
    await command().parseAsync([...args, '--database', database()], { from: 'user' })
    return lines.join('\n')
  }
  return {
    dir: () => dir,
    database,
    printed: () => lines.join('\n'),
    output,
    run: async (command, ...args) => {
      const text = await output(command, ...args)
      return args.includes('--json') ? (JSON.parse(text) as unknown) : text
    },
  }
}
