import { CompiledQuery } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test-support/test-store.js'
import type { Store } from '../store/engine.js'
import { exactMatchQuery, listCustomers } from './customer-list.js'

/** 40 customers; c07 has a user id, an email and a trait that other customers mention. */
async function seed(store: Store): Promise<void> {
  const { db } = store
  await db
    .insertInto('customers')
    .values(
      Array.from({ length: 40 }, (_, i) => ({
        id: `c${String(i).padStart(2, '0')}`,
        traits: JSON.stringify(
          i === 7
            ? { name: 'Ann Lee', city: 'Berlin' }
            : { city: i % 4 === 0 ? 'Berlin' : 'Paris', referredBy: i % 10 === 0 ? 'user-7' : '' },
        ),
        email: i === 7 ? 'ann@example.com' : `p${i}@example.com`,
        first_seen_at: 0,
        last_seen_at: i,
        manager_id: null,
        created_at: 0,
      })),
    )
    .execute()
  await db
    .insertInto('identities')
    .values([
      { kind: 'user_id', value: 'user-7', customer_id: 'c07', first_seen_at: 0 },
      { kind: 'anonymous_id', value: 'anon-7', customer_id: 'c07', first_seen_at: 0 },
    ])
    .execute()
}

const ids = (page: { customers: readonly { id: string }[] }): string[] =>
  page.customers.map((c) => c.id)

describeEachEngine('listCustomers', (current, engine) => {
  it('answers an exact identity, id or email with just that customer', async () => {
    await seed(current())
    const { db } = current()
    for (const query of ['user-7', 'anon-7', 'c07', 'ANN@example.com', ' ann@example.com ']) {
      const page = await listCustomers(db, { query, limit: 25 })
      expect(ids(page)).toEqual(['c07'])
      expect(page.nextCursor).toBeNull()
    }
  })

  it('searches email prefixes and trait text when nothing matches exactly, page by page', async () => {
    await seed(current())
    const { db } = current()
    expect(ids(await listCustomers(db, { query: 'ann@', limit: 25 }))).toEqual(['c07'])
    const seen: string[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await listCustomers(db, {
        query: 'berlin',
        limit: 4,
        ...(cursor === undefined ? {} : { cursor }),
      })
      seen.push(...ids(page))
      if (page.nextCursor === null) break
      cursor = page.nextCursor
    }
    const berlin = [
      'c07',
      ...Array.from({ length: 10 }, (_, k) => `c${String(k * 4).padStart(2, '0')}`),
    ]
    expect(seen).toEqual([...berlin].sort().reverse())
    expect(ids(await listCustomers(db, { query: 'nobody-here', limit: 25 }))).toEqual([])
    const all = await listCustomers(db, { limit: 50 })
    expect(all.customers).toHaveLength(40)
  })

  if (engine === 'sqlite') {
    it('finds exact matches through the indexes, not by walking the customers', async () => {
      await seed(current())
      const compiled = exactMatchQuery(current().db, 'x', 26).compile()
      const { rows } = await current().db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]),
      )
      const plan = rows.map((r) => r.detail).join(' | ')
      expect(plan).toContain('MULTI-INDEX OR')
      expect(plan).not.toMatch(/SCAN customers(?! USING)/)
    })
  }
})
