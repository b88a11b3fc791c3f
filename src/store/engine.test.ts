import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { migrateToLatest } from './migrate.js'

describeEachEngine('store engine', (current) => {
  it('migrates to the latest schema and is idempotent', async () => {
    const { db } = current()
    const again = await migrateToLatest(db)
    expect(again.applied).toEqual([])
    await db
      .insertInto('customers')
      .values({
        id: 'c1',
        traits: '{}',
        email: null,
        first_seen_at: 1_700_000_000_000,
        last_seen_at: 1_700_000_000_000,
        manager_id: null,
        created_at: 1_700_000_000_000,
      })
      .execute()
    const row = await db
      .selectFrom('customers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('first_seen_at').as('first')])
      .executeTakeFirstOrThrow()
    // Counts and epoch-ms bigints come back as JS numbers on both engines.
    expect(row).toEqual({ n: 1, first: 1_700_000_000_000 })
  })
})
