import { describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { getValueCharts, histogram, meanByRecency } from './value-charts.js'

describe('histogram', () => {
  it('counts every value once, with the tail above the clip quantile in the last bin', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i).sort()
    values[99] = 1e6
    const bins = histogram(values, 4, 0.98)
    expect(bins.reduce((s, b) => s + b.customers, 0)).toBe(100)
    expect(bins[0]!.from).toBe(0)
    expect(bins[3]!.to).toBe(1e6)
    expect(bins[3]!.customers).toBeGreaterThanOrEqual(1)
  })

  it('puts identical values into one bin and is empty for no values', () => {
    expect(histogram(Float64Array.of(5, 5, 5), 3).map((b) => b.customers)).toEqual([3, 0, 0])
    expect(histogram(new Float64Array(0), 3)).toEqual([])
  })
})

describe('meanByRecency', () => {
  it('averages P(alive) per recency bin', () => {
    const bins = meanByRecency(Float64Array.of(0, 1, 9, 10), Float64Array.of(1, 0.8, 0.2, 0), 2)
    expect(bins.map((b) => b.customers)).toEqual([2, 2])
    expect(bins[0]!.meanPAlive).toBeCloseTo(0.9)
    expect(bins[1]!.meanPAlive).toBeCloseTo(0.1)
  })
})

describeEachEngine('getValueCharts', (current) => {
  it('reads the stored scores', async () => {
    const { db } = current()
    const base = {
      model_run_id: 'run_1',
      frequency: 1,
      age: 50,
      historical_revenue: 10,
      historical_margin: 3,
      cost_to_serve: 0,
      expected_transactions: 1,
      expected_spend: 10,
      tier: 'low_maintenance',
      tier_reason: 'test',
      rfm_r: 1,
      rfm_f: 1,
      rfm_m: 1,
      rfm_segment: 'x',
      wallet: null,
      share_of_wallet: null,
      growth_potential: null,
      computed_at: 0,
    }
    await db
      .insertInto('scores')
      .values([
        { ...base, customer_id: 'a', recency: 1, p_alive: 0.9, clv: 100, actual_value: 110 },
        { ...base, customer_id: 'b', recency: 40, p_alive: 0.1, clv: 5, actual_value: 8 },
        { ...base, customer_id: 'c', recency: 2, p_alive: null, clv: null, actual_value: null },
      ])
      .execute()
    const charts = await getValueCharts(db, 2)
    expect(charts.scored).toBe(3)
    expect(charts.activeShare).toBe(0.5)
    expect(charts.clvHistogram.reduce((s, b) => s + b.customers, 0)).toBe(2)
    expect(charts.pAliveByRecency.map((b) => b.meanPAlive)).toEqual([0.9, 0.1])
  })
})
