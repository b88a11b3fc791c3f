import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { InboxFile } from '../store/inbox-file.js'
import { countInboxFailures, readProcessedSeq } from '../store/ingest-progress.repository.js'
import { getDatabaseStats } from './customer-list.js'
import { encodeInboxBatch } from './inbox-payload.js'
import { drainInbox, processInboxRound } from './process-inbox.js'
import { validateBatch } from './validate-batch.js'

const NOW = Date.parse('2026-01-05T10:00:00Z')

describeEachEngine('inbox processing', (current) => {
  let dir = ''
  let inbox: InboxFile | null = null
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idic-inbox-'))
    inbox = InboxFile.open(join(dir, 'test.db.inbox'))
  })
  afterEach(() => {
    inbox?.close()
    inbox = null
    rmSync(dir, { recursive: true, force: true })
  })
  const theInbox = (): InboxFile => {
    if (inbox === null) throw new Error('no inbox')
    return inbox
  }
  const clock = manualClock(NOW)
  const deps = () => ({ store: current(), clock })

  /** Validates raw events as the ingest route does and appends the good ones. */
  function append(events: readonly unknown[], receivedAt = NOW): number {
    const batch = validateBatch({ clock: manualClock(receivedAt) }, events, {})
    return theInbox().append(
      receivedAt,
      batch.valid.length,
      encodeInboxBatch({ sentAt: null, events: batch.valid }),
    )
  }

  it('writes acknowledged batches in order, moving the mark in the same transaction', async () => {
    append([
      { type: 'identify', userId: 'ann', anonymousId: 'a1', traits: { email: 'ann@x.io' } },
      { type: 'track', anonymousId: 'a1', event: 'Product Viewed', messageId: 'm1' },
    ])
    const second = append([{ type: 'track', userId: 'ann', event: 'Signed Up', messageId: 'm2' }])
    const round = await processInboxRound(deps(), theInbox())
    expect(round).toEqual({ processedSeq: second, batches: 2, events: 3, failed: 0 })
    expect(await readProcessedSeq(current().db)).toBe(second)
    const stats = await getDatabaseStats(current().db)
    expect([stats.customers, stats.events]).toEqual([1, 3])
    const received = await current()
      .db.selectFrom('events')
      .select('received_at')
      .where('message_id', '=', 'm2')
      .executeTakeFirstOrThrow()
    expect(received.received_at).toBe(NOW)
  })

  it('never takes a batch twice: a second processor finds the mark past it', async () => {
    append([{ type: 'track', userId: 'u1', event: 'A', messageId: 'x1' }])
    append([{ type: 'track', userId: 'u1', event: 'B', messageId: 'x2' }])
    const [one, two] = await Promise.all([
      drainInbox(deps(), theInbox()),
      drainInbox(deps(), theInbox()),
    ])
    expect(one.batches + two.batches).toBe(2)
    expect((await getDatabaseStats(current().db)).events).toBe(2)
    // The inbox keeps nothing the mark has passed, and an empty round changes nothing.
    expect(theInbox().readAfter(0, 1000)).toEqual([])
    expect((await processInboxRound(deps(), theInbox())).batches).toBe(0)
  })

  it('stores a repeated messageId once, across batches', async () => {
    append([{ type: 'track', userId: 'u1', event: 'A', messageId: 'same' }])
    append([{ type: 'track', userId: 'u1', event: 'A', messageId: 'same' }])
    await drainInbox(deps(), theInbox())
    expect((await getDatabaseStats(current().db)).events).toBe(1)
  })

  it('sets a batch that cannot be processed aside, whole, and goes on', async () => {
    const bad = theInbox().append(NOW, 1, '{"not": "an inbox batch"}')
    const good = append([{ type: 'track', userId: 'u1', event: 'A', messageId: 'ok' }])
    const drained = await drainInbox(deps(), theInbox())
    expect(drained).toMatchObject({ processedSeq: good, failed: 1 })
    expect(await countInboxFailures(current().db)).toBe(1)
    const kept = await current()
      .db.selectFrom('ingest_inbox_failures')
      .select(['seq', 'payload'])
      .executeTakeFirstOrThrow()
    expect(kept).toEqual({ seq: bad, payload: '{"not": "an inbox batch"}' })
    expect((await getDatabaseStats(current().db)).events).toBe(1)
  })

  it('keeps sequence numbers above the mark when the inbox file is replaced', async () => {
    append([{ type: 'track', userId: 'u1', event: 'A', messageId: 's1' }])
    append([{ type: 'track', userId: 'u1', event: 'A', messageId: 's2' }])
    await drainInbox(deps(), theInbox())
    const mark = await readProcessedSeq(current().db)
    theInbox().close()
    inbox = InboxFile.open(join(dir, 'replacement.inbox'))
    expect(theInbox().lastSeq()).toBe(0)
    theInbox().ensureSeqAbove(mark)
    const next = append([{ type: 'track', userId: 'u1', event: 'A', messageId: 's3' }])
    expect(next).toBe(mark + 1)
    await drainInbox(deps(), theInbox())
    expect((await getDatabaseStats(current().db)).events).toBe(3)
  })
})
