import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import {
  countMatching,
  customerMatchesRule,
  customersMatchingRule,
  selectSegmentMembers,
} from './compile-segment-rule.js'
import { parseSegmentRule } from './parse-segment-rule.js'
import type { SegmentRule } from './segment-rule.js'
import { FIXTURE_CUSTOMERS, FIXTURE_NOW, loadSegmentFixture } from './segment-fixture.js'

type Case = readonly [rule: unknown, expected: readonly string[]]

const ALL_IDS = FIXTURE_CUSTOMERS.map((c) => c.id)

const CUSTOMER_CASES: readonly Case[] = [
  [{ field: 'email', op: 'contains', value: 'GMAIL' }, ['ana', 'dee']],
  [{ field: 'email', op: 'exists' }, ['ana', 'bob', 'dee']],
  [{ not: { field: 'email', op: 'exists' } }, ['cy']],
  // A missing email is not "different from ana's"; `not` of eq includes it.
  [{ field: 'email', op: 'neq', value: 'ana@gmail.com' }, ['bob', 'dee']],
  [{ not: { field: 'email', op: 'eq', value: 'ana@gmail.com' } }, ['bob', 'cy', 'dee']],
  [{ field: 'email', op: 'in', value: ['bob@yahoo.com', 'x@y.z'] }, ['bob']],
  [{ field: 'managerId', op: 'eq', value: 'mgr_1' }, ['ana']],
  [{ field: 'country', op: 'eq', value: 'FR' }, ['ana']],
  [{ field: 'country', op: 'eq', value: 'DE' }, ['bob']],
  [{ field: 'lastSeenAt', op: 'before', ago: { days: 30 } }, ['bob']],
  [{ field: 'lastSeenAt', op: 'after', ago: { days: 7 } }, ['ana', 'cy']],
  [{ field: 'lastSeenAt', op: 'after', ago: { hours: 36 } }, ['cy']],
  [{ field: 'firstSeenAt', op: 'lt', value: '2025-06-01' }, ['bob']],
  [{ field: 'firstSeenAt', op: 'between', value: ['2025-05-01T00:00:00Z', '2025-09-01'] }, ['ana']],
  [{ field: 'createdAt', op: 'gte', value: FIXTURE_NOW - 50 * 86_400_000 }, ['cy', 'dee']],
]

const TRAIT_CASES: readonly Case[] = [
  [{ trait: 'plan', op: 'eq', value: 'pro' }, ['ana']],
  // Compared by the JSON type of the value given: Dee's plan is the number 5.
  [{ trait: 'plan', op: 'eq', value: 5 }, ['dee']],
  [{ trait: 'plan', op: 'in', value: ['pro', 'free'] }, ['ana', 'bob']],
  [{ trait: 'seats', op: 'gte', value: 2 }, ['ana']],
  [{ trait: 'seats', op: 'between', value: [1, 5] }, ['ana', 'bob']],
  [{ trait: 'vip', op: 'eq', value: true }, ['ana']],
  [{ trait: 'vip', op: 'eq', value: false }, ['bob']],
  [{ trait: 'address.city', op: 'eq', value: 'Lyon' }, ['ana']],
  [{ trait: 'plan', op: 'exists' }, ['ana', 'bob', 'dee']],
  [{ trait: 'plan', op: 'contains', value: 'RO' }, ['ana']],
  [{ not: { trait: 'plan', op: 'eq', value: 'pro' } }, ['bob', 'cy', 'dee']],
]

const SCORE_CASES: readonly Case[] = [
  [{ score: 'tier', op: 'eq', value: 'mvc' }, ['ana']],
  [{ score: 'tier', op: 'neq', value: 'mvc' }, ['bob', 'dee']],
  [{ score: 'clv', op: 'gt', value: 100 }, ['ana']],
  [{ not: { score: 'clv', op: 'gt', value: 100 } }, ['bob', 'cy', 'dee']],
  [{ score: 'clv', op: 'exists' }, ['ana', 'bob']],
  [{ score: 'rfmSegment', op: 'in', value: ['At risk', 'Hibernating'] }, ['bob', 'dee']],
  [{ score: 'pAlive', op: 'lt', value: 0.5 }, ['bob']],
]

const EVENT_CASES: readonly Case[] = [
  [{ performed: 'Order Completed' }, ['ana', 'bob']],
  [{ performed: 'Order Completed', within: { days: 30 } }, ['ana']],
  [{ performed: 'Order Completed', count: { gte: 2 } }, ['ana']],
  [{ performed: 'Product Viewed', within: { weeks: 1 }, count: { gte: 3 } }, ['cy']],
  [{ performed: 'Product Viewed', count: { lte: 1 } }, ['ana', 'bob', 'dee']],
  [{ performed: 'Product Viewed', count: { gte: 0 } }, ALL_IDS],
  [
    { performed: 'Product Viewed', where: [{ property: 'price', op: 'gte', value: 50 }] },
    ['bob', 'cy'],
  ],
  [
    { performed: 'Product Viewed', where: [{ property: 'on_sale', op: 'eq', value: true }] },
    ['bob'],
  ],
  [
    {
      performed: 'Order Completed',
      within: { hours: 120 },
      where: [{ property: 'category', op: 'eq', value: 'Books' }],
    },
    ['ana'],
  ],
  [{ not: { performed: 'Order Completed' } }, ['cy', 'dee']],
  // Through arrays: some element passes.
  [
    {
      performed: 'Order Completed',
      where: [{ property: 'products[].category', op: 'eq', value: 'Kitchen' }],
    },
    ['bob'],
  ],
  [
    {
      performed: 'Order Completed',
      where: [{ property: 'products[].price', op: 'gte', value: 15 }],
    },
    ['ana', 'bob'],
  ],
  [
    {
      performed: 'Order Completed',
      where: [{ property: 'products[].product_id', op: 'in', value: ['pan-1', 'x'] }],
    },
    ['bob'],
  ],
  [
    { performed: 'Order Completed', where: [{ property: 'products[].sku', op: 'exists' }] },
    ['bob'],
  ],
  [
    {
      performed: 'Order Completed',
      where: [{ property: 'coupons[]', op: 'eq', value: 'WELCOME' }],
    },
    ['ana'],
  ],
  [
    {
      performed: 'Order Completed',
      where: [{ property: 'coupons[]', op: 'contains', value: 'book' }],
    },
    ['ana'],
  ],
  // Not an array there (a string, an object): nothing to search.
  [
    { performed: 'Order Completed', where: [{ property: 'category[]', op: 'eq', value: 'Books' }] },
    [],
  ],
]

const ORDER_CASES: readonly Case[] = [
  [{ orders: 'count', op: 'gte', value: 2 }, ['ana']],
  // Dee's only order was cancelled.
  [{ orders: 'count', op: 'eq', value: 0 }, ['cy', 'dee']],
  [{ orders: 'revenue', op: 'gte', value: 100, within: { days: 30 } }, ['ana']],
  [{ orders: 'revenue', op: 'gt', value: 100, within: { days: 30 } }, []],
  [{ orders: 'revenue', op: 'between', value: [100, 200] }, ['ana', 'bob']],
  [{ orders: 'lastOrderAt', op: 'before', ago: { days: 120 } }, ['bob']],
  [{ orders: 'firstOrderAt', op: 'after', ago: { days: 30 } }, ['ana']],
]

const TASTE_CASES: readonly Case[] = [
  // Ana: 3 of 4 units are books. Bob's "Bookends" is not under "Books".
  [{ taste: { category: 'Books', minShare: 0.5 } }, ['ana']],
  [{ taste: { category: 'Books', minShare: 0.5, by: 'revenue' } }, []],
  [{ taste: { category: 'Books', minShare: 0.4, by: 'revenue' } }, ['ana']],
  // The catalog's category wins over the order line's stale one.
  [{ taste: { category: 'Books > Travel', minShare: 0.25 } }, ['ana']],
  [{ taste: { category: 'Kitchen', minShare: 0.6, within: { days: 200 } } }, ['bob']],
  [{ taste: { category: 'Kitchen', minShare: 0.6, within: { days: 100 } } }, []],
]

const COMBINED_CASES: readonly Case[] = [
  [
    {
      all: [
        { score: 'tier', op: 'eq', value: 'mvc' },
        { performed: 'Order Completed', within: { days: 90 } },
        { taste: { category: 'Books', minShare: 0.3 } },
      ],
    },
    ['ana'],
  ],
  [
    {
      any: [
        { orders: 'lastOrderAt', op: 'before', ago: { days: 120 } },
        { not: { field: 'email', op: 'exists' } },
      ],
    },
    ['bob', 'cy'],
  ],
  [{ not: { any: [{ trait: 'plan', op: 'exists' }, { performed: 'Product Viewed' }] } }, []],
]

describeEachEngine('segment rules in SQL', (current, engine) => {
  async function check(cases: readonly Case[]): Promise<void> {
    const { db } = current()
    await loadSegmentFixture(db)
    for (const [input, expected] of cases) {
      const parsed = parseSegmentRule(input)
      if (!parsed.ok) throw new Error(`${JSON.stringify(input)}: ${parsed.error.message}`)
      const rule: SegmentRule = parsed.value
      const label = JSON.stringify(input)
      const rows = await selectSegmentMembers(db, rule, FIXTURE_NOW).execute()
      expect(rows.map((r) => r.customerId).sort(), label).toEqual([...expected].sort())
      expect(await countMatching(db, rule, FIXTURE_NOW), label).toBe(expected.length)
      for (const id of ALL_IDS) {
        expect(await customerMatchesRule(db, rule, id, FIXTURE_NOW), `${label} ${id}`).toBe(
          expected.includes(id),
        )
      }
      const some = await customersMatchingRule(db, rule, ['ana', 'cy', 'nobody'], FIXTURE_NOW)
      expect([...some].sort(), label).toEqual(expected.filter((id) => id === 'ana' || id === 'cy'))
    }
  }

  it('tests customer fields, absolute and relative dates', async () => {
    await check(CUSTOMER_CASES)
  })
  it('tests traits by the JSON type of the value', async () => {
    await check(TRAIT_CASES)
  })
  it('tests value figures, tier and RFM segment', async () => {
    await check(SCORE_CASES)
  })
  it('tests events performed, with windows, counts and property filters', async () => {
    await check(EVENT_CASES)
  })
  it('tests order counts, revenue and order dates', async () => {
    await check(ORDER_CASES)
  })
  it('tests category tastes by units and by revenue', async () => {
    await check(TASTE_CASES)
  })
  it('combines conditions with all, any and not', async () => {
    await check(COMBINED_CASES)
  })

  it('binds trait names and values, so quotes cannot break out of the query', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const rule: SegmentRule = { trait: 'plan', op: 'eq', value: "pro' OR 1=1 --" }
    expect(await countMatching(db, rule, FIXTURE_NOW)).toBe(0)
  })

  if (engine === 'sqlite') {
    it("reads each customer's order figures from the covering index, not the order rows", async () => {
      const { db } = current()
      await loadSegmentFixture(db)
      for (const rule of [
        { orders: 'count', op: 'gte', value: 2, within: { days: 90 } },
        { orders: 'revenue', op: 'gte', value: 100 },
        { orders: 'lastOrderAt', op: 'before', ago: { days: 30 } },
      ]) {
        const parsed = parseSegmentRule(rule)
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.error))
        const compiled = selectSegmentMembers(db, parsed.value, FIXTURE_NOW).compile()
        const plan = await db.executeQuery({
          ...compiled,
          sql: `EXPLAIN QUERY PLAN ${compiled.sql}`,
        })
        const details = (plan.rows as { detail: string }[]).map((r) => r.detail).join(' | ')
        expect(details, JSON.stringify(rule)).toContain(
          'USING COVERING INDEX orders_customer_facts',
        )
      }
    })
  }
})
