import { sql } from 'kysely'
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

  it('updates rows from values referred to in any order, and only the rows they match', async () => {
    for (const { name, bulk } of variants()) {
      const kind = `phone_${name}`
      await bulk.insert(
        'identities',
        COLUMNS,
        [
          [kind, '1', 'cus_a', 10],
          [kind, '2', 'cus_b', 20],
          [kind, '3', 'cus_c', 30],
        ],
        'ON CONFLICT (kind, value) DO NOTHING',
      )
      const affected = await bulk.updateFromValues(
        'identities-move',
        ['text', 'text', 'text', 'bigint'],
        (v) => sql`UPDATE identities
          SET customer_id = ${v.column(3)}, first_seen_at = identities.first_seen_at + ${v.column(4)}
          ${v.from}
          WHERE identities.kind = ${v.column(1)} AND identities.value = ${v.column(2)}`,
        [
          [kind, '1', 'cus_x', 1],
          [kind, '3', 'cus_y', 2],
          [kind, 'missing', 'cus_z', 3],
        ],
      )
      expect(affected, name).toBe(2)
      const rows = await current()
        .db.selectFrom('identities')
        .select(['value', 'customer_id', 'first_seen_at'])
        .where('kind', '=', kind)
        .orderBy('value')
        .execute()
      expect(
        rows.map((r) => [r.value, r.customer_id, r.first_seen_at]),
        name,
      ).toEqual([
        ['1', 'cus_x', 11],
        ['2', 'cus_b', 20],
        ['3', 'cus_y', 32],
      ])
    }
  })

  it('refuses an update with parameters of its own or rows of the wrong width', async () => {
    for (const { name, bulk } of variants()) {
      const withOwn = bulk.updateFromValues(
        'identities-own',
        ['text', 'text'],
        (v) => sql`UPDATE identities SET customer_id = ${v.column(2)} ${v.from}
          WHERE identities.kind = ${v.column(1)} AND identities.value = ${'fixed'}`,
        [['k', 'c']],
      )
      await expect(withOwn, name).rejects.toThrow(/parameters of its own/)
    }
    for (const { name, bulk } of variants()) {
      await expect(
        bulk.updateFromValues(
          'identities-width',
          ['text', 'text'],
          (v) => sql`UPDATE identities SET customer_id = ${v.column(2)} ${v.from}
            WHERE identities.kind = ${v.column(1)}`,
          [['only-one']],
        ),
        name,
      ).rejects.toThrow(/1 values for 2 columns/)
    }
  })
})
