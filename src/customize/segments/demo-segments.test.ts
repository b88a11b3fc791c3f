import { expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { scoreCustomers } from '../../differentiate/value/score-customers.js'
import { loadDemoShop } from '../../identify/demo/load-demo-shop.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { countMatching } from './compile-segment-rule.js'
import { validateSegmentRule } from './validate-segment-rule.js'

/** The README's examples, on the demo shop: each must catch somebody, and not everybody. */
const EXAMPLES = {
  mvcBooksReaders: {
    all: [
      { score: 'tier', op: 'eq', value: 'mvc' },
      { taste: { category: 'Books', minShare: 0.2, within: { days: 90 } } },
    ],
  },
  lapsed: {
    all: [
      { orders: 'count', op: 'gte', value: 1 },
      { orders: 'lastOrderAt', op: 'before', ago: { days: 120 } },
    ],
  },
  coffeeOrLoyal: {
    any: [
      { taste: { category: 'Coffee & Tea', minShare: 0.3 } },
      { score: 'rfmSegment', op: 'in', value: ['Champions', 'Loyal'] },
    ],
  },
  browsingBooks: {
    performed: 'Product Viewed',
    within: { days: 30 },
    where: [{ property: 'category', op: 'contains', value: 'Books' }],
  },
} as const

describeEachEngine('segments on the demo shop', (current) => {
  it('finds realistic segments', async () => {
    const store = current()
    const clock = manualClock(Date.UTC(2026, 5, 1))
    await loadDemoShop({ store, clock }, { customers: 400, seed: 1 })
    const scored = await scoreCustomers({ db: store.db, capabilities: store.capabilities, clock })
    expect(scored.ok).toBe(true)
    for (const [name, input] of Object.entries(EXAMPLES)) {
      const rule = await validateSegmentRule(store.db, input)
      if (!rule.ok) throw new Error(`${name}: ${rule.error.message}`)
      const count = await countMatching(store.db, rule.value, clock.now())
      expect(count, name).toBeGreaterThan(0)
      expect(count, name).toBeLessThan(400)
    }
  })
})
