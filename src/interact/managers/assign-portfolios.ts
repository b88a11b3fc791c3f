/** Tiers whose customers get a personal manager: most valuable and most growable. */
export const MANAGED_TIERS = ['mvc', 'mgc'] as const
export type ManagedTier = (typeof MANAGED_TIERS)[number]

export interface PortfolioCandidate {
  readonly customerId: string
  /** What the customer is worth (CLV, or revenue when no model has run). */
  readonly value: number
  /** Normalized tier: mvc, mgc, or anything else (not managed). */
  readonly tier: string
  readonly currentManagerId: string | null
}

export interface ManagerSlot {
  readonly id: string
  /** Most customers the manager should own; null for no limit. */
  readonly capacity: number | null
}

export interface PortfolioAssignment {
  readonly customerId: string
  readonly managerId: string
  /** kept: stays with their manager; assigned: newly given one. */
  readonly action: 'kept' | 'assigned'
}

export interface PortfolioPlan {
  readonly assignments: readonly PortfolioAssignment[]
  /** Customers of a managed tier no manager could take (every manager at capacity). */
  readonly unassigned: readonly string[]
}

/**
 * Assigns the customers of managed tiers to managers, keeping portfolios balanced: existing
 * relationships are kept (a customer keeps their manager while the manager is active and within
 * capacity); the rest go, tier by tier and most valuable first, to the manager with the fewest
 * customers of that tier, ties broken by the smallest portfolio value. Each manager so ends with
 * a similar count per tier (±1 on a fresh assignment) and a similar value.
 *
 * Pure: the caller reads candidates (from `scores`, or revenue) and writes the plan.
 */
export function assignPortfolios(
  candidates: readonly PortfolioCandidate[],
  managers: readonly ManagerSlot[],
): PortfolioPlan {
  const managed = candidates.filter((c) => (MANAGED_TIERS as readonly string[]).includes(c.tier))
  const load = new Map(
    managers.map((m) => [m.id, { count: 0, value: 0, perTier: new Map<string, number>() }]),
  )
  const capacity = new Map(managers.map((m) => [m.id, m.capacity ?? Number.POSITIVE_INFINITY]))
  const add = (managerId: string, c: PortfolioCandidate): void => {
    const l = load.get(managerId)
    if (l === undefined) return
    l.count += 1
    l.value += c.value
    l.perTier.set(c.tier, (l.perTier.get(c.tier) ?? 0) + 1)
  }
  const byValue = [...managed].sort(
    (a, b) => b.value - a.value || a.customerId.localeCompare(b.customerId),
  )
  const assignments: PortfolioAssignment[] = []
  const waiting: PortfolioCandidate[] = []
  for (const c of byValue) {
    const current = c.currentManagerId
    const l = current === null ? undefined : load.get(current)
    if (current !== null && l !== undefined && l.count < (capacity.get(current) ?? 0)) {
      add(current, c)
      assignments.push({ customerId: c.customerId, managerId: current, action: 'kept' })
    } else {
      waiting.push(c)
    }
  }
  const unassigned: string[] = []
  for (const tier of MANAGED_TIERS) {
    for (const c of waiting.filter((w) => w.tier === tier)) {
      let best: string | null = null
      for (const m of managers) {
        const l = load.get(m.id)!
        if (l.count >= (capacity.get(m.id) ?? 0)) continue
        if (best === null) {
          best = m.id
          continue
        }
        const b = load.get(best)!
        const tierDiff = (l.perTier.get(tier) ?? 0) - (b.perTier.get(tier) ?? 0)
        if (tierDiff < 0 || (tierDiff === 0 && l.value < b.value)) best = m.id
      }
      if (best === null) {
        unassigned.push(c.customerId)
        continue
      }
      add(best, c)
      assignments.push({ customerId: c.customerId, managerId: best, action: 'assigned' })
    }
  }
  return { assignments, unassigned }
}

/** Reads the tier names other code uses (MVC, most_valuable, …) as mvc / mgc / other. */
export function normalizeTier(tier: string | null): string {
  const t = (tier ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
  if (t === 'mvc' || t === 'most_valuable' || t === 'most_valuable_customer') return 'mvc'
  if (t === 'mgc' || t === 'most_growable' || t === 'most_growable_customer') return 'mgc'
  return t === '' ? 'other' : t
}
