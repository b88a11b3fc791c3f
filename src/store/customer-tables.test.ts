import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { CUSTOMER_KEYED_TABLES } from './database.js'
import { deleteCustomerRows, MERGE_POLICIES, moveCustomerRows } from './customer-tables.js'

describeEachEngine('customer-keyed tables', (current) => {
  it('declares a merge policy for every customer-keyed table', () => {
    for (const table of CUSTOMER_KEYED_TABLES) expect(MERGE_POLICIES[table]).toBeDefined()
  })

  it('keeps the newest consent and every message when two customers merge', async () => {
    const { db } = current()
    await db
      .insertInto('consents')
      .values([
        {
          customer_id: 'a',
          channel: 'email',
          topic: 'news',
          granted: 1,
          source: 'api',
          updated_at: 10,
        },
        {
          customer_id: 'b',
          channel: 'email',
          topic: 'news',
          granted: 0,
          source: 'page',
          updated_at: 20,
        },
        {
          customer_id: 'a',
          channel: 'email',
          topic: 'tips',
          granted: 1,
          source: 'api',
          updated_at: 30,
        },
        {
          customer_id: 'b',
          channel: 'email',
          topic: 'tips',
          granted: 0,
          source: 'page',
          updated_at: 5,
        },
      ])
      .execute()
    const message = (customer: string, id: string, key: string) => ({
      id,
      customer_id: customer,
      direction: 'inbound',
      channel: 'api',
      kind: 'question',
      status: 'open',
      owner_manager_id: null,
      topic: null,
      subject: null,
      body: 'hi',
      data: '{}',
      in_reply_to: null,
      idempotency_key: key,
      read_at: null,
      created_at: 1,
      updated_at: 1,
    })
    await db
      .insertInto('messages')
      .values([message('a', 'm1', 'k1'), message('b', 'm2', 'k1'), message('b', 'm3', 'k3')])
      .execute()

    await moveCustomerRows(db, 'a', 'b')

    const consents = await db.selectFrom('consents').selectAll().orderBy('topic').execute()
    expect(consents.map((c) => [c.customer_id, c.topic, c.granted, c.source])).toEqual([
      ['b', 'news', 0, 'page'],
      ['b', 'tips', 1, 'api'],
    ])
    const messages = await db.selectFrom('messages').selectAll().orderBy('id').execute()
    expect(messages.map((m) => [m.id, m.customer_id, m.idempotency_key])).toEqual([
      ['m1', 'b', 'k1:a'],
      ['m2', 'b', 'k1'],
      ['m3', 'b', 'k3'],
    ])
  })

  it('recounts the segments whose memberships a merge or an erasure changed', async () => {
    const { db } = current()
    const segment = (id: string, memberCount: number) => ({
      id,
      name: id,
      description: '',
      rule: '{}',
      refresh_mode: 'scheduled',
      member_count: memberCount,
      refreshed_at: null,
      created_at: 0,
      updated_at: 0,
    })
    await db
      .insertInto('segments')
      .values([segment('both', 2), segment('only-a', 1), segment('other', 7)])
      .execute()
    await db
      .insertInto('segment_members')
      .values([
        { segment_id: 'both', customer_id: 'a', added_at: 1 },
        { segment_id: 'both', customer_id: 'b', added_at: 2 },
        { segment_id: 'only-a', customer_id: 'a', added_at: 1 },
      ])
      .execute()
    const counts = async () =>
      Object.fromEntries(
        (await db.selectFrom('segments').select(['id', 'member_count']).execute()).map((r) => [
          r.id,
          r.member_count,
        ]),
      )

    await moveCustomerRows(db, 'a', 'b')
    // One customer now where there were two; a count no merge touched is left as it was.
    expect(await counts()).toEqual({ both: 1, 'only-a': 1, other: 7 })

    await deleteCustomerRows(db, 'b')
    expect(await counts()).toEqual({ both: 0, 'only-a': 0, other: 7 })
  })
})
