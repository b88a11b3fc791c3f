/**
 * Timestamps as order exports write them, to epoch milliseconds. Accepted:
 * `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` with an optional `Z`/`±HH:MM` offset, `YYYY-MM-DD`,
 * `YYYYMMDD` (CDNOW), `M/D/YYYY[ H:MM[:SS]]` (the original Excel Online Retail file) and epoch
 * milliseconds or seconds. Without an offset the wall-clock time is read in `timeZone`.
 */
export function parseTimestamp(text: string, timeZone: string): number | null {
  const s = text.trim()
  let m = ISO.exec(s)
  if (m !== null) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m
    const wall = wallTime(+y!, +mo!, +d!, +(h ?? 0), +(mi ?? 0), +(sec ?? 0), fraction(frac))
    if (wall === null) return null
    if (zone !== undefined) return wall - zoneOffsetMinutes(zone) * 60_000
    return toUtc(wall, timeZone)
  }
  m = COMPACT.exec(s)
  if (m !== null) {
    const wall = wallTime(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0)
    return wall === null ? null : toUtc(wall, timeZone)
  }
  m = US.exec(s)
  if (m !== null) {
    const [, mo, d, y, h, mi, sec] = m
    const wall = wallTime(+y!, +mo!, +d!, +(h ?? 0), +(mi ?? 0), +(sec ?? 0), 0)
    return wall === null ? null : toUtc(wall, timeZone)
  }
  if (/^\d{10}$/.test(s)) return Number(s) * 1000
  if (/^\d{13}$/.test(s)) return Number(s)
  return null
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/

function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Math.round(Number(`0.${digits}`) * 1000)
}

/** The wall-clock time as if it were UTC; null for an impossible date (Feb 30, hour 25). */
function wallTime(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null
  const at = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  const check = new Date(at)
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null
  return at
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
}

const HOUR_MS = 3_600_000
const formatters = new Map<string, Intl.DateTimeFormat>()
/** Offsets by zone and UTC hour: rows of one file share few hours, so Intl runs rarely. */
const offsetCache = new Map<string, number>()

/** UTC time of a wall-clock time in `timeZone` (the earlier one when clocks go back). */
function toUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC') return wall
  // The offset at (wall - offset) is the answer; one correction step settles DST edges.
  const guess = wall - offsetAt(wall, timeZone)
  const offset = offsetAt(guess, timeZone)
  return wall - offset
}

/** Milliseconds `timeZone` is ahead of UTC at the UTC instant `at`. */
function offsetAt(at: number, timeZone: string): number {
  const hour = Math.floor(at / HOUR_MS)
  const key = `${timeZone}|${hour}`
  const cached = offsetCache.get(key)
  if (cached !== undefined) return cached
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, formatter)
  }
  const parts: Record<string, number> = {}
  for (const part of formatter.formatToParts(hour * HOUR_MS)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  const local = Date.UTC(
    parts['year'] ?? 1970,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  )
  const offset = local - hour * HOUR_MS
  if (offsetCache.size > 100_000) offsetCache.clear()
  offsetCache.set(key, offset)
  return offset
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}
