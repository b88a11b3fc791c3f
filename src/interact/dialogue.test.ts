import { afterEach, expect, it } from 'vitest'
import { ingestEvents } from '../identify/ingest-events.js'
import { getCustomerProfile } from '../identify/customer-profile.js'
import { addCustomer } from '../../test-support/interact-fixture.js'
import { sendFixture } from '../../test-support/send-fixture.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import {
  answerMessage,
  projectDialogueEvents,
  recordInboundMessage,
  setThreadStatus,
} from './dialogue.js'
import { listThread } from './messages.repository.js'
import { listInbox, markInboxRead } from './engagement.js'

describeEachEngine('dialogue', (current) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  async function setup() {
    const fixture = await sendFixture(current())
    cleanups.push(() => fixture.close())
    await fixture.deps.db
      .insertInto('managers')
      .values([
        { id: 'mgr_a', name: 'Ana', email: null, capacity: null, active: 1, created_at: 0 },
        { id: 'mgr_b', name: 'Bo', email: null, capacity: null, active: 1, created_at: 0 },
      ])
      .execute()
    return fixture
  }

  it('lands an API question on the timeline and in the thread, open and owned', async () => {
    const { deps, customerId } = await setup()
    const result = await recordInboundMessage(deps, {
      identity: 'ana@example.com',
      kind: 'question',
      text: 'Do you ship to Norway?',
      subject: 'Shipping',
      idempotencyKey: 'q1',
    })
    if (!result.ok) throw new Error(JSON.stringify(result.error))
    expect(result.value).toMatchObject({
      customerId,
      direction: 'inbound',
      kind: 'question',
      status: 'open',
      ownerManagerId: 'mgr_a',
    })
    // A retry is stored once.
    await recordInboundMessage(deps, {
      identity: 'u1',
      kind: 'question',
      text: 'Do you ship to Norway?',
      idempotencyKey: 'q1',
    })
    expect(await listThread(deps.db, customerId)).toHaveLength(1)
    const profile = await getCustomerProfile(deps.db, customerId)
    expect(profile.timeline[0]).toMatchObject({
      name: 'Customer Question Asked',
      properties: { text: 'Do you ship to Norway?' },
    })
  })

  it('spreads unowned questions over managers, and prefers the customer manager', async () => {
    const { deps, store, clock } = await setup()
    const other = await addCustomer(store, clock, 'u2', { email: 'bo@example.com' })
    const first = await recordInboundMessage(deps, {
      identity: 'u1',
      kind: 'complaint',
      text: 'Late',
    })
    const second = await recordInboundMessage(deps, {
      identity: other,
      kind: 'question',
      text: '?',
    })
    expect(first.ok && first.value.ownerManagerId).toBe('mgr_a')
    expect(second.ok && second.value.ownerManagerId).toBe('mgr_b')
    await deps.db
      .updateTable('customers')
      .set({ manager_id: 'mgr_b' })
      .where('id', '=', other)
      .execute()
    const third = await recordInboundMessage(deps, {
      identity: other,
      kind: 'question',
      text: '??',
    })
    expect(third.ok && third.value.ownerManagerId).toBe('mgr_b')
  })

  it('projects dialogue track events sent through Segment ingestion', async () => {
    const { deps, store, clock, customerId } = await setup()
    const report = await ingestEvents({ store, clock, onStored: projectDialogueEvents }, [
      {
        type: 'track',
        userId: 'u1',
        event: 'Customer Complaint',
        properties: { text: 'Broken zip', subject: 'Jacket' },
        messageId: 'e1',
      },
      {
        type: 'track',
        userId: 'u1',
        event: 'Customer Liked',
        properties: { product_id: 'p9' },
        messageId: 'e2',
      },
      {
        type: 'track',
        userId: 'u1',
        event: 'Product Viewed',
        properties: { product_id: 'p9' },
        messageId: 'e3',
      },
    ])
    expect(report.accepted).toBe(3)
    // A retried batch projects nothing twice.
    await ingestEvents({ store, clock, onStored: projectDialogueEvents }, [
      {
        type: 'track',
        userId: 'u1',
        event: 'Customer Complaint',
        properties: { text: 'Broken zip' },
        messageId: 'e1',
      },
    ])
    const thread = await listThread(deps.db, customerId)
    // Both happened in the same millisecond: compare without order.
    expect(thread.map((m) => [m.kind, m.status, m.body]).sort()).toEqual([
      ['complaint', 'open', 'Broken zip'],
      ['like', null, ''],
    ])
    const likes = await deps.db
      .selectFrom('interactions')
      .selectAll()
      .where('kind', '=', 'like')
      .execute()
    expect(likes.map((l) => l.product_id)).toEqual(['p9'])
  })

  it('answers through a channel, records the answer in the thread, and a reply reopens', async () => {
    const { deps, customerId, clock } = await setup()
    const question = await recordInboundMessage(deps, {
      identity: 'u1',
      kind: 'question',
      text: 'Size 42?',
    })
    if (!question.ok) throw new Error('no question')
    clock.advance(60_000)
    const answer = await answerMessage(deps, {
      identity: 'u1',
      messageId: question.value.id,
      channel: 'in_app',
      text: 'Yes, in stock.',
    })
    if (!answer.ok) throw new Error(JSON.stringify(answer.error))
    expect(answer.value.message).toMatchObject({
      kind: 'answer',
      inReplyTo: question.value.id,
      direction: 'outbound',
    })
    expect(answer.value.delivery.status).toBe('delivered')
    let thread = await listThread(deps.db, customerId)
    expect(thread.map((m) => [m.kind, m.status])).toEqual([
      ['question', 'answered'],
      ['answer', null],
    ])
    // The answer is in the customer's inbox; reading it marks the delivery opened.
    const inbox = await listInbox(deps.db, customerId)
    expect(inbox.map((i) => i.message.body)).toEqual(['Yes, in stock.'])
    expect(await markInboxRead(deps.db, customerId, answer.value.message.id, clock.now())).toBe(
      true,
    )
    const delivery = await deps.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow()
    expect(delivery.status).toBe('opened')
    clock.advance(60_000)
    await recordInboundMessage(deps, { identity: 'u1', kind: 'reply', text: 'And in blue?' })
    thread = await listThread(deps.db, customerId)
    expect(thread[0]!.status).toBe('open')
    const closed = await setThreadStatus(
      deps.db,
      customerId,
      question.value.id,
      'closed',
      clock.now(),
    )
    expect(closed.ok && closed.value.status).toBe('closed')
  })

  it('refuses bad input clearly', async () => {
    const { deps } = await setup()
    expect(
      await recordInboundMessage(deps, { identity: 'ghost', kind: 'question', text: '?' }),
    ).toEqual({
      ok: false,
      error: { type: 'unknown_customer', identity: 'ghost' },
    })
    const rating = await recordInboundMessage(deps, {
      identity: 'u1',
      kind: 'rating',
      text: '',
      rating: 9,
    })
    expect(rating.ok).toBe(false)
    const praise = await recordInboundMessage(deps, {
      identity: 'u1',
      kind: 'praise',
      text: 'Great',
    })
    if (!praise.ok) throw new Error('no praise')
    const answer = await answerMessage(deps, {
      identity: 'u1',
      messageId: praise.value.id,
      channel: 'in_app',
      text: 'Thanks',
    })
    expect(answer).toEqual({ ok: false, error: { type: 'not_answerable', kind: 'praise' } })
    const missing = await answerMessage(deps, {
      identity: 'u1',
      messageId: 'msg_nope',
      channel: 'in_app',
      text: 'x',
    })
    expect(missing).toEqual({
      ok: false,
      error: { type: 'unknown_message', messageId: 'msg_nope' },
    })
  })
})
