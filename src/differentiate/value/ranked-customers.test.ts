import { expect, it } from 'vitest'
import { sql } from 'kysely'
import { describeEachEngine } from '../../../test-support/test-store.js'
import type { Store } from '../../store/engine.js'
import { listRankedCustomers, RANK_BY, type RankBy } from './ranked-customers.js'

async function seed(store: Store, n: number): Promise<void> {
  const { db } = store
  const customers = Array.from({ length: n }, (_, i) => ({
    id: `c${String(i).padStart(3, '0')}`,
    traits: '{}',
    email: `c${i}@example.com`,
    first_seen_at: 0,
    last_seen_at: i,
    manager_id: i % 4 === 1 ? 'mgr_a' : null,
    created_at: 0,
  }))
  await db.insertInto('customers').values(customers).execute()
  await db
    .insertInto('scores')
    .values(
      customers.map((c, i) => ({
        customer_id: c.id,
        model_run_id: 'run_1',
        frequency: 1,
        recency: 1,
        age: 10,
        historical_revenue: 1,
        historical_margin: 1,
        cost_to_serve: 0,
        expected_transactions: 1,
        expected_spend: 1,
        // Ties on purpose (i % 7), so that the id breaks them across pages.
        actual_value: i % 7,
        clv: i % 5 === 0 ? null : i,
        p_alive: (i % 10) / 10,
        tier: i % 3 === 0 ? 'mvc' : 'low_maintenance',
        tier_reason: 'test',
        rfm_r: 1,
        rfm_f: 1,
        rfm_m: 1,
        rfm_segment: 'x',
        wallet: null,
        share_of_wallet: i % 4 === 0 ? null : (i % 6) / 10,
        growth_potential: (i * 2) % 11,
        computed_at: 0,
      })),
    )
    .execute()
}

async function allPages(
  store: Store,
  by: RankBy,
  tier?: 'mvc',
  managerId?: string,
): Promise<{ id: string; v: number | null }[]> {
  const seen: { id: string; v: number | null }[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await listRankedCustomers(store.db, {
      by,
      limit: 4,
      ...(tier === undefined ? {} : { tier }),
      ...(managerId === undefined ? {} : { managerId }),
      ...(cursor === undefined ? {} : { cursor }),
    })
    for (const c of page.customers) {
      const figure = {
        value: c.actualValue,
        clv: c.clv,
        p_alive: c.pAlive,
        share_of_wallet: c.shareOfWallet,
        growth_potential: c.growthPotential,
      }
      seen.push({ id: c.id, v: figure[by] })
    }
    if (page.nextCursor === null) return seen
    cursor = page.nextCursor
  }
}

describeEachEngine('listRankedCustomers', (current, engine) => {
  it('pages through every scored customer once, highest first, ties broken by id', async () => {
    await seed(current(), 30)
    for (const by of RANK_BY) {
      const seen = await allPages(current(), by)
      // clv is unknown for every fifth customer, share of wallet for every fourth.
      const expected = by === 'clv' ? 24 : by === 'share_of_wallet' ? 22 : 30
      expect(seen).toHaveLength(expected)
      expect(new Set(seen.map((s) => s.id)).size).toBe(expected)
      for (let i = 1; i < seen.length; i += 1) {
        const [a, b] = [seen[i - 1]!, seen[i]!]
        expect(a.v! > b.v! || (a.v === b.v && a.id > b.id)).toBe(true)
      }
    }
  })

  it('filters by tier and rejects a forged cursor', async () => {
    await seed(current(), 30)
    const mvc = await allPages(current(), 'value', 'mvc')
    expect(mvc).toHaveLength(10)
    await expect(
      listRankedCustomers(current().db, { by: 'value', limit: 5, cursor: 'bm9wZQ' }),
    ).rejects.toThrow('cursor')
  })

  it("keeps only one manager's portfolio, in rank order", async () => {
    await seed(current(), 30)
    const portfolio = await allPages(current(), 'growth_potential', undefined, 'mgr_a')
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 4 === 1)
      .map((i) => ({ id: `c${String(i).padStart(3, '0')}`, v: (i * 2) % 11 }))
      .sort((a, b) => b.v - a.v || (a.id < b.id ? 1 : -1))
    expect(portfolio).toEqual(expected)
    expect(await allPages(current(), 'value', undefined, 'mgr_none')).toEqual([])
  })

  it('keeps only the members of a segment, across pages', async () => {
    await seed(current(), 30)
    const members = ['c003', 'c004', 'c010', 'c017', 'c021', 'c029']
    await current()
      .db.insertInto('segment_members')
      .values(members.map((id) => ({ segment_id: 'seg_a', customer_id: id, added_at: 0 })))
      .execute()
    await current()
      .db.insertInto('segment_members')
      .values({ segment_id: 'seg_b', customer_id: 'c005', added_at: 0 })
      .execute()
    // Both plans: a small segment read whole, a large one probed along the rank index.
    for (const memberCount of [members.length, 1_000_000]) {
      const seen: string[] = []
      let cursor: string | undefined
      for (;;) {
        const page = await listRankedCustomers(current().db, {
          by: 'value',
          limit: 4,
          segment: { id: 'seg_a', memberCount },
          ...(cursor === undefined ? {} : { cursor }),
        })
        seen.push(...page.customers.map((c) => c.id))
        if (page.nextCursor === null) break
        cursor = page.nextCursor
      }
      expect([...seen].sort()).toEqual(members)
    }
    const none = await listRankedCustomers(current().db, {
      by: 'value',
      limit: 10,
      segment: { id: 'seg_none', memberCount: 0 },
    })
    expect(none.customers).toEqual([])
  })

  if (engine === 'sqlite') {
    it('reads pages through the rank index, without sorting', async () => {
      await seed(current(), 30)
      for (const column of ['actual_value', 'share_of_wallet', 'growth_potential']) {
        const { rows } = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
          SELECT customer_id FROM scores WHERE ${sql.ref(column)} IS NOT NULL
          ORDER BY ${sql.ref(column)} DESC, customer_id DESC LIMIT 5`.execute(current().db)
        const plan = rows.map((r) => r.detail).join(' | ')
        expect(plan).toContain(`scores_rank_${column}`)
        expect(plan).not.toContain('TEMP B-TREE')
      }
    })
  }
})
