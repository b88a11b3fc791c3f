import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { selectRows } from './select-rows.js'

describeEachEngine('selectRows', (current) => {
  it('returns rows as value arrays in select order, raw on SQLite and through Kysely alike', async () => {
    const { db, sqliteStatements } = current()
    await db
      .insertInto('customers')
      .values([
        { id: 'cus_b', traits: '{}', first_seen_at: 2, last_seen_at: 3, created_at: 2 },
        { id: 'cus_a', traits: '{"x":1}', first_seen_at: 1, last_seen_at: 4, created_at: 1 },
      ])
      .execute()
    const query = db
      .selectFrom('customers')
      .select(['last_seen_at', 'id', 'traits'])
      .where('id', 'in', ['cus_a', 'cus_b'])
      .orderBy('id')
    for (const handle of [sqliteStatements, null]) {
      const rows = await selectRows<[number, string, string]>(db, handle, query)
      expect(rows).toEqual([
        [4, 'cus_a', '{"x":1}'],
        [3, 'cus_b', '{}'],
      ])
    }
    // The statement the cache shares with the query builder still reads objects afterwards.
    expect(await query.execute()).toEqual([
      { last_seen_at: 4, id: 'cus_a', traits: '{"x":1}' },
      { last_seen_at: 3, id: 'cus_b', traits: '{}' },
    ])
  })
})
