import { afterEach, expect, it } from 'vitest'
import { sendFixture, type SendFixture } from '../../test-support/send-fixture.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { setConsent } from './consents.repository.js'
import {
  processDueDeliveries,
  watchDueDeliveries,
  type DueDeliveryReport,
} from './process-due-deliveries.js'
import { sendMessage } from './send-message.js'

describeEachEngine('processing due deliveries', (current) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  /** Three marketing emails held by quiet hours (Tokyo, 21:00 local at the fixture's start). */
  async function heldMessages(): Promise<SendFixture> {
    const fixture = await sendFixture(current(), { timezone: 'Asia/Tokyo' })
    cleanups.push(() => fixture.close())
    await setConsent(
      fixture.deps.db,
      fixture.customerId,
      { channel: 'email', topic: '*', granted: true, source: 'test' },
      fixture.clock.now(),
    )
    for (const key of ['a', 'b', 'c']) {
      const held = await sendMessage(fixture.deps, {
        identity: 'u1',
        channel: 'email',
        kind: 'marketing',
        topic: 'news',
        subject: key,
        body: 'Hello',
        idempotencyKey: key,
      })
      expect(held.ok && held.value.delivery.status).toBe('held')
    }
    fixture.clock.advance(11 * 3_600_000)
    return fixture
  }

  it('sends each due delivery once when several runs process at the same time', async () => {
    const { deps, smtp } = await heldMessages()
    const runs = await Promise.all([
      processDueDeliveries(deps),
      processDueDeliveries(deps),
      processDueDeliveries(deps),
    ])
    expect(runs.flat().map((r) => r.status)).toEqual(['sent', 'sent', 'sent'])
    expect(smtp.received.map((m) => /^Subject: (\w)/m.exec(m.raw)?.[1]).sort()).toEqual([
      'a',
      'b',
      'c',
    ])
    expect(await processDueDeliveries(deps)).toEqual([])
  })

  it('keeps processing in rounds until stopped', async () => {
    const { deps, smtp } = await heldMessages()
    const stop = new AbortController()
    const rounds: (readonly DueDeliveryReport[])[] = []
    await watchDueDeliveries(deps, {
      everyMs: 5,
      signal: stop.signal,
      limit: 2,
      onRound: (reports) => {
        rounds.push(reports)
        if (rounds.length === 3) stop.abort()
      },
      onError: (error) => {
        throw error
      },
    })
    expect(rounds.map((r) => r.length)).toEqual([2, 1, 0])
    expect(smtp.received).toHaveLength(3)
  })
})
