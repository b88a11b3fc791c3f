/** The two arms of a campaign: contacted, or held out and never contacted. */
export const CAMPAIGN_GROUPS = ['treatment', 'holdout'] as const
export type CampaignGroup = (typeof CAMPAIGN_GROUPS)[number]

/** Stratum of customers without value scores. */
export const UNSCORED_STRATUM = 'unscored'

/** Default share of each stratum held out. */
export const DEFAULT_HOLDOUT_SHARE = 0.1

export interface HoldoutCandidate {
  readonly customerId: string
  /** Tier from the value scores, or UNSCORED_STRATUM. */
  readonly stratum: string
}

export interface HoldoutAssignment {
  readonly customerId: string
  readonly stratum: string
  readonly group: CampaignGroup
}

/**
 * A 53-bit hash of a string, the same on every platform and run.
 *
 * *Method:* two 32-bit multiplicative lanes over the UTF-16 code units with a final avalanche
 * (the "cyrb53" construction), combined into 53 bits.
 *
 * *References:* bryc, "cyrb53" (public domain), github.com/bryc/code, jshash/experimental.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** The customer's draw for a campaign: uniform-looking, fixed by the seed and the id. */
export function campaignDraw(campaignSeed: string, customerId: string): number {
  return hash53(`${campaignSeed}\u0000${customerId}`)
}

/**
 * Splits a campaign's eligible customers into treatment and holdout, stratified: within each
 * stratum (tier), exactly round(share × size) customers are held out.
 *
 * *Method:* each customer's draw is a hash of the campaign seed and their id (`campaignDraw`);
 * within a stratum the customers with the smallest draws are held out (ties by id). The draw
 * does not depend on the order of the input or on who else is eligible, so relaunching or
 * re-running the assignment reproduces it, and a customer's group can be recomputed from the
 * seed alone. Stratifying by tier keeps the value mix of both arms equal, which lowers the
 * variance of the revenue uplift where a few high-value customers dominate it.
 *
 * *References:* R. Kohavi, D. Tang, Y. Xu, *Trustworthy Online Controlled Experiments* (2020),
 * ch. 4 (hash-based assignment) and ch. 18 (stratification).
 */
export function assignHoldout(
  candidates: readonly HoldoutCandidate[],
  campaignSeed: string,
  share: number = DEFAULT_HOLDOUT_SHARE,
): HoldoutAssignment[] {
  if (!(share >= 0 && share < 1)) throw new Error(`holdout share must be in [0, 1), got ${share}`)
  const strata = new Map<string, { customerId: string; draw: number }[]>()
  for (const c of candidates) {
    let members = strata.get(c.stratum)
    if (members === undefined) {
      members = []
      strata.set(c.stratum, members)
    }
    members.push({ customerId: c.customerId, draw: campaignDraw(campaignSeed, c.customerId) })
  }
  const held = new Set<string>()
  for (const members of strata.values()) {
    members.sort((a, b) =>
      a.draw !== b.draw ? a.draw - b.draw : a.customerId < b.customerId ? -1 : 1,
    )
    const size = Math.round(share * members.length)
    for (let i = 0; i < size; i++) held.add(members[i]!.customerId)
  }
  return candidates.map((c) => ({
    customerId: c.customerId,
    stratum: c.stratum,
    group: held.has(c.customerId) ? 'holdout' : 'treatment',
  }))
}

export interface PilotCandidate {
  readonly customerId: string
  /** Recent activity: events and orders in the look-back window. */
  readonly activity: number
}

/**
 * The pilot of a campaign: the most active round(share × n) treated customers, who are sent
 * first and reported on their own. Ties in activity are broken by the campaign draw, so the
 * pilot is reproducible.
 */
export function selectPilot(
  candidates: readonly PilotCandidate[],
  campaignSeed: string,
  share: number,
): Set<string> {
  if (!(share > 0 && share <= 1)) throw new Error(`pilot share must be in (0, 1], got ${share}`)
  const ranked = candidates
    .map((c) => ({ ...c, draw: campaignDraw(campaignSeed, c.customerId) }))
    .sort((a, b) => b.activity - a.activity || a.draw - b.draw)
  const size = Math.round(share * ranked.length)
  return new Set(ranked.slice(0, size).map((c) => c.customerId))
}
