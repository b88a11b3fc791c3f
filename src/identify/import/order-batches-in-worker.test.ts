import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeBatch, encodeBatch } from './order-batch-codec.js'
import {
  readOrderBatches,
  type ParsedBatch,
  type ReadOrderBatchesOptions,
} from './order-batches.js'
import { readOrderBatchesInWorker } from './order-batches-in-worker.js'
import { HeaderError } from './order-row.js'

const dir = mkdtempSync(join(tmpdir(), 'idic-order-batches-test-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const RETAIL = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
  '536368,22960,JAM MAKING SET WITH JARS,6,not a date,4.25,13047,United Kingdom',
  '536369,21756,BATH BUILDING BLOCK WORD,three,2010-12-01 08:35:00,5.95,13047,United Kingdom',
  '536370,22728',
  '',
  '536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom',
  'C536391,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-4,2010-12-01 10:24:00,2.55,17850,United Kingdom',
  '"536371","21730","GLASS STAR FROSTED, ""T-LIGHT"" HOLDER",2,2010-12-01 09:00:00,4.25,13047,',
  '536372,21731,"TWO',
  'LINES",1,2011-07-01 09:00:00,1.5,13047,France',
].join('\n')

const OPTIONS: ReadOrderBatchesOptions = {
  format: 'online-retail',
  timeZone: 'Europe/London',
  batchRows: 2,
}

function fixture(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, gzipSync(text))
  return path
}

async function collect(batches: AsyncIterable<ParsedBatch>): Promise<ParsedBatch[]> {
  const all: ParsedBatch[] = []
  for await (const batch of batches) all.push(batch)
  return all
}

describe('order batch codec', () => {
  it('gives back the batch it encoded: lines, nulls, returns, skips and counters', async () => {
    const batches = await collect(readOrderBatches(fixture('codec.csv.gz', RETAIL), OPTIONS))
    const lines = batches.flatMap((b) => b.lines)
    expect(lines.some((l) => l.kind === 'return')).toBe(true)
    expect(lines.some((l) => l.country === null && l.category === null)).toBe(true)
    for (const batch of batches) expect(decodeBatch(encodeBatch(batch))).toEqual(batch)
  })
})

describe('readOrderBatchesInWorker', () => {
  it('yields the same batches as reading on this thread', async () => {
    const path = fixture('same.csv.gz', RETAIL)
    const here = await collect(readOrderBatches(path, OPTIONS))
    const there = await collect(readOrderBatchesInWorker(path, OPTIONS))
    expect(here).toHaveLength(3)
    expect(there).toEqual(here)
  })

  it('reads a file of many batches, every line once and in order', async () => {
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `${600000 + i},P${i % 50},ITEM,1,2011-01-01 10:00:00,1.25,${12000 + (i % 40)},UK`,
    )
    const path = fixture('many.csv.gz', [RETAIL.split('\n')[0], ...rows].join('\n'))
    const options = { ...OPTIONS, batchRows: 100 }
    const lines: number[] = []
    for await (const batch of readOrderBatchesInWorker(path, options)) {
      for (const line of batch.lines) lines.push(line.line)
    }
    expect(lines).toEqual(Array.from({ length: 5000 }, (_, i) => i + 2))
  })

  it('throws a HeaderError for a header without a required column', async () => {
    const path = fixture('header.csv.gz', 'InvoiceNo,StockCode\n536365,85123A\n')
    await expect(collect(readOrderBatchesInWorker(path, OPTIONS))).rejects.toBeInstanceOf(
      HeaderError,
    )
  })

  it('rejects on a truncated gzip, and stops the worker when the reader stops early', async () => {
    const whole = gzipSync(
      [RETAIL, ...Array.from({ length: 20_000 }, () => RETAIL.split('\n')[1])].join('\n'),
    )
    const path = join(dir, 'truncated.csv.gz')
    writeFileSync(path, whole.subarray(0, whole.length - 40))
    await expect(collect(readOrderBatchesInWorker(path, OPTIONS))).rejects.toThrow()
    let taken = 0
    for await (const batch of readOrderBatchesInWorker(fixture('early.csv.gz', RETAIL), OPTIONS)) {
      taken += batch.lines.length
      break
    }
    expect(taken).toBe(2)
  })
})
