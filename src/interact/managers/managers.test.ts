import { expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import type { Store } from '../../store/engine.js'
import { addScore } from '../../../test-support/interact-fixture.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { recordInboundMessage } from '../dialogue.js'
import { assignManagers } from './assign-managers.js'
import { createManager, listManagers, listPortfolio } from './managers.repository.js'
import { runTaskRules } from './task-rules.js'
import { listTasks } from './tasks.repository.js'

const START = Date.UTC(2026, 2, 10, 12)

async function customersWithOrders(store: Store, totals: readonly number[]): Promise<void> {
  const clock = manualClock(START)
  await ingestEvents(
    { store, clock },
    totals.map((total, i) => ({
      type: 'track',
      userId: `u${i}`,
      event: 'Order Completed',
      properties: { order_id: `o${i}`, total, products: [] },
    })),
  )
}

describeEachEngine('customer managers', (current) => {
  it('assigns top customers by revenue when no scores exist, balanced and stable', async () => {
    const store = current()
    await customersWithOrders(store, [900, 800, 700, 600, 500, 400, 300, 200, 100, 50])
    const a = await createManager(store.db, { name: 'Ana' }, START)
    const b = await createManager(store.db, { name: 'Bo' }, START)
    const report = await assignManagers(store.db, { mvcShare: 0.4 })
    expect(report).toMatchObject({ tierSource: 'revenue', assigned: 4, kept: 0, unassigned: [] })
    expect(report.perManager).toEqual({ [a.id]: 2, [b.id]: 2 })
    // Most valuable first, alternating: one gets 900 and 600, the other 800 and 700.
    const portfolios = [
      (await listPortfolio(store.db, a.id)).map((p) => p.revenue),
      (await listPortfolio(store.db, b.id)).map((p) => p.revenue),
    ].sort((x, y) => (y[0] ?? 0) - (x[0] ?? 0))
    expect(portfolios).toEqual([
      [900, 600],
      [800, 700],
    ])
    // A rerun keeps everyone where they are.
    const again = await assignManagers(store.db, { mvcShare: 0.4 })
    expect(again).toMatchObject({ assigned: 0, kept: 4 })
    expect((await listManagers(store.db)).map((m) => m.portfolioSize)).toEqual([2, 2])
  })

  it('reads tiers and P(alive) from a scores table when there is one, and raises tasks once', async () => {
    const store = current()
    await customersWithOrders(store, [100, 90, 80])
    const ids = (await store.db.selectFrom('identities').select(['value', 'customer_id']).execute())
      .sort((x, y) => x.value.localeCompare(y.value))
      .map((r) => r.customer_id)
    await addScore(store, ids[0]!, { tier: 'mvc', clv: 5000, pAlive: 0.2 })
    await addScore(store, ids[1]!, { tier: 'mgc', clv: 3000, pAlive: 0.9 })
    await addScore(store, ids[2]!, { tier: 'low_maintenance', clv: 10, pAlive: 0.1 })
    const manager = await createManager(store.db, { name: 'Ana' }, START)
    const report = await assignManagers(store.db)
    expect(report).toMatchObject({ tierSource: 'scores', assigned: 2 })

    const clock = manualClock(START)
    await recordInboundMessage(
      { db: store.db, clock },
      { identity: ids[1]!, kind: 'rating', text: 'meh', rating: 1 },
    )
    await recordInboundMessage(
      { db: store.db, clock },
      { identity: ids[2]!, kind: 'complaint', text: 'not top' },
    )
    await recordInboundMessage(
      { db: store.db, clock },
      { identity: ids[0]!, kind: 'question', text: 'Hello?' },
    )
    const now = START + 25 * 3_600_000
    const rules = await runTaskRules(store.db, now)
    expect(rules).toEqual([
      { rule: 'palive_drop', raised: 1, skipped: null },
      { rule: 'negative_feedback', raised: 1, skipped: null },
      // Both open threads (the question and the complaint) waited over 24 h.
      { rule: 'unanswered_question', raised: 2, skipped: null },
    ])
    const tasks = await listTasks(store.db, { managerId: manager.id, status: 'open' })
    expect(tasks.map((t) => [t.customerId, t.rule]).sort()).toEqual(
      [
        [ids[0], 'palive_drop'],
        [ids[0], 'unanswered_question'],
        [ids[1], 'negative_feedback'],
        // Not a top customer, but the complaint's owner must still answer it.
        [ids[2], 'unanswered_question'],
      ].sort(),
    )
    expect((await runTaskRules(store.db, now + 3_600_000)).map((r) => r.raised)).toEqual([0, 0, 0])
  })

  it('skips the P(alive) rule without scores and says why', async () => {
    const store = current()
    const rules = await runTaskRules(store.db, START)
    expect(rules[0]).toEqual({
      rule: 'palive_drop',
      raised: 0,
      skipped: 'no scores table: run the value models first',
    })
  })
})
