import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { DAY_MS } from '../../core/clock.js'
import { createRandom, type Random } from '../../numeric/random.js'
import type { Database } from '../../store/database.js'
import type { SqlitePrepare } from '../../store/engine.js'
import { customersMatchingRule } from '../segments/compile-segment-rule.js'
import {
  attributeOfferAcceptances,
  DEFAULT_ACCEPT_WINDOW_DAYS,
} from './attribute-offer-acceptances.js'
import { explainOfferChoice, type ExplainedCandidate } from './explain-offer-choice.js'
import type { Offer, OfferKind } from './offer-definition.js'
import {
  offerIneligibility,
  type CustomerOfferFacts,
  type Ineligibility,
  type OfferFacts,
  type ProductFacts,
} from './offer-eligibility.js'
import { loadOfferModel, type LoadedOfferModel, type OfferModelCache } from './offer-model-store.js'
import { pickOffer, type ChoiceMode, type OfferModelOptions } from './offer-scoring.js'
import { offerFromStoredRow } from './offer-service.js'
import {
  listOfferRows,
  readAcceptanceTotals,
  readBoughtProducts,
  readCapOutcomes,
  readProducts,
  readTiers,
  UNSCORED_TIER,
} from './offers.repository.js'

/** What next-best-offer needs; the API and CLI build one, a campaign passes its own. */
export interface OfferDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  /**
   * SQLite only: the statement handle on the connection behind `db` (`Store.sqliteStatements`),
   * so recording many presentations inserts through prepared statements.
   */
  readonly sqlite?: SqlitePrepare | null
  /** Source of Thompson draws (seed it for reproducible runs); a time-seeded one by default. */
  readonly random?: Random
  /** Days after a presentation within which an order or call accepts it (default 7). */
  readonly acceptWindowDays?: number
  readonly modelOptions?: OfferModelOptions
  /** Keeps the fitted model between calls; without one, each call fits afresh. */
  readonly models?: OfferModelCache
}

export interface ChooseOptions {
  /** Thompson sampling (true, default) or the posterior-mean choice (false). */
  readonly explore?: boolean
  /** Include every offer considered, with figures and reasons (default true for one customer). */
  readonly explain?: boolean
  /** Only these offers (ids) compete. */
  readonly offerIds?: readonly string[]
}

/** P(accept) for the customer's (offer, tier) cell. */
export interface PosteriorSummary {
  /** Shape of the Beta posterior. */
  readonly alpha: number
  readonly beta: number
  readonly mean: number
  /** 95% credible interval. */
  readonly lower: number
  readonly upper: number
  /** Resolved presentations and acceptances of this offer to customers of this tier. */
  readonly presentations: number
  readonly acceptances: number
  /** The prior the cell started from: its offer's rate from other tiers, and its weight. */
  readonly priorMean: number
  readonly priorWeight: number
  /** The offer's rate over all tiers. */
  readonly offerRate: number
}

export interface OfferConsideration {
  readonly offerId: string
  readonly name: string
  readonly kind: OfferKind
  readonly eligible: boolean
  readonly reasons: readonly Ineligibility[]
  readonly margin: number
  readonly cost: number
  readonly posterior: PosteriorSummary
  /** Posterior mean × margin − cost. */
  readonly expectedValue: number
  /** Thompson mode, eligible offers: the θ drawn and θ × margin − cost. */
  readonly sampledTheta: number | null
  readonly sampledValue: number | null
}

export interface ChosenOffer {
  readonly offerId: string
  readonly name: string
  readonly kind: OfferKind
  readonly description: string | null
  readonly productIds: readonly string[]
  readonly discountPercent: number | null
  readonly margin: number
  readonly cost: number
  readonly probability: number
  readonly expectedValue: number
  /** The value the choice maximised (sampled in Thompson mode, expected otherwise). */
  readonly value: number
}

export interface NextBestOffer {
  readonly customerId: string
  readonly tier: string
  readonly mode: ChoiceMode
  readonly chosen: ChosenOffer | null
  readonly why: string
  /** Every offer, eligible or not, with its figures (empty when `explain` is false). */
  readonly considered: readonly OfferConsideration[]
  readonly model: {
    readonly globalRate: number
    readonly offerConcentration: number
    readonly tierConcentration: number
    readonly resolvedPresentations: number
    readonly resolvedAcceptances: number
    readonly acceptWindowDays: number
    readonly fittedAt: number
  }
  readonly decidedAt: number
}

/**
 * The next-best-offer for one customer, with the explanation: every offer considered, eligible
 * or not and why, its posterior P(accept) with a 95% interval, its expected value, the value
 * sampled for it, and why the winner won. Acceptances by this customer's recent orders are
 * attributed first, so caps and the model see them.
 */
export async function chooseNextBestOffer(
  deps: OfferDeps,
  customerId: string,
  options: ChooseOptions = {},
): Promise<NextBestOffer> {
  const now = deps.clock.now()
  const attributed = await attributeOfferAcceptances(deps.db, {
    now,
    windowDays: deps.acceptWindowDays ?? DEFAULT_ACCEPT_WINDOW_DAYS,
    customerIds: [customerId],
  })
  if (attributed.attributed > 0) deps.models?.invalidate()
  const [choice] = await chooseNextBestOffers(deps, [customerId], {
    ...options,
    explain: options.explain ?? true,
  })
  if (choice === undefined) throw new Error(`No choice made for customer ${customerId}`)
  return choice
}

/**
 * Next-best-offers for many customers at once, in their order, from one model fit and a few
 * queries per 1,000 customers (tiers, recent presentations, purchases of offer products, and
 * one rule query per offer with an eligibility rule). For one-to-one campaigns: choose, then
 * `recordPresentations` for those contacted. Explanations are left out unless `explain` is set.
 */
export async function chooseNextBestOffers(
  deps: OfferDeps,
  customerIds: readonly string[],
  options: ChooseOptions = {},
): Promise<readonly NextBestOffer[]> {
  const now = deps.clock.now()
  const windowDays = deps.acceptWindowDays ?? DEFAULT_ACCEPT_WINDOW_DAYS
  const mode: ChoiceMode = options.explore === false ? 'exploit' : 'thompson'
  const explain = options.explain ?? false
  const random =
    mode === 'thompson' ? (deps.random ?? createRandom(randomBytes(4).readUInt32LE(0))) : null
  const allOffers = (await listOfferRows(deps.db)).map(offerFromStoredRow)
  const only = options.offerIds === undefined ? null : new Set(options.offerIds)
  const offers = only === null ? allOffers : allOffers.filter((o) => only.has(o.id))
  const offerIds = allOffers.map((o) => o.id)
  const loaded =
    deps.models === undefined
      ? await loadOfferModel(deps.db, offerIds, now, windowDays, deps.modelOptions)
      : await deps.models.get(deps.db, offerIds, now, windowDays, deps.modelOptions ?? {})
  const facts = await gatherFacts(deps.db, offers, customerIds, now)
  return customerIds.map((customerId) =>
    decide(customerId, offers, facts, loaded, mode, random, explain, now),
  )
}

interface OfferHistory {
  presentedAt: number[]
  acceptances: number
}

interface BatchFacts {
  readonly offerFacts: ReadonlyMap<string, OfferFacts>
  readonly tiers: ReadonlyMap<string, string>
  readonly ruleMatches: ReadonlyMap<string, ReadonlySet<string>>
  /** customerId → offerId → presentation times and acceptance count. */
  readonly history: ReadonlyMap<string, ReadonlyMap<string, OfferHistory>>
  readonly bought: ReadonlyMap<string, ReadonlySet<string>>
}

async function gatherFacts(
  db: Kysely<Database>,
  offers: readonly Offer[],
  customerIds: readonly string[],
  now: number,
): Promise<BatchFacts> {
  const productIds = [...new Set(offers.flatMap((o) => o.productIds))]
  const longestWindow = Math.max(0, ...offers.map((o) => o.caps.windowDays ?? 0))
  const [products, totals, tiers, stamps, bought] = await Promise.all([
    readProducts(db, productIds),
    readAcceptanceTotals(
      db,
      offers.filter((o) => o.caps.acceptanceBudget !== null).map((o) => o.id),
    ),
    readTiers(db, customerIds),
    readCapOutcomes(db, customerIds, now - longestWindow * DAY_MS),
    readBoughtProducts(db, customerIds, productIds),
  ])
  const offerFacts = new Map<string, OfferFacts>()
  for (const offer of offers) {
    const own = new Map<string, ProductFacts>()
    for (const id of offer.productIds) {
      const p = products.get(id)
      if (p !== undefined) own.set(id, p)
    }
    offerFacts.set(offer.id, { totalAcceptances: totals.get(offer.id) ?? 0, products: own })
  }
  const ruleMatches = new Map<string, ReadonlySet<string>>()
  for (const offer of offers) {
    if (offer.eligibility === null || offer.status === 'paused') continue
    ruleMatches.set(offer.id, await customersMatchingRule(db, offer.eligibility, customerIds, now))
  }
  const history = new Map<string, Map<string, OfferHistory>>()
  for (const s of stamps) {
    let perOffer = history.get(s.customerId)
    if (perOffer === undefined)
      history.set(s.customerId, (perOffer = new Map<string, OfferHistory>()))
    let h = perOffer.get(s.offerId)
    if (h === undefined) perOffer.set(s.offerId, (h = { presentedAt: [], acceptances: 0 }))
    h.presentedAt.push(s.presentedAt)
    if (s.accepted) h.acceptances += 1
  }
  return { offerFacts, tiers, ruleMatches, history, bought }
}

const NO_PRODUCTS: ReadonlySet<string> = new Set()

function decide(
  customerId: string,
  offers: readonly Offer[],
  facts: BatchFacts,
  loaded: LoadedOfferModel,
  mode: ChoiceMode,
  random: Random | null,
  explain: boolean,
  now: number,
): NextBestOffer {
  const { model } = loaded
  const tier = facts.tiers.get(customerId) ?? UNSCORED_TIER
  const tierIndex = loaded.tierIndex.get(tier) ?? loaded.tierIndex.get(UNSCORED_TIER)!
  const bought = facts.bought.get(customerId) ?? NO_PRODUCTS
  const eligibleOffers: Offer[] = []
  const reasonsOf = new Map<string, readonly Ineligibility[]>()
  for (const offer of offers) {
    const h = facts.history.get(customerId)?.get(offer.id)
    const customer: CustomerOfferFacts = {
      matchesRule:
        offer.eligibility === null || (facts.ruleMatches.get(offer.id)?.has(customerId) ?? false),
      presentedAt: h?.presentedAt ?? [],
      acceptances: h?.acceptances ?? 0,
      bought,
    }
    const reasons = offerIneligibility(offer, facts.offerFacts.get(offer.id)!, customer, now)
    reasonsOf.set(offer.id, reasons)
    if (reasons.length === 0) eligibleOffers.push(offer)
  }
  const cellOf = (offer: Offer): number =>
    loaded.offerIndex.get(offer.id)! * model.tierCount + tierIndex
  const pick = pickOffer(
    model,
    {
      cells: Int32Array.from(eligibleOffers, cellOf),
      margins: Float64Array.from(eligibleOffers, (o) => o.margin),
      costs: Float64Array.from(eligibleOffers, (o) => o.cost),
    },
    mode,
    random,
  )
  const summary = (offer: Offer): PosteriorSummary => {
    const cell = cellOf(offer)
    const a = model.alpha[cell]!
    const b = model.beta[cell]!
    return {
      alpha: a,
      beta: b,
      mean: a / (a + b),
      lower: model.lower[cell]!,
      upper: model.upper[cell]!,
      presentations: loaded.counts.presentations[cell]!,
      acceptances: loaded.counts.acceptances[cell]!,
      priorMean: model.cellPriorMean[cell]!,
      priorWeight: model.cellPriorWeight[cell]!,
      offerRate: model.offerRate[loaded.offerIndex.get(offer.id)!]!,
    }
  }
  const explained: ExplainedCandidate[] = eligibleOffers.map((offer, i) => {
    const p = summary(offer)
    return {
      name: offer.name,
      margin: offer.margin,
      cost: offer.cost,
      mean: p.mean,
      lower: p.lower,
      upper: p.upper,
      presentations: p.presentations,
      expectedValue: pick.expectedValue[i]!,
      theta: pick.theta[i]!,
      value: pick.value[i]!,
    }
  })
  const ineligibleCount = offers.length - eligibleOffers.length
  const why = explainOfferChoice(mode, explained, pick.winner, ineligibleCount)
  const winner = pick.winner >= 0 ? eligibleOffers[pick.winner]! : null
  const considered: OfferConsideration[] = []
  if (explain) {
    const eligibleAt = new Map(eligibleOffers.map((o, i) => [o.id, i]))
    for (const offer of offers) {
      const p = summary(offer)
      const i = eligibleAt.get(offer.id)
      considered.push({
        offerId: offer.id,
        name: offer.name,
        kind: offer.kind,
        eligible: i !== undefined,
        reasons: reasonsOf.get(offer.id) ?? [],
        margin: offer.margin,
        cost: offer.cost,
        posterior: p,
        expectedValue: p.mean * offer.margin - offer.cost,
        sampledTheta: i !== undefined && mode === 'thompson' ? pick.theta[i]! : null,
        sampledValue: i !== undefined && mode === 'thompson' ? pick.value[i]! : null,
      })
    }
  }
  return {
    customerId,
    tier,
    mode,
    chosen:
      winner === null
        ? null
        : {
            offerId: winner.id,
            name: winner.name,
            kind: winner.kind,
            description: winner.description,
            productIds: winner.productIds,
            discountPercent: winner.discountPercent,
            margin: winner.margin,
            cost: winner.cost,
            probability: pick.mean[pick.winner]!,
            expectedValue: pick.expectedValue[pick.winner]!,
            value: pick.value[pick.winner]!,
          },
    why,
    considered,
    model: {
      globalRate: model.globalRate,
      offerConcentration: model.offerConcentration,
      tierConcentration: model.tierConcentration,
      resolvedPresentations: model.totalPresentations,
      resolvedAcceptances: model.totalAcceptances,
      acceptWindowDays: loaded.acceptWindowDays,
      fittedAt: loaded.fittedAt,
    },
    decidedAt: now,
  }
}
