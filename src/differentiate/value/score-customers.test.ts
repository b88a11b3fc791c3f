import { expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import type { Store } from '../../store/engine.js'
import {
  CDNOW_AVAILABLE,
  CDNOW_CALIBRATION_END,
  readCdnowTracking,
  readCdnowTransactions,
} from '../../../test-support/cdnow.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { buildCustomerSummaries, type CustomerTransactions } from './customer-summary.js'
import { scoreCustomers } from './score-customers.js'
import { findScore, latestModelRun, listScores, loadValueSummaries } from './value.repository.js'
import { createRandom } from '../../numeric/random.js'
import { simulateBgNbd } from './simulate-customers.js'

const DAY = 86_400_000
const START = Date.UTC(2024, 0, 1)

interface TestOrder {
  readonly customer: string
  readonly id: string
  readonly at: number
  readonly total: number
  readonly refunded?: number
  readonly discount?: number
  readonly status?: string
  readonly country?: string
}

async function insertOrders(store: Store, orders: readonly TestOrder[]): Promise<void> {
  for (let start = 0; start < orders.length; start += 1000) {
    await store.db
      .insertInto('orders')
      .values(
        orders.slice(start, start + 1000).map((o) => ({
          customer_id: o.customer,
          order_id: o.id,
          placed_at: o.at,
          total: o.total,
          discount: o.discount ?? 0,
          refunded: o.refunded ?? 0,
          currency: 'EUR',
          status: o.status ?? 'completed',
          country: o.country ?? 'NL',
          source: 'import',
          message_id: null,
          created_at: o.at,
        })),
      )
      .execute()
  }
}

/** A few hundred customers from BG/NBD on whole days, with varied spend. */
function simulatedOrders(customers: number, seed: number): TestOrder[] {
  const random = createRandom(seed)
  const T = Float64Array.from({ length: customers }, () => 20 + Math.floor(random.uniform() * 30))
  const x = new Float64Array(customers)
  const tx = new Float64Array(customers)
  simulateBgNbd({ r: 0.8, alpha: 6, a: 0.6, b: 3 }, T, random, x, tx, 1 / 7)
  const orders: TestOrder[] = []
  const end = START + 52 * 7 * DAY
  for (let i = 0; i < customers; i++) {
    const first = end - Math.round(T[i]! * 7) * DAY
    const spend = 10 + 80 * random.uniform()
    orders.push({
      customer: `c${i}`,
      id: `c${i}-0`,
      at: first + 3_600_000,
      total: spend,
      country: i % 3 === 0 ? 'DE' : 'NL',
    })
    // x repeat days spread up to t_x, the last one exactly at t_x.
    for (let k = 1; k <= x[i]!; k++) {
      const day =
        k === x[i]! ? Math.round(tx[i]! * 7) : Math.max(1, Math.round((tx[i]! * 7 * k) / x[i]!) - 1)
      orders.push({
        customer: `c${i}`,
        id: `c${i}-${k}`,
        at: first + day * DAY + 7_200_000,
        total: spend * (0.5 + random.uniform()),
      })
    }
  }
  return orders
}

function allFiniteOrNull(row: object): boolean {
  return Object.values(row).every((v) => typeof v !== 'number' || Number.isFinite(v))
}

describeEachEngine('value scoring', (current) => {
  it('computes in SQL the same summaries as the pure builder', async () => {
    const store = current()
    const orders: TestOrder[] = [
      { customer: 'a', id: '1', at: START + 9 * 3_600_000, total: 10 },
      { customer: 'a', id: '2', at: START + 20 * 3_600_000, total: 5 }, // same day: merged
      { customer: 'a', id: '3', at: START + 7 * DAY, total: 20, refunded: 5 },
      { customer: 'a', id: '4', at: START + 9 * DAY, total: 40, status: 'cancelled' },
      { customer: 'a', id: '5', at: START + 14 * DAY + 1000, total: 30 },
      { customer: 'a', id: '6', at: START + 40 * DAY, total: 8 }, // holdout
      { customer: 'b', id: '1', at: START + 3 * DAY, total: 12 },
      { customer: 'b', id: '2', at: START + 5 * DAY, total: 12, refunded: 12, status: 'refunded' }, // not a purchase
      { customer: 'late', id: '1', at: START + 35 * DAY, total: 3 },
    ]
    await insertOrders(store, orders)
    const calibrationEnd = START + 28 * DAY
    const sql = await loadValueSummaries(store.db, { timeUnit: 'week', calibrationEnd })
    const byCustomer = new Map<string, CustomerTransactions>()
    for (const o of orders) {
      const net = o.total - (o.refunded ?? 0)
      if (o.status === 'cancelled' || !(net > 0 || (o.total === 0 && net === 0))) continue
      const entry = byCustomer.get(o.customer) ?? { id: o.customer, times: [], amounts: [] }
      ;(entry.times as number[]).push(o.at)
      ;(entry.amounts as number[]).push(o.total - (o.refunded ?? 0))
      byCustomer.set(o.customer, entry)
    }
    const pure = buildCustomerSummaries([...byCustomer.values()], {
      timeUnit: 'week',
      calibrationEnd,
    })
    expect(sql.map((r) => r.customerId)).toEqual(pure.ids)
    sql.forEach((row, i) => {
      expect(row.x, `x of ${row.customerId}`).toBe(pure.x[i])
      expect(row.tx).toBeCloseTo(pure.tx[i]!, 12)
      expect(row.T).toBeCloseTo(pure.T[i]!, 12)
      expect(row.meanRepeatSpend).toBeCloseTo(pure.meanRepeatSpend[i]!, 12)
      expect(row.holdoutX).toBe(pure.holdoutX[i])
    })
    expect(sql[0]).toMatchObject({
      x: 2,
      tx: 2,
      T: 4,
      recency: 2,
      revenue: 60,
      refunded: 5,
      orders: 4,
    })
    // The fully refunded day is not a purchase, but its (zero) money still counts.
    expect(sql[1]).toMatchObject({ x: 0, revenue: 12, refunded: 12, orders: 2 })
  })

  it('scores customers, stores scores and a model run, and reports the fit', async () => {
    const store = current()
    await insertOrders(store, simulatedOrders(400, 11))
    const clock = manualClock(START + 60 * 7 * DAY)
    const result = await scoreCustomers(
      { db: store.db, capabilities: store.capabilities, clock },
      { calibrationEnd: START + 52 * 7 * DAY },
    )
    if (!result.ok) throw new Error(result.error.message)
    const report = result.value
    expect(report.model).toBe('bgnbd')
    expect(Object.keys(report.params)).toEqual(['r', 'alpha', 'a', 'b'])
    expect(Number.isFinite(report.logLik)).toBe(true)
    expect(report.spend.params).not.toBeNull()
    expect(report.customers).toBe(400)
    expect(report.fitMs).toBeGreaterThan(0)
    const scores = await listScores(store.db)
    expect(scores).toHaveLength(400)
    expect(scores.every(allFiniteOrNull)).toBe(true)
    expect(scores.every((s) => s.p_alive !== null && s.clv !== null)).toBe(true)
    expect(new Set(scores.map((s) => s.tier)).size).toBeGreaterThanOrEqual(3)
    const one = await findScore(store.db, 'c0')
    expect(one?.tier_reason).toMatch(/actual value/)
    const run = await latestModelRun(store.db)
    expect(run?.id).toBe(report.modelRunId)
    expect(JSON.parse(run!.params)).toMatchObject({ purchase: report.params })
    expect(report.tracking.actual.length).toBe(report.tracking.expected.length)
  })

  it('scores with Pareto/NBD too', async () => {
    const store = current()
    await insertOrders(store, simulatedOrders(200, 12))
    const result = await scoreCustomers(
      { db: store.db, capabilities: store.capabilities, clock: manualClock(START + 60 * 7 * DAY) },
      { model: 'pnbd', timeUnit: 'day', calibrationEnd: START + 52 * 7 * DAY },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(Object.keys(result.value.params)).toEqual(['r', 'alpha', 's', 'beta'])
    expect((await listScores(store.db)).every(allFiniteOrNull)).toBe(true)
  })

  it('says why when there is nothing to fit', async () => {
    const store = current()
    const deps = { db: store.db, capabilities: store.capabilities, clock: manualClock(START) }
    const empty = await scoreCustomers(deps, { calibrationEnd: START })
    expect(empty.ok || empty.error.type).toBe('no_customers')
    await insertOrders(store, [
      { customer: 'a', id: '1', at: START + DAY, total: 10 },
      { customer: 'b', id: '1', at: START + 2 * DAY, total: 20 },
      { customer: 'b', id: '2', at: START + 2 * DAY + 1000, total: 5 },
    ])
    const early = await scoreCustomers(deps, { calibrationEnd: START - DAY })
    if (early.ok) throw new Error('expected an error')
    expect(early.error.type).toBe('no_customers')
    expect(early.error.message).toMatch(/before the first order/)
    const once = await scoreCustomers(deps, { calibrationEnd: START + 30 * DAY })
    if (once.ok) throw new Error('expected an error')
    expect(once.error.type).toBe('no_repeat_buyers')
    expect(once.error.message).toMatch(/All 2 customers bought on a single day/)
    const bad = await scoreCustomers(deps, { horizon: -1 })
    expect(bad.ok || bad.error.type).toBe('invalid_options')
    expect(await listScores(store.db)).toHaveLength(0)
  })

  it('copes with single orders, zero-value orders and returns without storing NaN', async () => {
    const store = current()
    const orders = simulatedOrders(120, 13)
    orders.push(
      { customer: 'zero', id: '1', at: START + 100 * DAY, total: 0 },
      { customer: 'zero', id: '2', at: START + 120 * DAY, total: 15 },
      { customer: 'zero', id: '3', at: START + 130 * DAY, total: 0 },
      { customer: 'ret', id: '1', at: START + 100 * DAY, total: 50 },
      {
        customer: 'ret',
        id: '2',
        at: START + 110 * DAY,
        total: 30,
        refunded: 30,
        status: 'refunded',
      },
      { customer: 'ret', id: '3', at: START + 200 * DAY, total: 20, refunded: 0 },
      { customer: 'neg', id: '1', at: START + 100 * DAY, total: 40 },
      { customer: 'neg', id: '2', at: START + 150 * DAY, total: 10 },
      {
        customer: 'neg',
        id: '3',
        at: START + 150 * DAY + 1000,
        total: 25,
        refunded: 60,
        status: 'partially_refunded',
      },
      { customer: 'single', id: '1', at: START + 300 * DAY, total: 99 },
      // A return booked as an order with a negative total.
      { customer: 'minus', id: '1', at: START + 100 * DAY, total: 60 },
      { customer: 'minus', id: '2', at: START + 140 * DAY, total: -20 },
      { customer: 'onlyReturn', id: '1', at: START + 100 * DAY, total: -5 },
    )
    await insertOrders(store, orders)
    const result = await scoreCustomers(
      { db: store.db, capabilities: store.capabilities, clock: manualClock(START + 400 * DAY) },
      { calibrationEnd: START + 52 * 7 * DAY },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.warnings.join('\n')).toMatch(/bought only once/)
    const scores = await listScores(store.db)
    expect(scores.every(allFiniteOrNull)).toBe(true)
    expect(result.value.warnings.join('\n')).toMatch(/zero or negative mean repeat spend/)
    const neg = scores.find((s) => s.customer_id === 'neg')!
    // Day 150 bought 10 and returned 35 net: a purchase day with negative spend.
    expect(neg.frequency).toBe(1)
    expect(neg.historical_revenue).toBeCloseTo(15, 9)
    expect(neg.expected_spend).toBeGreaterThan(0)
    // Zero-value orders are purchases (a free item was still bought).
    const zero = scores.find((s) => s.customer_id === 'zero')!
    expect(zero.frequency).toBe(2)
    expect(zero.age).toBeCloseTo((52 * 7 - 100) / 7, 9)
    // A fully refunded order is not a purchase.
    expect(scores.find((s) => s.customer_id === 'ret')!.frequency).toBe(1)
    expect(scores.find((s) => s.customer_id === 'single')!.p_alive).toBe(1)
    const minus = scores.find((s) => s.customer_id === 'minus')!
    expect(minus.frequency).toBe(0)
    expect(minus.historical_revenue).toBeCloseTo(40, 9)
    // Only a return, never a purchase: not a customer of the value models.
    expect(scores.find((s) => s.customer_id === 'onlyReturn')).toBeUndefined()
  })

  it.skipIf(!CDNOW_AVAILABLE)(
    'reproduces the CDNOW BG/NBD fit from orders in the database',
    async () => {
      const store = current()
      const orders: TestOrder[] = []
      for (const customer of readCdnowTransactions()) {
        customer.times.forEach((at, k) => {
          orders.push({
            customer: customer.id,
            id: `${customer.id}-${k}`,
            at,
            total: customer.amounts[k]!,
          })
        })
      }
      await insertOrders(store, orders)
      const result = await scoreCustomers(
        {
          db: store.db,
          capabilities: store.capabilities,
          clock: manualClock(CDNOW_CALIBRATION_END),
        },
        { calibrationEnd: CDNOW_CALIBRATION_END, timeUnit: 'week' },
      )
      if (!result.ok) throw new Error(result.error.message)
      const { params, logLik, spend, customers, tracking } = result.value
      expect(customers).toBe(2357)
      const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
      for (const [name, value] of Object.entries(published)) {
        expect(
          Math.abs(params[name]! - value),
          `${name} = ${params[name]}, published ${value}`,
        ).toBeLessThanOrEqual(5e-4)
      }
      expect(Math.abs(logLik + 9582.43), `LL ${logLik}`).toBeLessThanOrEqual(5e-3)
      expect(spend.customers).toBe(946)
      expect(Math.abs(spend.params!.p - 6.25), `p ${spend.params!.p}`).toBeLessThanOrEqual(5e-3)
      expect(tracking.calibrationPeriods).toBe(38)
      expect(tracking.actual.slice(0, 78)).toEqual(readCdnowTracking())
    },
  )
})
