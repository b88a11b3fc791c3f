import { createRandom } from '../../numeric/random.js'
import {
  emptyOutcomeCounts,
  fitOfferModel,
  pickOffer,
  type ChoiceMode,
  type OfferModelOptions,
} from './offer-scoring.js'

/** A bandit world: offers with known true acceptance rates per tier, margins and costs. */
export interface OfferWorld {
  /** trueRates[offer][tier]. */
  readonly trueRates: readonly (readonly number[])[]
  readonly margins: readonly number[]
  readonly costs: readonly number[]
  /** Share of customers in each tier (sums to 1). */
  readonly tierShares: readonly number[]
}

export interface SimulationOptions {
  readonly rounds: number
  readonly seed: number
  /** `thompson` (default), `exploit` (greedy on the posterior mean) or `uniform` (random offer). */
  readonly policy?: ChoiceMode | 'uniform'
  readonly model?: OfferModelOptions
}

export interface SimulationResult {
  /** Expected regret of each round: best true value for the customer's tier − chosen's value. */
  readonly regret: Float64Array
  /** 1 where the round chose the best offer for its customer. */
  readonly choseBest: Uint8Array
  /** Tier of each round's customer. */
  readonly tiers: Int32Array
}

/**
 * Plays `rounds` customers one after another: each arrives with a tier, the policy chooses an
 * offer from the model fitted on every earlier outcome, and the customer accepts with the true
 * rate. Pure and seeded: the same options give the same result. Used by the tests and the
 * README's figures to show that Thompson sampling's regret grows sublinearly.
 */
export function simulateOfferPolicy(
  world: OfferWorld,
  options: SimulationOptions,
): SimulationResult {
  const offerCount = world.trueRates.length
  const tierCount = world.tierShares.length
  const policy = options.policy ?? 'thompson'
  const customers = createRandom(options.seed)
  const chooser = createRandom(options.seed ^ 0x5bd1e995)
  const counts = emptyOutcomeCounts(offerCount, tierCount)
  const trueValue = (offer: number, tier: number): number =>
    world.trueRates[offer]![tier]! * world.margins[offer]! - world.costs[offer]!
  const best = Array.from({ length: tierCount }, (_, tier) => {
    let top = 0
    for (let offer = 1; offer < offerCount; offer += 1) {
      if (trueValue(offer, tier) > trueValue(top, tier)) top = offer
    }
    return top
  })
  const cells = new Int32Array(offerCount)
  const margins = Float64Array.from(world.margins)
  const costs = Float64Array.from(world.costs)
  const regret = new Float64Array(options.rounds)
  const choseBest = new Uint8Array(options.rounds)
  const tiers = new Int32Array(options.rounds)
  for (let round = 0; round < options.rounds; round += 1) {
    const tier = drawTier(world.tierShares, customers.uniform())
    tiers[round] = tier
    let offer: number
    if (policy === 'uniform') {
      offer = Math.min(offerCount - 1, Math.floor(chooser.uniform() * offerCount))
    } else {
      const model = fitOfferModel(counts, { ...options.model, intervalLevel: 0 })
      for (let o = 0; o < offerCount; o += 1) cells[o] = o * tierCount + tier
      const pick = pickOffer(model, { cells, margins, costs }, policy, chooser)
      offer = pick.winner < 0 ? -1 : pick.winner
    }
    const bestValue = trueValue(best[tier]!, tier)
    if (offer < 0) {
      regret[round] = Math.max(0, bestValue)
      continue
    }
    regret[round] = bestValue - trueValue(offer, tier)
    choseBest[round] = offer === best[tier] ? 1 : 0
    const cell = offer * tierCount + tier
    counts.presentations[cell] = counts.presentations[cell]! + 1
    if (customers.uniform() < world.trueRates[offer]![tier]!) {
      counts.acceptances[cell] = counts.acceptances[cell]! + 1
    }
  }
  return { regret, choseBest, tiers }
}

function drawTier(shares: readonly number[], u: number): number {
  let sum = 0
  for (let tier = 0; tier < shares.length; tier += 1) {
    sum += shares[tier]!
    if (u < sum) return tier
  }
  return shares.length - 1
}

/** Sum of `values` over [from, to). */
export function sumRange(values: Float64Array | Uint8Array, from: number, to: number): number {
  let sum = 0
  for (let i = from; i < to; i += 1) sum += values[i]!
  return sum
}
