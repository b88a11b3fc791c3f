import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CustomerTransactions } from '../src/differentiate/value/customer-summary.js'

/**
 * The CDNOW sample of Fader, Hardie & Lee (2005), read from ../shared/data/cdnow (see its
 * README). Tests that need it use `describe.skipIf(!CDNOW_AVAILABLE)`.
 */
export const CDNOW_DIR = fileURLToPath(new URL('../../shared/data/cdnow/', import.meta.url))
export const CDNOW_AVAILABLE = existsSync(`${CDNOW_DIR}CDNOW_sample.txt`)
export const CDNOW_SKIP_MESSAGE = `CDNOW data not found in ${CDNOW_DIR}: CDNOW reproduction tests skipped`

/** 1997-09-30T00:00Z: calibration end, as in BTYD (T = 38.857 weeks for a 1 January buyer). */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30)
/** 1998-06-30T00:00Z: end of the 78 weeks. */
export const CDNOW_END = Date.UTC(1998, 5, 30)
export const CDNOW_ORIGIN = Date.UTC(1997, 0, 1)

function lines(file: string): string[] {
  return readFileSync(`${CDNOW_DIR}${file}`, 'utf8')
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
}

/** CDNOW_sample.txt as per-customer transactions (sample id as the customer id). */
export function readCdnowTransactions(): CustomerTransactions[] {
  const byCustomer = new Map<string, { times: number[]; amounts: number[] }>()
  for (const line of lines('CDNOW_sample.txt')) {
    const [, sampleId, date, , dollars] = line.trim().split(/\s+/)
    if (sampleId === undefined || date === undefined || dollars === undefined) {
      throw new Error(`bad CDNOW line: ${line}`)
    }
    const time = Date.UTC(
      Number(date.slice(0, 4)),
      Number(date.slice(4, 6)) - 1,
      Number(date.slice(6, 8)),
    )
    const entry = byCustomer.get(sampleId) ?? { times: [], amounts: [] }
    entry.times.push(time)
    entry.amounts.push(Number(dollars))
    byCustomer.set(sampleId, entry)
  }
  return [...byCustomer.entries()]
    .sort((p, q) => Number(p[0]) - Number(q[0]))
    .map(([id, entry]) => ({ id, times: entry.times, amounts: entry.amounts }))
}

export interface CdnowSummaryRow {
  readonly id: string
  readonly x: number
  readonly tx: number
  readonly T: number
}

/** cdnow_customers_summary.csv (ID, frequency, recency, T; weeks, 2 decimals). */
export function readCdnowSummary(): CdnowSummaryRow[] {
  return lines('cdnow_customers_summary.csv')
    .slice(1)
    .map((line) => {
      const [id, x, tx, T] = line.split(',')
      return { id: id!, x: Number(x), tx: Number(tx), T: Number(T) }
    })
}

export interface CdnowCbsRow extends CdnowSummaryRow {
  readonly xStar: number
  readonly mx: number
}

/** cdnow_sample_cbs_btyd.csv (BTYD's cbs: x, t_x, T_cal, holdout x_star, mean repeat spend m_x). */
export function readCdnowCbs(): CdnowCbsRow[] {
  return lines('cdnow_sample_cbs_btyd.csv')
    .slice(1)
    .map((line) => {
      const [id, x, tx, T, xStar, mx] = line.split(',')
      return {
        id: id!.replace(/"/g, ''),
        x: Number(x),
        tx: Number(tx),
        T: Number(T),
        xStar: Number(xStar),
        mx: Number(mx),
      }
    })
}

/** cdnow_customers_summary_with_transactions.csv: (x, zbar) for Gamma-Gamma. */
export function readCdnowSpend(): {
  readonly id: string
  readonly x: number
  readonly zbar: number
}[] {
  return lines('cdnow_customers_summary_with_transactions.csv')
    .slice(1)
    .map((line) => {
      const [id, x, , , zbar] = line.split(',')
      return { id: id!, x: Number(x), zbar: Number(zbar) }
    })
}

/** BTYD's weekly cumulative repeat transactions (weeks 1..78). */
export function readCdnowTracking(): number[] {
  return lines('cdnow_sample_weekly_cum_repeat_tracking_btyd.csv')
    .slice(1)
    .map((line) => Number(line.split(',')[1]))
}
