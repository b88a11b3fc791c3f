import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { previewSegmentRule, SAMPLE_BUCKET_SQL, sampleBuckets } from './preview-segment.js'
import type { SegmentRule } from './segment-rule.js'
import { FIXTURE_NOW, loadSegmentFixture } from './segment-fixture.js'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'
const PRO: SegmentRule = { trait: 'plan', op: 'eq', value: 'pro' }

/** A small seeded generator (Park–Miller), so the test's ids and plans are the same each run. */
function seeded(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 48271) % 2147483647
    return state / 2147483647
  }
}

describeEachEngine('previewSegmentRule', (current, engine) => {
  it('counts exactly and samples members with their email on a small base', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const rule: SegmentRule = { field: 'email', op: 'exists' }
    const preview = await previewSegmentRule(db, rule, FIXTURE_NOW, 2)
    expect(preview).toMatchObject({ count: 3, estimated: false, interval: null })
    expect(preview.evaluatedCustomers).toBe(preview.totalCustomers)
    expect(preview.sample).toHaveLength(2)
    for (const row of preview.sample) {
      expect(['ana', 'bob', 'dee']).toContain(row.customerId)
      expect(row.email).toMatch(/@/)
    }
    expect(await previewSegmentRule(db, rule, FIXTURE_NOW, 0)).toMatchObject({
      count: 3,
      sample: [],
    })
    const none: SegmentRule = { trait: 'plan', op: 'eq', value: 'nothing-like-this' }
    expect(await previewSegmentRule(db, none, FIXTURE_NOW, 5)).toMatchObject({
      count: 0,
      sample: [],
    })
  })

  it('estimates from a fixed sample on a large base, with an interval that holds the truth', async () => {
    const { db } = current()
    // 4,000 customers with random-looking id endings (seeded), 30% on the pro plan.
    const random = seeded(11)
    const char = (): string => ALPHABET[Math.floor(random() * 36)]!
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      id: `cus_test${i}_${char()}${char()}`,
      traits: JSON.stringify({ plan: random() < 0.3 ? 'pro' : 'free' }),
      email: `p${i}@example.com`,
      first_seen_at: 0,
      last_seen_at: i,
      manager_id: null,
      created_at: 0,
    }))
    for (let start = 0; start < rows.length; start += 500) {
      await db
        .insertInto('customers')
        .values(rows.slice(start, start + 500))
        .execute()
    }
    const truth = rows.filter((r) => r.traits.includes('"pro"')).length
    const limits = { exactUpTo: 1000, sampleSize: 1000 }
    const preview = await previewSegmentRule(db, PRO, FIXTURE_NOW, 5, limits)
    expect(preview.estimated).toBe(true)
    expect(preview.totalCustomers).toBe(4000)
    expect(preview.evaluatedCustomers).toBeGreaterThan(700)
    expect(preview.evaluatedCustomers).toBeLessThan(1400)
    expect(preview.interval!.low).toBeLessThanOrEqual(truth)
    expect(preview.interval!.high).toBeGreaterThanOrEqual(truth)
    expect(Math.abs(preview.count - truth)).toBeLessThan(0.15 * truth)
    expect(preview.sample).toHaveLength(5)
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const s of preview.sample) expect(byId.get(s.customerId)?.traits).toContain('"pro"')
    // The same sample each time: the estimate does not wobble while a rule is edited.
    const again = await previewSegmentRule(db, PRO, FIXTURE_NOW, 5, limits)
    expect(again.count).toBe(preview.count)
    // Exact when the base is small enough.
    const exact = await previewSegmentRule(db, PRO, FIXTURE_NOW, 5, { exactUpTo: 5000 })
    expect(exact).toMatchObject({ count: truth, estimated: false })

    if (engine === 'sqlite') {
      const buckets = sampleBuckets(4000, 1000)
      const compiled = db
        .selectFrom('customers as c')
        .select('c.id')
        .where(SAMPLE_BUCKET_SQL, 'in', buckets)
        .compile()
      const explained = await db.executeQuery({
        ...compiled,
        sql: `EXPLAIN QUERY PLAN ${compiled.sql}`,
      })
      const details = (explained.rows as { detail: string }[]).map((r) => r.detail).join(' | ')
      expect(details).toContain('customers_sample_bucket')
    }
  })

  it('chooses buckets that cover the target share, each once', () => {
    expect(sampleBuckets(10, 10_000)).toHaveLength(1296)
    const some = sampleBuckets(1_296_000, 10_000)
    expect(some).toHaveLength(10)
    expect(new Set(some).size).toBe(10)
    expect(new Set(sampleBuckets(100, 10_000)).size).toBe(1296)
  })
})
