import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { openRecordFile, type RecordSyntax, type SourceRecord } from './read-records.js'

const dir = mkdtempSync(join(tmpdir(), 'idic-read-records-test-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function read(
  text: string | Buffer,
  syntax: RecordSyntax = 'csv',
  gzip = false,
): Promise<SourceRecord[]> {
  const path = join(dir, `file-${Math.random().toString(36).slice(2)}`)
  writeFileSync(path, gzip ? gzipSync(text) : text)
  const file = await openRecordFile(path, syntax)
  const records: SourceRecord[] = []
  for await (const record of file.records) records.push(record)
  return records
}

describe('openRecordFile (csv)', () => {
  it('numbers records by the line they start on, across quoted line breaks and blank lines', async () => {
    const records = await read(
      ['a,b,c', '1,"two', 'lines",3', '', '4,5,6', '"x ""y"", z",8', 'short'].join('\n'),
    )
    expect(records).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', 'two\nlines', '3'] },
      { line: 5, cells: ['4', '5', '6'] },
      { line: 6, cells: ['x "y", z', '8'] },
      { line: 7, cells: ['short'] },
    ])
  })

  it('reads CRLF files, a byte-order mark and gzip (by magic bytes) the same way', async () => {
    const plain = await read('\uFEFFa,b\r\n1,2\r\n\r\n3,"4, 5"\r\n')
    expect(plain).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
      { line: 4, cells: ['3', '4, 5'] },
    ])
    expect(await read('\uFEFFa,b\r\n1,2\r\n\r\n3,"4, 5"\r\n', 'csv', true)).toEqual(plain)
  })

  it('keeps stray quotes inside cells and yields a quote never closed as malformed', async () => {
    const records = await read(['a,b', '1,"2"x', 'q"uote,5', '3,"4', '5,6'].join('\n'))
    expect(records.slice(0, 3)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '"2"x'] },
      { line: 3, cells: ['q"uote', '5'] },
    ])
    // The open quote swallows the rest of the file: one malformed record, numbered by the line
    // the reader stopped on (csv-parse reports an error where it is found).
    expect(records.slice(3)).toEqual([{ line: 5, malformed: expect.any(String) as string }])
  })

  it('reads every record of a file larger than one read of the stream', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},"name, ${i}",${i * 2}`)
    const records = await read(['id,name,n', ...rows].join('\n'), 'csv', true)
    expect(records).toHaveLength(30_001)
    expect(records[30_000]).toEqual({
      line: 30_001,
      cells: ['29999', 'name, 29999', '59998'],
    })
  })

  it('fails on a truncated gzip', async () => {
    const whole = gzipSync(Array.from({ length: 20_000 }, (_, i) => `${i},x`).join('\n'))
    const path = join(dir, 'truncated.gz')
    writeFileSync(path, whole.subarray(0, whole.length - 40))
    const file = await openRecordFile(path, 'csv')
    const records: SourceRecord[] = []
    await expect(
      (async () => {
        for await (const record of file.records) records.push(record)
      })(),
    ).rejects.toThrow()
  })
})

describe('openRecordFile (whitespace)', () => {
  it('splits lines on runs of whitespace and keeps line numbers over blank lines', async () => {
    expect(
      await read('00001 19970101 1 11.77\n\n  00002   19970112 2 12.00\n', 'whitespace'),
    ).toEqual([
      { line: 1, cells: ['00001', '19970101', '1', '11.77'] },
      { line: 3, cells: ['00002', '19970112', '2', '12.00'] },
    ])
  })
})
