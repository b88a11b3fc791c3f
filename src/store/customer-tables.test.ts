import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { CUSTOMER_KEYED_TABLES } from './database.js'
import { MERGE_POLICIES, moveCustomerRows } from './customer-tables.js'

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
})
