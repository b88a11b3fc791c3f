/**
 * Per-customer summaries (frequency, recency, age, mean repeat spend) that the value models fit
 * on, built from plain per-customer transaction arrays, and their grouping into distinct
 * (x, t_x, T) so that fitting cost grows with distinct summaries, not with customers.
 */

export const TIME_UNITS = ['day', 'week'] as const
export type TimeUnit = (typeof TIME_UNITS)[number]

export const DAY_MS = 86_400_000

/** Length of a time unit in milliseconds. */
export function timeUnitMs(unit: TimeUnit): number {
  switch (unit) {
    case 'day':
      return DAY_MS
    case 'week':
      return 7 * DAY_MS
  }
}

/** One customer's transactions: times in epoch milliseconds and amounts, in any order. */
export interface CustomerTransactions {
  readonly id: string
  readonly times: readonly number[]
  readonly amounts: readonly number[]
}

export interface SummaryOptions {
  /** Unit of t_x and T. */
  readonly timeUnit: TimeUnit
  /**
   * End of calibration, epoch ms. Transactions on the calendar day (UTC) holding it or earlier
   * are calibration; later ones are holdout. T runs from the first purchase's day to this
   * instant, so a midnight end (1997-09-30T00:00Z for CDNOW) gives the published T.
   */
  readonly calibrationEnd: number
  /** Transactions after this instant are ignored; default: none ignored. */
  readonly holdoutEnd?: number
}

/**
 * Summaries of the customers who bought in calibration, in the order given. Transactions on the
 * same UTC day are merged into one (their amounts summed): frequency counts repeat purchase days.
 */
export interface CustomerSummaries {
  readonly ids: readonly string[]
  /** Repeat purchase days in calibration. */
  readonly x: Float64Array
  /** Time of the last purchase, from the first, in time units. */
  readonly tx: Float64Array
  /** Age at calibration end, from the first purchase, in time units. */
  readonly T: Float64Array
  /** Mean amount of the repeat purchases (0 when x = 0). */
  readonly meanRepeatSpend: Float64Array
  /** Total amount in calibration, first purchase included. */
  readonly revenue: Float64Array
  /** First purchase, epoch ms (start of its UTC day). */
  readonly firstPurchase: Float64Array
  /** Purchase days after calibration (up to holdoutEnd). */
  readonly holdoutX: Float64Array
  readonly holdoutRevenue: Float64Array
  /** Customers left out because their first purchase falls after calibration. */
  readonly excluded: number
}

/**
 * Builds the BTYD summaries (x, t_x, T, mean repeat spend) and holdout counts from per-customer
 * transactions.
 */
export function buildCustomerSummaries(
  customers: readonly CustomerTransactions[],
  options: SummaryOptions,
): CustomerSummaries {
  const unit = timeUnitMs(options.timeUnit)
  const lastCalibrationDay = Math.floor(options.calibrationEnd / DAY_MS)
  const holdoutEnd = options.holdoutEnd ?? Infinity
  const ids: string[] = []
  const rows: number[][] = []
  let excluded = 0
  const dayTotals = new Map<number, number>()
  for (const customer of customers) {
    if (customer.times.length !== customer.amounts.length) {
      throw new Error(
        `customer ${customer.id}: ${customer.times.length} times but ${customer.amounts.length} amounts`,
      )
    }
    dayTotals.clear()
    for (let i = 0; i < customer.times.length; i++) {
      const time = customer.times[i]!
      if (time > holdoutEnd) continue
      const day = Math.floor(time / DAY_MS)
      dayTotals.set(day, (dayTotals.get(day) ?? 0) + customer.amounts[i]!)
    }
    const days = [...dayTotals.keys()].sort((p, q) => p - q)
    const first = days[0]
    if (first === undefined || first > lastCalibrationDay) {
      excluded++
      continue
    }
    let x = 0
    let last = first
    let repeatSpend = 0
    let revenue = 0
    let holdoutX = 0
    let holdoutRevenue = 0
    for (const day of days) {
      const amount = dayTotals.get(day)!
      if (day <= lastCalibrationDay) {
        revenue += amount
        if (day !== first) {
          x++
          repeatSpend += amount
          last = day
        }
      } else {
        holdoutX++
        holdoutRevenue += amount
      }
    }
    ids.push(customer.id)
    rows.push([
      x,
      ((last - first) * DAY_MS) / unit,
      (options.calibrationEnd - first * DAY_MS) / unit,
      x > 0 ? repeatSpend / x : 0,
      revenue,
      first * DAY_MS,
      holdoutX,
      holdoutRevenue,
    ])
  }
  const column = (k: number): Float64Array => Float64Array.from(rows, (row) => row[k]!)
  return {
    ids,
    x: column(0),
    tx: column(1),
    T: column(2),
    meanRepeatSpend: column(3),
    revenue: column(4),
    firstPurchase: column(5),
    holdoutX: column(6),
    holdoutRevenue: column(7),
    excluded,
  }
}

/** Distinct (x, t_x, T) with how many customers share each; sorted by x, then t_x, then T. */
export interface SummaryGroups {
  readonly x: Float64Array
  readonly tx: Float64Array
  readonly T: Float64Array
  readonly weight: Float64Array
}

/** Groups plus, for each customer, the index of its group. */
export interface GroupedSummaries extends SummaryGroups {
  readonly groupOf: Int32Array
}

/**
 * Groups identical (x, t_x, T). Fitters loop over groups, weighting by size, so a fit over a
 * million customers who bought on whole days costs what their distinct summaries cost.
 */
export function groupSummaries(
  x: Float64Array,
  tx: Float64Array,
  T: Float64Array,
): GroupedSummaries {
  const n = x.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((i, j) => x[i]! - x[j]! || tx[i]! - tx[j]! || T[i]! - T[j]!)
  const groupOf = new Int32Array(n)
  const gx: number[] = []
  const gtx: number[] = []
  const gT: number[] = []
  const gw: number[] = []
  for (let k = 0; k < n; k++) {
    const i = order[k]!
    const last = gx.length - 1
    if (last >= 0 && gx[last] === x[i] && gtx[last] === tx[i] && gT[last] === T[i]) {
      gw[last] = gw[last]! + 1
    } else {
      gx.push(x[i]!)
      gtx.push(tx[i]!)
      gT.push(T[i]!)
      gw.push(1)
    }
    groupOf[i] = gx.length - 1
  }
  return {
    x: Float64Array.from(gx),
    tx: Float64Array.from(gtx),
    T: Float64Array.from(gT),
    weight: Float64Array.from(gw),
    groupOf,
  }
}
