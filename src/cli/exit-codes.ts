/** Exit codes with a meaning scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** Something failed while running (database unreachable, write failed). */
  failure: 1,
  /** The command line or the input was wrong (unknown flag, bad file, invalid value). */
  usage: 2,
  /** What was asked for does not exist (unknown customer). */
  notFound: 3,
  /** Finished, but part of the input was rejected (see the report). */
  partial: 4,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
