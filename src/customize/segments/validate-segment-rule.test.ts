import { describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { parseSegmentRule, type SegmentRuleError } from './parse-segment-rule.js'
import { refreshModeOf, SegmentRuleSchema, type SegmentRule } from './segment-rule.js'
import { loadSegmentFixture } from './segment-fixture.js'
import { validateSegmentRule } from './validate-segment-rule.js'

function errorsOf(input: unknown): readonly SegmentRuleError[] {
  const result = parseSegmentRule(input)
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
  return result.error.errors
}

describe('parseSegmentRule', () => {
  it('accepts every kind of condition, as the zod schema does', () => {
    const rule = {
      all: [
        { field: 'lastSeenAt', op: 'before', ago: { days: 30 } },
        { trait: 'plan', op: 'in', value: ['pro', 'team'] },
        { score: 'tier', op: 'eq', value: 'mvc' },
        { score: 'clv', op: 'between', value: [10, 100] },
        {
          performed: 'Order Completed',
          within: { hours: 12 },
          count: { gte: 1, lte: 3 },
          where: [{ property: 'category', op: 'eq', value: 'Books' }],
        },
        { orders: 'revenue', op: 'gte', value: 50, within: { weeks: 4 } },
        { not: { taste: { category: 'Books', minShare: 0.3, by: 'revenue' } } },
        { any: [{ field: 'email', op: 'exists' }] },
      ],
    }
    expect(parseSegmentRule(rule)).toEqual({ ok: true, value: rule })
    expect(SegmentRuleSchema.safeParse(rule).success).toBe(true)
  })

  it('takes one array level in a property or trait path, not two', () => {
    for (const path of ['products[].category', 'tags[]', 'order.lines[].sku']) {
      expect(parseSegmentRule({ trait: path, op: 'exists' }).ok, path).toBe(true)
    }
    for (const path of ['products[].tags[]', '[].x', 'products[]x', 'products.[]']) {
      const [error] = errorsOf({ trait: path, op: 'exists' })
      expect(error, path).toMatchObject({ path: 'trait' })
    }
  })

  it('names the path of an unknown customer field and lists the known ones', () => {
    const [error, ...rest] = errorsOf({
      all: [
        { field: 'email', op: 'exists' },
        { field: 'email', op: 'exists' },
        { field: 'age', op: 'gt', value: 30 },
      ],
    })
    expect(rest).toEqual([])
    expect(error).toMatchObject({ type: 'unknown_field', path: 'all[2].field' })
    expect(error?.message).toContain('email, managerId, country, firstSeenAt')
    expect(error?.allowed).toContain('lastSeenAt')
    expect(SegmentRuleSchema.safeParse({ field: 'age', op: 'gt', value: 30 }).success).toBe(false)
  })

  it('reports every problem at once, each with its path', () => {
    const errors = errorsOf({
      any: [
        {},
        { score: 'clv', op: 'contains', value: 'x' },
        { score: 'tier', op: 'eq', value: 'gold' },
        { score: 'happiness', op: 'gt', value: 1 },
        { not: { field: 'lastSeenAt', op: 'before' } },
        {
          performed: 'Order Completed',
          within: { days: -1 },
          where: [{ property: 'a b', op: 'eq', value: 1 }],
        },
        { trait: 'plan', op: 'gt', value: true },
        { field: 'email', trait: 'plan' },
        { all: [] },
        { taste: { category: 'Books', minShare: 2 } },
        { orders: 'count', op: 'gte', value: 1, extra: true },
      ],
    })
    const at = (path: string) => errors.filter((e) => e.path.startsWith(path))
    expect(at('any[0]')[0]).toMatchObject({ type: 'unknown_kind' })
    expect(at('any[1].op')[0]).toMatchObject({ type: 'unknown_op' })
    expect(at('any[1].op')[0]?.allowed).toContain('gte')
    expect(at('any[2].value')[0]?.message).toContain('mvc, mgc, low_maintenance, below_zero')
    expect(at('any[3].score')[0]).toMatchObject({ type: 'unknown_field' })
    expect(at('any[3].score')[0]?.allowed).toContain('pAlive')
    expect(at('any[4].not.ago')).toHaveLength(1)
    expect(at('any[5].within').length).toBeGreaterThan(0)
    expect(at('any[5].where[0].property')).toHaveLength(1)
    expect(at('any[6].value').length).toBeGreaterThan(0)
    expect(at('any[7]')[0]?.message).toContain('"field" and "trait"')
    expect(at('any[8].all')[0]?.message).toContain('non-empty')
    expect(at('any[9].taste.minShare')).toHaveLength(1)
    expect(at('any[10]')[0]?.message).toContain('extra')
    expect(errors.every((e) => e.path.startsWith('any['))).toBe(true)
  })

  it('rejects a non-object, and a rule nested too deeply', () => {
    expect(errorsOf('vip')[0]).toMatchObject({ path: '(rule)', type: 'invalid_shape' })
    let deep: unknown = { field: 'email', op: 'exists' }
    for (let i = 0; i < 20; i += 1) deep = { not: deep }
    expect(errorsOf(deep)[0]).toMatchObject({ type: 'too_complex' })
  })
})

describe('refreshModeOf', () => {
  it('schedules rules with windows relative to now and keeps the others live', () => {
    const live: SegmentRule = {
      all: [
        { score: 'tier', op: 'eq', value: 'mvc' },
        { performed: 'Order Completed', count: { gte: 2 } },
        { field: 'lastSeenAt', op: 'gt', value: '2025-01-01' },
      ],
    }
    expect(refreshModeOf(live)).toBe('live')
    expect(refreshModeOf({ not: { performed: 'Order Completed', within: { days: 3 } } })).toBe(
      'scheduled',
    )
    expect(refreshModeOf({ field: 'lastSeenAt', op: 'before', ago: { days: 3 } })).toBe('scheduled')
    expect(refreshModeOf({ orders: 'lastOrderAt', op: 'after', ago: { days: 3 } })).toBe(
      'scheduled',
    )
    expect(refreshModeOf({ orders: 'count', op: 'gt', value: 1, within: { days: 3 } })).toBe(
      'scheduled',
    )
    expect(
      refreshModeOf({ taste: { category: 'Books', minShare: 0.2, within: { days: 9 } } }),
    ).toBe('scheduled')
  })
})

describeEachEngine('validateSegmentRule', (current) => {
  it('accepts names the data has', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const rule = {
      all: [
        { trait: 'address.city', op: 'eq', value: 'Lyon' },
        { performed: 'Order Completed' },
        { taste: { category: 'Books', minShare: 0.1 } },
        { taste: { category: 'Books > Travel', minShare: 0.1 } },
      ],
    }
    expect(await validateSegmentRule(db, rule)).toEqual({ ok: true, value: rule })
  })

  it('rejects traits, events and categories nobody has, naming the path and the known ones', async () => {
    const { db } = current()
    await loadSegmentFixture(db)
    const result = await validateSegmentRule(db, {
      all: [
        { trait: 'plan', op: 'exists' },
        { trait: 'plna', op: 'exists' },
        { any: [{ performed: 'order completed' }, { taste: { category: 'Book', minShare: 0.2 } }] },
        { trait: 'address.zip', op: 'exists' },
      ],
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.errors.map((e) => [e.type, e.path])).toEqual([
      ['unknown_trait', 'all[1].trait'],
      ['unknown_event', 'all[2].any[0].performed'],
      ['unknown_category', 'all[2].any[1].taste.category'],
      ['unknown_trait', 'all[3].trait'],
    ])
    const [trait, event, category] = result.error.errors
    expect(trait?.allowed).toEqual(['address', 'country', 'plan', 'seats', 'vip'])
    expect(event?.message).toContain('Order Completed')
    expect(category?.allowed).toEqual(['Bookends', 'Books', 'Kitchen'])
    expect(result.error.message).toContain('all[1].trait')
  })

  it('returns shape errors without querying names', async () => {
    const { db } = current()
    const result = await validateSegmentRule(db, { trait: 'nobody-has-it', op: 'nope' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.errors[0]).toMatchObject({ path: 'op', type: 'unknown_op' })
  })
})
