import {
  OrderRowParser,
  type OrderLine,
  type OrderRowParserOptions,
  type SkipReason,
} from './order-row.js'
import { openRecordFile } from './read-records.js'

/** A batch of parsed rows of an order file, as the writer takes them. */
export interface ParsedBatch {
  readonly lines: readonly OrderLine[]
  readonly skips: readonly { readonly reason: SkipReason; readonly line: number }[]
  /** Data rows read for this batch (header excluded). */
  readonly rowsRead: number
  readonly bytesRead: number
  readonly totalBytes: number
}

export interface ReadOrderBatchesOptions extends OrderRowParserOptions {
  readonly batchRows: number
}

/**
 * Reads and parses an order file in batches of `batchRows` order lines, on the calling thread.
 * Throws HeaderError for a header without a required column; reports every other bad row as a
 * skip with its line.
 */
export async function* readOrderBatches(
  path: string,
  options: ReadOrderBatchesOptions,
): AsyncGenerator<ParsedBatch> {
  const file = await openRecordFile(path, options.format === 'cdnow' ? 'whitespace' : 'csv')
  const parser = new OrderRowParser(options)
  let lines: OrderLine[] = []
  let skips: { reason: SkipReason; line: number }[] = []
  let rowsRead = 0
  const take = (): ParsedBatch => {
    const batch = {
      lines,
      skips,
      rowsRead,
      bytesRead: file.bytesRead(),
      totalBytes: file.totalBytes,
    }
    lines = []
    skips = []
    rowsRead = 0
    return batch
  }
  for await (const chunk of file.chunks) {
    for (const record of chunk) {
      if ('malformed' in record) {
        rowsRead += 1
        skips.push({ reason: 'malformed_record', line: record.line })
        continue
      }
      const outcome = parser.parse(record.cells, record.line)
      if (outcome.kind === 'header') continue
      rowsRead += 1
      if (outcome.kind === 'skip') skips.push({ reason: outcome.reason, line: outcome.line })
      else {
        lines.push(outcome.value)
        if (lines.length >= options.batchRows) yield take()
      }
    }
  }
  yield take()
}
