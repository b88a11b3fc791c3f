import { once } from 'node:events'
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
  /** The file's records in order, a run at a time (those one read of the file gave). */
  readonly chunks: AsyncIterable<readonly SourceRecord[]>
  /** The same records one by one. */
  readonly records: AsyncIterable<SourceRecord>
  readonly totalBytes: number
  /** Bytes read so far, for a progress bar. */
  bytesRead(): number
}

/**
 * Streams a file's records without holding it in memory: gzip is recognised by its magic bytes
 * (whatever the name), CSV goes through csv-parse (quotes, embedded newlines, BOM), whitespace
 * files through readline. A record csv-parse cannot read is yielded as `malformed` with its line,
 * and reading goes on. The file is read as the records are asked for, a chunk at a time.
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
  const chunks = syntax === 'csv' ? csvChunks(text) : whitespaceChunks(text)
  return {
    chunks,
    records: flatten(chunks),
    totalBytes: size,
    bytesRead: () => bytesRead,
  }
}

async function* flatten(
  chunks: AsyncIterable<readonly SourceRecord[]>,
): AsyncGenerator<SourceRecord> {
  for await (const chunk of chunks) yield* chunk
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

/**
 * csv-parse driven by hand: each chunk of text is written to the parser, and the records it
 * gives for that chunk are yielded as one array. The parser's readable side is never used, so
 * records do not pass one by one through a stream and an async iterator (which cost as much as
 * parsing them), and the file is read no faster than the records are taken.
 */
async function* csvChunks(text: Readable): AsyncGenerator<readonly SourceRecord[]> {
  let records: SourceRecord[] = []
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
      records.push({ line: parser.info.lines, malformed: error?.message ?? 'unreadable record' })
      return undefined
    },
  })
  parser.push = (chunk: unknown): boolean => {
    // `null` (the end) is not passed on: the end is when the text ends and the parser finishes.
    if (Array.isArray(chunk)) {
      const cells = chunk as string[]
      records.push({ line: startLine(parser.info.lines, cells), cells })
    }
    return true
  }
  const take = (): SourceRecord[] => {
    const taken = records
    records = []
    return taken
  }
  for await (const chunk of text as AsyncIterable<Buffer>) {
    if (!parser.write(chunk)) await once(parser, 'drain')
    if (parser.errored !== null) throw parser.errored
    if (records.length > 0) yield take()
  }
  await new Promise<void>((resolve, reject) => {
    parser.end((error?: Error | null) => {
      if (error) reject(error)
      else resolve()
    })
  })
  if (parser.errored !== null) throw parser.errored
  if (records.length > 0) yield take()
}

/** The line a record starts on, from the line it ends on and the line breaks inside its cells. */
function startLine(endLine: number, cells: readonly string[]): number {
  let line = endLine
  for (const cell of cells) {
    if (cell.includes('\n')) line -= cell.split('\n').length - 1
  }
  return line
}

/** Whitespace-separated lines (CDNOW), in runs of up to 1,000 records. */
async function* whitespaceChunks(text: Readable): AsyncGenerator<readonly SourceRecord[]> {
  const lines = createInterface({ input: text, crlfDelay: Infinity })
  let line = 0
  let records: SourceRecord[] = []
  for await (const content of lines) {
    line += 1
    const trimmed = content.trim()
    if (trimmed === '') continue
    records.push({ line, cells: trimmed.split(/\s+/) })
    if (records.length >= 1000) {
      yield records
      records = []
    }
  }
  if (records.length > 0) yield records
}
