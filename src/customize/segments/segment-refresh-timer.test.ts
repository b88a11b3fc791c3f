import { expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { FIXTURE_NOW, loadSegmentFixture } from './segment-fixture.js'
import { startSegmentRefreshTimer } from './segment-refresh-timer.js'
import type { RefreshOutcome } from './segment-service.js'
import { createSegment } from './segment-service.js'

describeEachEngine('segment refresh timer', (current) => {
  it('refreshes due segments once per round and reports them', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const clock = manualClock(FIXTURE_NOW)
    const created = await createSegment(
      db,
      { name: 'Recent', rule: { performed: 'Order Completed', within: { days: 5 } } },
      clock.now(),
    )
    expect(created.ok && created.value.memberCount).toBe(1)
    const rounds: (readonly RefreshOutcome[])[] = []
    const timer = startSegmentRefreshTimer({
      db,
      clock,
      intervalSeconds: 60,
      onRefreshed: (outcomes) => rounds.push(outcomes),
    })
    try {
      await timer.runOnce()
      expect(rounds).toEqual([])
      // Four days on, Ana's last order (3 days before the start) is out of the 5-day window.
      clock.advance(4 * 86_400_000)
      await Promise.all([timer.runOnce(), timer.runOnce()])
      expect(rounds).toEqual([[expect.objectContaining({ name: 'Recent', removed: 1, count: 0 })]])
    } finally {
      timer.stop()
    }
  })
})
