/**
 * The sentence that says why an offer won (or why none did). Pure: it reads the figures the
 * choice was made from.
 */
import type { ChoiceMode } from './offer-scoring.js'

/** What the sentence needs of each eligible offer. */
export interface ExplainedCandidate {
  readonly name: string
  readonly margin: number
  readonly cost: number
  readonly mean: number
  readonly lower: number
  readonly upper: number
  readonly presentations: number
  readonly expectedValue: number
  readonly theta: number
  readonly value: number
}

const money = (x: number): string => x.toFixed(2)
const rate = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '?')

/**
 * Why `winner` (an index into `eligible`, or −1) was chosen: the figure that decided, the
 * runner-up, and in Thompson mode whether the winner was the best bet by the posterior mean or
 * an exploration of an uncertain rate.
 */
export function explainOfferChoice(
  mode: ChoiceMode,
  eligible: readonly ExplainedCandidate[],
  winner: number,
  ineligibleCount: number,
): string {
  if (eligible.length === 0) {
    return ineligibleCount === 0
      ? 'No offer: there are no offers yet.'
      : `No offer: none of the ${ineligibleCount} offers is eligible for this customer (see each offer's reasons).`
  }
  const byMean = [...eligible.keys()].sort(
    (a, b) => eligible[b]!.expectedValue - eligible[a]!.expectedValue,
  )
  const bestByMean = byMean[0]!
  if (winner < 0) {
    const best = eligible[bestByMean]!
    return (
      `No offer: every eligible offer is expected to cost more than it earns ` +
      `(best: "${best.name}", expected value ${money(best.expectedValue)} = ` +
      `${rate(best.mean)} × ${money(best.margin)} − ${money(best.cost)}).`
    )
  }
  const w = eligible[winner]!
  const only = eligible.length === 1
  if (mode === 'exploit') {
    const runnerUp = byMean.find((i) => i !== winner)
    return (
      (only
        ? `Chose "${w.name}", the only eligible offer: expected value `
        : `Chose "${w.name}": the highest expected value of ${eligible.length} eligible offers, `) +
      `${money(w.expectedValue)} = P(accept) ${rate(w.mean)} × margin ${money(w.margin)} − ` +
      `cost ${money(w.cost)}` +
      (runnerUp === undefined
        ? '.'
        : `, ahead of "${eligible[runnerUp]!.name}" (${money(eligible[runnerUp]!.expectedValue)}).`)
    )
  }
  let sentence =
    (only
      ? `Chose "${w.name}", the only eligible offer: sampled value `
      : `Chose "${w.name}": the highest sampled value of ${eligible.length} eligible offers, `) +
    `${money(w.value)} = θ ${rate(w.theta)} × margin ${money(w.margin)} − cost ${money(w.cost)} ` +
    `(θ drawn from its posterior, 95% interval ${rate(w.lower)}–${rate(w.upper)} from ` +
    `${w.presentations} presentations to this tier).`
  if (only) return sentence
  if (winner === bestByMean) {
    sentence += ` It also has the highest expected value (${money(w.expectedValue)}).`
  } else {
    const best = eligible[bestByMean]!
    sentence +=
      ` By the posterior mean "${best.name}" ranks first (expected value ` +
      `${money(best.expectedValue)} against ${money(w.expectedValue)}); "${w.name}" is tried to ` +
      `learn its still uncertain rate (Thompson sampling explores in proportion to the chance ` +
      `that an offer is the best).`
  }
  return sentence
}
