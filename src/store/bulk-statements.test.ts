import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import { BulkStatements } from './bulk-statements.js'

const COLUMNS = ['kind', 'value', 'customer_id', 'first_seen_at'] as const

describeEachEngine('bulk statements', (current) => {
  /** Both paths on SQLite: through Kysely, and prepared on the store's own handle. */
  const variants = (): { name: string; bulk: BulkStatements }[] => {
    const { db, capabilities, sqlite } = current()
    return [
      { name: 'kysely', bulk: new BulkStatements(db, capabilities) },
      ...(sqlite === null
        ? []
        : [{ name: 'prepared', bulk: new BulkStatements(db, capabilities, sqlite) }]),
    ]
  }

  it('returns exactly the rows a DO NOTHING insert wrote, with their values', async () => {
    for (const { name, bulk } of variants()) {
      const kind = `user_id_${name}`
      await bulk.insert(
        'identities',
        COLUMNS,
        [[kind, 'taken', 'cus_first', 1]],
        'ON CONFLICT (kind, value) DO NOTHING',
      )
      const { written, returned } = await bulk.insert(
        'identities',
        COLUMNS,
        [
          [kind, 'new-1', 'cus_a', 2],
          [kind, 'taken', 'cus_b', 3],
          [kind, 'new-2', 'cus_c', 4],
        ],
        'ON CONFLICT (kind, value) DO NOTHING',
        ['kind', 'value', 'customer_id'],
      )
      expect(written, name).toBe(2)
      expect(returned, name).toEqual([
        { kind, value: 'new-1', customer_id: 'cus_a' },
        { kind, value: 'new-2', customer_id: 'cus_c' },
      ])
    }
  })

  it('returns an upsert’s rows as the database left them', async () => {
    for (const { name, bulk } of variants()) {
      const kind = `email_${name}`
      await bulk.insert(
        'identities',
        COLUMNS,
        [[kind, 'a@x', 'cus_old', 1]],
        'ON CONFLICT (kind, value) DO NOTHING',
      )
      const { returned } = await bulk.insert(
        'identities',
        COLUMNS,
        [[kind, 'a@x', 'cus_new', 9]],
        'ON CONFLICT (kind, value) DO UPDATE SET first_seen_at = identities.first_seen_at + 100',
        ['value', 'customer_id', 'first_seen_at'],
      )
      expect(
        returned.map((r) => ({ ...r, first_seen_at: Number(r['first_seen_at']) })),
        name,
      ).toEqual([{ value: 'a@x', customer_id: 'cus_old', first_seen_at: 101 }])
    }
  })
})
