import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assignPortfolios, normalizeTier, type PortfolioCandidate } from './assign-portfolios.js'

const candidate = (id: string, value: number, tier: string, current: string | null = null) =>
  ({ customerId: id, value, tier, currentManagerId: current }) satisfies PortfolioCandidate

describe('portfolio assignment', () => {
  it('balances counts per tier and value, keeps relationships, skips unmanaged tiers', () => {
    const plan = assignPortfolios(
      [
        candidate('a', 1000, 'mvc'),
        candidate('b', 900, 'mvc'),
        candidate('c', 800, 'mvc', 'm2'),
        candidate('d', 100, 'mvc'),
        candidate('e', 500, 'mgc'),
        candidate('f', 400, 'mgc'),
        candidate('g', 50, 'low_maintenance'),
      ],
      [
        { id: 'm1', capacity: null },
        { id: 'm2', capacity: null },
      ],
    )
    expect(plan.unassigned).toEqual([])
    const of = (id: string) => plan.assignments.find((a) => a.customerId === id)
    expect(of('c')).toEqual({ customerId: 'c', managerId: 'm2', action: 'kept' })
    expect(of('g')).toBeUndefined()
    const count = (m: string, ids: string[]) =>
      plan.assignments.filter((a) => a.managerId === m && ids.includes(a.customerId)).length
    expect(count('m1', ['a', 'b', 'c', 'd'])).toBe(2)
    expect(count('m2', ['a', 'b', 'c', 'd'])).toBe(2)
    expect(count('m1', ['e', 'f'])).toBe(1)
  })

  it('respects capacity and reports who could not be placed', () => {
    const plan = assignPortfolios(
      [candidate('a', 3, 'mvc'), candidate('b', 2, 'mvc'), candidate('c', 1, 'mgc', 'gone')],
      [{ id: 'm1', capacity: 2 }],
    )
    expect(plan.assignments.map((a) => a.customerId)).toEqual(['a', 'b'])
    expect(plan.unassigned).toEqual(['c'])
  })

  it('places everyone with counts per tier within one of each other (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.float({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom('mvc', 'mgc')),
          {
            maxLength: 60,
          },
        ),
        fc.integer({ min: 1, max: 6 }),
        (rows, managerCount) => {
          const candidates = rows.map(([value, tier], i) => candidate(`c${i}`, value, tier))
          const managers = Array.from({ length: managerCount }, (_, i) => ({
            id: `m${i}`,
            capacity: null,
          }))
          const plan = assignPortfolios(candidates, managers)
          expect(plan.assignments).toHaveLength(candidates.length)
          for (const tier of ['mvc', 'mgc']) {
            const counts = managers.map(
              (m) =>
                plan.assignments.filter(
                  (a) =>
                    a.managerId === m.id &&
                    candidates.find((c) => c.customerId === a.customerId)?.tier === tier,
                ).length,
            )
            expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('reads tier names from other modules', () => {
    expect(normalizeTier('MVC')).toBe('mvc')
    expect(normalizeTier('most growable')).toBe('mgc')
    expect(normalizeTier(null)).toBe('other')
    expect(normalizeTier('BZ')).toBe('bz')
  })
})
