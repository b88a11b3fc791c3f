import { describe, expect, it } from 'vitest'
import type { InteractionRow } from './interaction-matrix.js'
import { evaluateShopInteractions } from './shop-evaluation.js'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)

/**
 * 60 customers in two taste groups (items a0..a9 and b0..b9). Before the cut-off each buys four
 * items of their group in turn and views one of the other group; in the last 10 days each buys
 * one more item of their group. Item a0/b0 are the bestsellers, so popularity recommends across
 * groups while a neighbourhood model stays within the customer's taste.
 */
function shop(): InteractionRow[] {
  const rows: InteractionRow[] = []
  for (let c = 0; c < 60; c++) {
    const group = c % 2 === 0 ? 'a' : 'b'
    const other = group === 'a' ? 'b' : 'a'
    const customer = `cus${c}`
    const bought = [0, 1 + (c % 9), 1 + ((c + 3) % 9), 1 + ((c + 5) % 9)]
    bought.forEach((i, k) =>
      rows.push({ customer, item: `${group}${i}`, kind: 'purchase', value: 1, time: T0 + k * DAY }),
    )
    rows.push({ customer, item: `${other}${c % 10}`, kind: 'view', value: 1, time: T0 + 5 * DAY })
    const next = 1 + ((c + 7) % 9)
    rows.push({
      customer,
      item: `${group}${next}`,
      kind: 'purchase',
      value: 1,
      time: T0 + 40 * DAY,
    })
  }
  // A view in the held-out days is not a purchase: it is not a test item.
  rows.push({ customer: 'cus0', item: 'b9', kind: 'view', value: 1, time: T0 + 41 * DAY })
  return rows
}

describe('evaluateShopInteractions', () => {
  it("holds out the last days' purchases and ranks the models on them", () => {
    const report = evaluateShopInteractions(shop(), {
      holdoutDays: 10,
      models: ['popularity', 'item-knn'],
      ks: [5],
    })
    expect(report.data).toBe('shop')
    expect(report.split).toMatch(/^time: purchases in the last 10 days held out/)
    expect(report.customers).toBe(60)
    expect(report.items).toBe(20)
    // Each customer's held-out purchase, unless they had already bought it before the cut-off.
    expect(report.testInteractions).toBe(report.evaluatedCustomers)
    expect(report.evaluatedCustomers).toBeGreaterThan(40)
    const pop = report.models['popularity']!
    const knn = report.models['item-knn']!
    for (const key of ['precision@5', 'recall@5', 'ndcg@5', 'map@5', 'hitrate@5', 'coverage@5']) {
      expect(pop[key]).toBeGreaterThanOrEqual(0)
      expect(knn[key]).toBeLessThanOrEqual(1)
    }
    expect(knn['ndcg@5']!).toBeGreaterThan(pop['ndcg@5']!)
    expect(report.skipped).toEqual({})
  })

  it('says why when there is nothing to evaluate', () => {
    expect(() => evaluateShopInteractions([])).toThrow('no interactions')
    const old = shop().filter((r) => r.time < T0 + 30 * DAY)
    const viewsOnly = [
      ...old,
      { customer: 'cus1', item: 'a1', kind: 'view' as const, value: 1, time: T0 + 50 * DAY },
    ]
    expect(() => evaluateShopInteractions(viewsOnly, { holdoutDays: 5 })).toThrow(
      'purchases in the last 5 days',
    )
    expect(() => evaluateShopInteractions(shop(), { holdoutDays: 0 })).toThrow('positive')
  })
})
