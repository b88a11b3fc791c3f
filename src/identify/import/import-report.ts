/** How many first line numbers a report keeps per skip reason. */
export const FIRST_LINES_KEPT = 10

export interface SkippedRows {
  readonly count: number
  /** Line numbers of the first rows skipped for this reason, in file order. */
  readonly firstLines: readonly number[]
  /** True when the reason is a defect of the file (bad date, non-numeric quantity, …). */
  readonly broken: boolean
}

/** What an import did, row by row summed up: it never throws halfway over a bad row. */
export interface ImportReport {
  readonly file: string
  readonly format: string
  readonly rowsRead: number
  /** Rows written (or already present from an earlier import of the same data). */
  readonly rowsImported: number
  readonly customersCreated: number
  /** Rows inserted now, per table; a re-import of the same file inserts nothing. */
  readonly inserted: Readonly<Record<string, number>>
  readonly skipped: Readonly<Record<string, SkippedRows>>
  /** Rows skipped for being broken, all reasons together. */
  readonly brokenRows: number
  readonly elapsedMs: number
  readonly rowsPerSecond: number
}

/** Collects per-row outcomes into an ImportReport; keeps only counts and the first lines. */
export class ImportTally {
  rowsRead = 0
  rowsImported = 0
  customersCreated = 0
  private readonly inserted = new Map<string, number>()
  private readonly skips = new Map<
    string,
    { count: number; firstLines: number[]; broken: boolean }
  >()

  skip(reason: string, line: number, broken: boolean): void {
    let entry = this.skips.get(reason)
    if (entry === undefined) {
      entry = { count: 0, firstLines: [], broken }
      this.skips.set(reason, entry)
    }
    entry.count += 1
    if (entry.firstLines.length < FIRST_LINES_KEPT) entry.firstLines.push(line)
  }

  addInserted(table: string, count: number): void {
    this.inserted.set(table, (this.inserted.get(table) ?? 0) + count)
  }

  report(file: string, format: string, elapsedMs: number, tables: readonly string[]): ImportReport {
    const skipped: Record<string, SkippedRows> = {}
    let brokenRows = 0
    for (const [reason, entry] of [...this.skips].sort((a, b) => a[0].localeCompare(b[0]))) {
      skipped[reason] = {
        count: entry.count,
        firstLines: [...entry.firstLines].sort((a, b) => a - b),
        broken: entry.broken,
      }
      if (entry.broken) brokenRows += entry.count
    }
    const inserted: Record<string, number> = {}
    for (const table of tables) inserted[table] = this.inserted.get(table) ?? 0
    return {
      file,
      format,
      rowsRead: this.rowsRead,
      rowsImported: this.rowsImported,
      customersCreated: this.customersCreated,
      inserted,
      skipped,
      brokenRows,
      elapsedMs: Math.round(elapsedMs),
      rowsPerSecond: elapsedMs > 0 ? Math.round((this.rowsRead * 1000) / elapsedMs) : 0,
    }
  }
}

/** The report as lines for a terminal. */
export function renderImportReport(report: ImportReport): string {
  const n = (value: number): string => value.toLocaleString('en-US')
  const lines = [
    `Imported ${report.file} (${report.format}) in ${(report.elapsedMs / 1000).toFixed(1)} s, ${n(report.rowsPerSecond)} rows/s`,
    `  rows read       ${n(report.rowsRead)}`,
    `  rows imported   ${n(report.rowsImported)}`,
  ]
  for (const [table, count] of Object.entries(report.inserted)) {
    lines.push(`  ${`${table} new`.padEnd(15)} ${n(count)}`)
  }
  const reasons = Object.entries(report.skipped)
  if (reasons.length > 0) {
    lines.push('Skipped rows:')
    for (const [reason, entry] of reasons) {
      lines.push(
        `  ${reason.padEnd(22)} ${n(entry.count).padStart(9)}${entry.broken ? '  broken' : ''}  first lines: ${entry.firstLines.join(', ')}`,
      )
    }
  }
  return lines.join('\n')
}
