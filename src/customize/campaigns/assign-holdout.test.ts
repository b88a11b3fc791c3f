import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  assignHoldout,
  campaignDraw,
  hash53,
  selectPilot,
  UNSCORED_STRATUM,
  type HoldoutCandidate,
} from './assign-holdout.js'

const population = (sizes: Record<string, number>): HoldoutCandidate[] =>
  Object.entries(sizes).flatMap(([stratum, n]) =>
    Array.from({ length: n }, (_, i) => ({ customerId: `cus_${stratum}_${i}`, stratum })),
  )

describe('holdout assignment', () => {
  it('holds out round(share × size) of every stratum', () => {
    const candidates = population({
      mvc: 37,
      mgc: 120,
      low_maintenance: 843,
      [UNSCORED_STRATUM]: 5,
    })
    const assigned = assignHoldout(candidates, 'cmp_1', 0.1)
    const held = (stratum: string) =>
      assigned.filter((a) => a.stratum === stratum && a.group === 'holdout').length
    expect(held('mvc')).toBe(4) // round(3.7)
    expect(held('mgc')).toBe(12)
    expect(held('low_maintenance')).toBe(84) // round(84.3)
    expect(held(UNSCORED_STRATUM)).toBe(1) // round(0.5) = 1
    expect(assigned).toHaveLength(candidates.length)
  })

  it('is reproducible from the seed and independent of input order and of the others', () => {
    const candidates = population({ mvc: 50, low_maintenance: 500 })
    const first = assignHoldout(candidates, 'cmp_seed', 0.2)
    const shuffled = [...candidates].reverse()
    const again = new Map(
      assignHoldout(shuffled, 'cmp_seed', 0.2).map((a) => [a.customerId, a.group]),
    )
    for (const a of first) expect(again.get(a.customerId)).toBe(a.group)
    const other = assignHoldout(candidates, 'cmp_other', 0.2)
    const differing = other.filter((a, i) => a.group !== first[i]!.group).length
    expect(differing).toBeGreaterThan(0)
    expect(hash53('abc')).toBe(hash53('abc'))
    expect(campaignDraw('a', 'bc')).not.toBe(campaignDraw('ab', 'c'))
  })

  it('holds out the exact share per stratum for any sizes and shares (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('mvc', 'mgc', 'low_maintenance', 'below_zero', 'unscored'),
          fc.integer({ min: 0, max: 300 }),
        ),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.string({ minLength: 1, maxLength: 12 }),
        (sizes, share, seed) => {
          const assigned = assignHoldout(population(sizes), seed, share)
          for (const [stratum, n] of Object.entries(sizes)) {
            const held = assigned.filter((a) => a.stratum === stratum && a.group === 'holdout')
            expect(held).toHaveLength(Math.round(share * n))
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('draws look uniform: about 10 % of a large stratum for each decile of the hash', () => {
    const draws = Array.from({ length: 20_000 }, (_, i) => campaignDraw('cmp_u', `cus_${i}`))
    const deciles = new Array<number>(10).fill(0)
    for (const d of draws) deciles[Math.floor((d / 2 ** 53) * 10)]! += 1
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(200)
  })

  it('rejects a share outside [0, 1)', () => {
    expect(() => assignHoldout([], 'x', 1)).toThrow(/holdout share/)
    expect(() => assignHoldout([], 'x', -0.1)).toThrow(/holdout share/)
  })
})

describe('pilot selection', () => {
  it('takes the most active share, ties broken reproducibly', () => {
    const candidates = Array.from({ length: 20 }, (_, i) => ({
      customerId: `c${i}`,
      activity: i < 10 ? 0 : i,
    }))
    const pilot = selectPilot(candidates, 'cmp_p', 0.25)
    expect(pilot.size).toBe(5)
    for (const id of ['c19', 'c18', 'c17', 'c16', 'c15']) expect(pilot.has(id)).toBe(true)
    const ties = selectPilot(candidates.slice(0, 10), 'cmp_p', 0.3)
    expect(ties.size).toBe(3)
    expect(selectPilot([...candidates.slice(0, 10)].reverse(), 'cmp_p', 0.3)).toEqual(ties)
    expect(() => selectPilot(candidates, 'x', 0)).toThrow(/pilot share/)
  })
})
