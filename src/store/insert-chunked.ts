/**
 * Splits rows so one statement stays under the engine's bound-parameter limit.
 * Returns the chunks; the caller inserts each.
 */
export function chunkRows<T extends object>(rows: readonly T[], maxParameters: number): T[][] {
  if (rows.length === 0) return []
  const columns = Math.max(1, Object.keys(rows[0] as object).length)
  const size = Math.max(1, Math.floor(maxParameters / columns))
  const chunks: T[][] = []
  for (let start = 0; start < rows.length; start += size)
    chunks.push(rows.slice(start, start + size))
  return chunks
}
