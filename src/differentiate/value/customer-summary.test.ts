import { describe, expect, it } from 'vitest'
import { buildCustomerSummaries, groupSummaries } from './customer-summary.js'

const day = (d: number, hour = 0): number => Date.UTC(2024, 0, 1 + d, hour)

describe('buildCustomerSummaries', () => {
  const customers = [
    // Two orders on day 0 merge into one purchase; repeats on days 7 and 14; one in holdout.
    {
      id: 'a',
      times: [day(0, 9), day(0, 18), day(7), day(14, 23), day(40)],
      amounts: [10, 5, 20, 30, 8],
    },
    { id: 'b', times: [day(3)], amounts: [12] },
    // First purchase after calibration: not in the calibration cohort.
    { id: 'late', times: [day(35)], amounts: [3] },
  ]

  it('merges same-day purchases and measures in the time unit', () => {
    const s = buildCustomerSummaries(customers, { timeUnit: 'week', calibrationEnd: day(28) })
    expect(s.ids).toEqual(['a', 'b'])
    expect(Array.from(s.x)).toEqual([2, 0])
    expect(Array.from(s.tx)).toEqual([2, 0])
    expect(Array.from(s.T)).toEqual([4, 25 / 7])
    expect(Array.from(s.meanRepeatSpend)).toEqual([25, 0])
    expect(Array.from(s.revenue)).toEqual([65, 12])
    expect(Array.from(s.holdoutX)).toEqual([1, 0])
    expect(s.excluded).toBe(1)
    const days = buildCustomerSummaries(customers, { timeUnit: 'day', calibrationEnd: day(28) })
    expect(Array.from(days.tx)).toEqual([14, 0])
  })

  it('counts a purchase later on the calibration-end day as calibration', () => {
    const s = buildCustomerSummaries([{ id: 'c', times: [day(0), day(10, 20)], amounts: [1, 2] }], {
      timeUnit: 'day',
      calibrationEnd: day(10),
    })
    expect(Array.from(s.x)).toEqual([1])
    expect(Array.from(s.tx)).toEqual([10])
  })

  it('rejects mismatched arrays with the customer named', () => {
    expect(() =>
      buildCustomerSummaries([{ id: 'bad', times: [1, 2], amounts: [1] }], {
        timeUnit: 'day',
        calibrationEnd: 0,
      }),
    ).toThrow(/bad/)
  })
})

describe('groupSummaries', () => {
  it('groups identical summaries, sorted by x, and maps customers to groups', () => {
    const g = groupSummaries(
      Float64Array.of(1, 0, 1, 0, 2),
      Float64Array.of(3, 0, 3, 0, 5),
      Float64Array.of(9, 9, 9, 8, 9),
    )
    expect(Array.from(g.x)).toEqual([0, 0, 1, 2])
    expect(Array.from(g.T)).toEqual([8, 9, 9, 9])
    expect(Array.from(g.weight)).toEqual([1, 1, 2, 1])
    expect(Array.from(g.groupOf)).toEqual([2, 1, 2, 0, 3])
  })
})
