/**
 * True when a database error means "another writer holds what this one needs; try again"
 * (SQLite's busy and locked codes, PostgreSQL's serialization failure, deadlock and lock
 * timeout), as opposed to a fault that retrying would repeat.
 */
export function isDatabaseBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return false
  return (
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  )
}
