import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Transform, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { parse, type Parser } from 'csv-parse'

/** One record of a source file: its cells, or the line of a record the reader could not parse. */
export type SourceRecord =
  | { readonly line: number; readonly cells: readonly string[] }
  | { readonly line: number; readonly malformed: string }

/** How records are cut: RFC 4180 CSV, or whitespace-separated tokens (CDNOW). */
export const RECORD_SYNTAXES = ['csv', 'whitespace'] as const
export type RecordSyntax = (typeof RECORD_SYNTAXES)[number]

export interface ReadProgress {
  /** Bytes of the file read so far (compressed bytes for .gz). */
  readonly bytesRead: number
  readonly totalBytes: number
}

export interface RecordFile {
  readonly records: AsyncIterable<SourceRecord>
  readonly totalBytes: number
  /** Bytes read so far, for a progress bar. */
  bytesRead(): number
}

/**
 * Streams a file's records without holding it in memory: gzip is recognised by its magic bytes
 * (whatever the name), CSV goes through csv-parse (quotes, embedded newlines, BOM), whitespace
 * files through readline. A record csv-parse cannot read is yielded as `malformed` with its line,
 * and reading goes on.
 */
export async function openRecordFile(path: string, syntax: RecordSyntax): Promise<RecordFile> {
  const { size } = await stat(path)
  const gzipped = await isGzip(path)
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  let bytesRead = 0
  // Counted in a pass-through, not with a 'data' listener: that would set the file flowing
  // before anyone reads, and rows would be lost while the import waits for its transaction.
  const counted = raw.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytesRead += chunk.length
        done(null, chunk)
      },
    }),
  )
  raw.on('error', (error) => counted.destroy(error))
  const text: Readable = gzipped ? counted.pipe(createGunzip()) : counted
  if (gzipped) counted.on('error', (error) => text.destroy(error))
  return {
    records: syntax === 'csv' ? csvRecords(text) : whitespaceRecords(text),
    totalBytes: size,
    bytesRead: () => bytesRead,
  }
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0)
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b
  } finally {
    await handle.close()
  }
}

async function* csvRecords(text: Readable): AsyncGenerator<SourceRecord> {
  // csv-parse's `info` option copies its counters into a new object per record, which costs more
  // than parsing the record; reading `parser.info.lines` as each record is pushed gives the same
  // line number for free. Skipped (malformed) records are pushed in sequence the same way.
  const parser: Parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      push({ line: parser.info.lines, malformed: error?.message ?? 'unreadable record' })
      return undefined
    },
  })
  const push = parser.push.bind(parser)
  parser.push = (chunk: unknown, encoding?: BufferEncoding): boolean =>
    Array.isArray(chunk)
      ? push(
          { line: startLine(parser.info.lines, chunk as string[]), cells: chunk as string[] },
          encoding,
        )
      : push(chunk, encoding)
  text.on('error', (error) => parser.destroy(error))
  text.pipe(parser)
  for await (const record of parser as AsyncIterable<SourceRecord>) yield record
}

/** The line a record starts on, from the line it ends on and the line breaks inside its cells. */
function startLine(endLine: number, cells: readonly string[]): number {
  let line = endLine
  for (const cell of cells) {
    if (cell.includes('\n')) line -= cell.split('\n').length - 1
  }
  return line
}

async function* whitespaceRecords(text: Readable): AsyncGenerator<SourceRecord> {
  const lines = createInterface({ input: text, crlfDelay: Infinity })
  let line = 0
  for await (const content of lines) {
    line += 1
    const trimmed = content.trim()
    if (trimmed === '') continue
    yield { line, cells: trimmed.split(/\s+/) }
  }
}
