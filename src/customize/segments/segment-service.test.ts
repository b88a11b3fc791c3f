import { expect, it } from 'vitest'
import { DAY_MS, manualClock } from '../../core/clock.js'
import { ingestEvents } from '../../identify/ingest-events.js'
import { mergeCustomers } from '../../identify/merge-customers.js'
import { deleteCustomerRows } from '../../store/customer-tables.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { FIXTURE_NOW, loadSegmentFixture } from './segment-fixture.js'
import {
  createSegment,
  deleteSegment,
  getSegment,
  refreshAllSegments,
  refreshDueSegments,
  refreshSegment,
  updateLiveSegmentsOnStored,
  updateSegment,
} from './segment-service.js'
import { listSegmentMembers, memberIds } from './segments.repository.js'

const RECENT_BUYERS = { performed: 'Order Completed', within: { days: 30 } }
const PRO_PLAN = { trait: 'plan', op: 'eq', value: 'pro' }

describeEachEngine('segments', (current) => {
  it('creates a segment with its members, and refuses a bad rule or a taken name', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const created = await createSegment(
      db,
      { name: 'Recent buyers', description: 'ordered this month', rule: RECENT_BUYERS },
      FIXTURE_NOW,
    )
    if (!created.ok) throw new Error(created.error.message)
    expect(created.value).toMatchObject({
      name: 'Recent buyers',
      refreshMode: 'scheduled',
      memberCount: 1,
      refreshedAt: FIXTURE_NOW,
    })
    expect([...(await memberIds(db, created.value.id))]).toEqual(['ana'])

    const clash = await createSegment(db, { name: 'Recent buyers', rule: PRO_PLAN }, FIXTURE_NOW)
    expect(clash.ok ? null : clash.error.type).toBe('segment_name_taken')
    const bad = await createSegment(
      db,
      { name: 'Bad', rule: { all: [PRO_PLAN, { score: 'tier', op: 'eq', value: 'gold' }] } },
      FIXTURE_NOW,
    )
    expect(bad.ok ? null : bad.error).toMatchObject({
      type: 'invalid_segment_rule',
      errors: [{ path: 'all[1].value' }],
    })
    expect((await getSegment(db, 'Bad')).ok).toBe(false)
  })

  it('updates, finds by id or name, and deletes with the members', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const created = await createSegment(db, { name: 'Pro', rule: PRO_PLAN }, FIXTURE_NOW)
    if (!created.ok) throw new Error(created.error.message)
    expect(created.value.refreshMode).toBe('live')
    const renamed = await updateSegment(db, 'Pro', { name: 'Paying' }, FIXTURE_NOW + 1)
    expect(renamed.ok && renamed.value).toMatchObject({ name: 'Paying', memberCount: 1 })
    const widened = await updateSegment(
      db,
      created.value.id,
      { rule: { trait: 'plan', op: 'exists' } },
      FIXTURE_NOW + 2,
    )
    expect(widened.ok && widened.value).toMatchObject({ memberCount: 3, refreshMode: 'live' })
    const badRule = await updateSegment(db, 'Paying', { rule: { trait: 'plna', op: 'exists' } }, 0)
    expect(badRule.ok ? null : badRule.error).toMatchObject({
      errors: [{ type: 'unknown_trait', path: 'trait' }],
    })
    const page = await listSegmentMembers(db, created.value.id, { limit: 2 })
    expect(page.members.map((m) => m.customerId)).toEqual(['ana', 'bob'])
    expect(page.members[0]?.email).toBe('ana@gmail.com')
    const next = await listSegmentMembers(db, created.value.id, {
      limit: 2,
      cursor: page.nextCursor ?? '',
    })
    expect(next).toEqual({
      members: [{ customerId: 'dee', email: 'dee@gmail.com', addedAt: FIXTURE_NOW + 2 }],
      nextCursor: null,
    })
    expect((await deleteSegment(db, 'Paying')).ok).toBe(true)
    expect((await deleteSegment(db, 'Paying')).ok).toBe(false)
    expect((await memberIds(db, created.value.id)).size).toBe(0)
  })

  it('refreshes by difference: newcomers added, leavers removed, the rest untouched', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const created = await createSegment(db, { name: 'Recent', rule: RECENT_BUYERS }, FIXTURE_NOW)
    if (!created.ok) throw new Error(created.error.message)
    // Forty days on, Ana's orders fall out of the window; Bob orders again.
    const later = FIXTURE_NOW + 40 * DAY_MS
    await db
      .insertInto('events')
      .values({
        message_id: 'bob-again',
        customer_id: 'bob',
        type: 'track',
        name: 'Order Completed',
        user_id: 'bob',
        anonymous_id: null,
        occurred_at: later - DAY_MS,
        received_at: later - DAY_MS,
        properties: '{}',
        context: '{}',
      })
      .execute()
    expect(await refreshSegment(db, created.value, later)).toEqual({
      segmentId: created.value.id,
      name: 'Recent',
      added: 1,
      removed: 1,
      count: 1,
    })
    expect([...(await memberIds(db, created.value.id))]).toEqual(['bob'])
    const again = await refreshSegment(db, created.value, later)
    expect([again.added, again.removed, again.count]).toEqual([0, 0, 1])
  })

  it('refreshes scheduled segments when due, live ones after scoring, merges or a day', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const scheduled = await createSegment(db, { name: 'S', rule: RECENT_BUYERS }, FIXTURE_NOW)
    const live = await createSegment(
      db,
      { name: 'L', rule: { score: 'tier', op: 'eq', value: 'mvc' } },
      FIXTURE_NOW,
    )
    if (!scheduled.ok || !live.ok) throw new Error('not created')
    const names = async (now: number): Promise<string[]> =>
      (await refreshDueSegments(db, now, { intervalMs: 300_000 })).map((o) => o.name)
    expect(await names(FIXTURE_NOW + 1000)).toEqual([])
    expect(await names(FIXTURE_NOW + 300_000)).toEqual(['S'])
    await db
      .insertInto('model_runs')
      .values({
        id: 'run2',
        kind: 'bgnbd',
        params: '{}',
        metrics: '{}',
        created_at: FIXTURE_NOW + 400_000,
      })
      .execute()
    await db.updateTable('scores').set({ tier: 'mvc' }).where('customer_id', '=', 'bob').execute()
    const outcomes = await refreshDueSegments(db, FIXTURE_NOW + 500_000, { intervalMs: 300_000 })
    expect(outcomes).toEqual([
      { ok: true, segmentId: live.value.id, name: 'L', added: 1, removed: 0, count: 2 },
    ])
    expect(await names(FIXTURE_NOW + DAY_MS + 500_000)).toEqual(['L', 'S'])
    expect((await refreshAllSegments(db, FIXTURE_NOW + DAY_MS)).length).toBe(2)
  })

  it('keeps live segments current as events are ingested, for those customers only', async () => {
    const store = current()
    const { db } = store
    await loadSegmentFixture(db)
    const clock = manualClock(FIXTURE_NOW)
    const created = await createSegment(db, { name: 'Pro', rule: PRO_PLAN }, FIXTURE_NOW)
    const viewers = await createSegment(
      db,
      { name: 'Viewers', rule: { performed: 'Product Viewed', count: { gte: 2 } } },
      FIXTURE_NOW,
    )
    if (!created.ok || !viewers.ok) throw new Error('not created')
    expect([...(await memberIds(db, viewers.value.id))]).toEqual(['cy'])
    const deps = { store, clock, onStored: updateLiveSegmentsOnStored }
    const report = await ingestEvents(deps, [
      { type: 'identify', userId: 'bob', traits: { plan: 'pro' }, messageId: 'i1' },
      { type: 'identify', userId: 'ana', traits: { plan: 'free' }, messageId: 'i2' },
      { type: 'track', userId: 'ana', event: 'Product Viewed', properties: {}, messageId: 't1' },
    ])
    expect(report.accepted).toBe(3)
    expect(report.customers.get(0)).toBe('bob')
    expect([...(await memberIds(db, created.value.id))].sort()).toEqual(['bob'])
    expect([...(await memberIds(db, viewers.value.id))].sort()).toEqual(['ana', 'cy'])
    const counts = await getSegment(db, created.value.id)
    expect(counts.ok && counts.value.memberCount).toBe(1)
  })

  it('unites memberships when customers merge and drops them on erasure', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const a = await createSegment(db, { name: 'Pro', rule: PRO_PLAN }, FIXTURE_NOW)
    const b = await createSegment(
      db,
      { name: 'Kitchen', rule: { taste: { category: 'Kitchen', minShare: 0.5 } } },
      FIXTURE_NOW,
    )
    const all = await createSegment(
      db,
      { name: 'All', rule: { not: { all: [PRO_PLAN, { not: PRO_PLAN }] } } },
      FIXTURE_NOW,
    )
    if (!a.ok || !b.ok || !all.ok) throw new Error('not created')
    await db.transaction().execute(async (trx) => {
      await mergeCustomers(trx, {
        fromId: 'ana',
        intoId: 'bob',
        reason: 'test',
        messageId: null,
        atMs: FIXTURE_NOW,
      })
    })
    const rows = await db
      .selectFrom('segment_members')
      .select(['segment_id', 'customer_id'])
      .where('customer_id', 'in', ['ana', 'bob'])
      .execute()
    expect(
      rows
        .map(
          (r) =>
            `${r.segment_id === a.value.id ? 'Pro' : r.segment_id === b.value.id ? 'Kitchen' : 'All'}:${r.customer_id}`,
        )
        .sort(),
    ).toEqual(['All:bob', 'Kitchen:bob', 'Pro:bob'])
    await deleteCustomerRows(db, 'bob')
    expect((await memberIds(db, all.value.id)).has('bob')).toBe(false)
  })
})
