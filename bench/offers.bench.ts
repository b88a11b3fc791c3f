/**
 * Next-best-offer benchmark.
 *
 *   npx tsx bench/offers.bench.ts [--json] [--customers 20000] [--seeds 40] [--skip-store]
 *
 * 1. Policy: Thompson sampling against greedy (posterior mean) and uniform choice on two
 *    simulated shops with known acceptance rates per tier: median and 90th percentile of
 *    cumulative regret after 1,000, 3,000 and 10,000 customers over `--seeds` seeds, and the
 *    share of the last 10% of customers given their best offer.
 * 2. Store (SQLite in memory): `--customers` customers in five tiers, 12 offers (two with
 *    segment-rule eligibility, product offers, caps) and 100,000 past outcomes; time to choose
 *    for every customer in batches of 1,000 (`chooseNextBestOffers`), to record those
 *    presentations (`recordPresentations`), one customer's explained choice (p50 of 200), and
 *    the cross-validated calibration.
 */
import { performance } from 'node:perf_hooks'
import { DAY_MS, manualClock } from '../src/core/clock.js'
import {
  chooseNextBestOffer,
  chooseNextBestOffers,
} from '../src/customize/offers/choose-next-best-offer.js'
import { runOfferCalibration } from '../src/customize/offers/offer-calibration.js'
import { createOfferModelCache } from '../src/customize/offers/offer-model-store.js'
import { createOffer } from '../src/customize/offers/offer-service.js'
import { recordPresentations } from '../src/customize/offers/record-offer-outcome.js'
import {
  simulateOfferPolicy,
  sumRange,
  type OfferWorld,
} from '../src/customize/offers/simulate-offer-policy.js'
import { createRandom } from '../src/numeric/random.js'
import { openStore } from '../src/store/engine.js'
import { migrateToLatest } from '../src/store/migrate.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`)
}
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!
}
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits

const WORLDS: Record<string, OfferWorld> = {
  // The test's shop: the best offer differs by tier and is never just the most accepted one.
  clear: {
    trueRates: [
      [0.4, 0.1],
      [0.15, 0.45],
      [0.05, 0.08],
    ],
    margins: [10, 12, 20],
    costs: [0.5, 0.5, 0.5],
    tierShares: [0.5, 0.5],
  },
  // Realistic rates (1–30%), five tiers, six offers, small gaps in value between some offers.
  realistic: {
    trueRates: [
      [0.1, 0.08, 0.05, 0.04, 0.02],
      [0.05, 0.06, 0.03, 0.02, 0.01],
      [0.3, 0.25, 0.2, 0.15, 0.1],
      [0.02, 0.03, 0.04, 0.05, 0.03],
      [0.12, 0.05, 0.1, 0.02, 0.06],
      [0.08, 0.08, 0.08, 0.08, 0.08],
    ],
    margins: [20, 40, 4, 60, 15, 12],
    costs: [0.3, 0.3, 0.1, 0.5, 0.3, 0.2],
    tierShares: [0.1, 0.15, 0.25, 0.3, 0.2],
  },
}

function policyFigures(seeds: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, world] of Object.entries(WORLDS)) {
    const perPolicy: Record<string, unknown> = {}
    for (const policy of ['thompson', 'exploit', 'uniform'] as const) {
      const horizons: Record<string, unknown> = {}
      const runs = Array.from({ length: seeds }, (_, seed) =>
        simulateOfferPolicy(world, { rounds: 10_000, seed: seed + 1, policy }),
      )
      for (const t of [1000, 3000, 10_000]) {
        const regrets = runs.map((r) => sumRange(r.regret, 0, t))
        const best = runs.map(
          (r) => sumRange(r.choseBest, Math.floor(0.9 * t), t) / (t - Math.floor(0.9 * t)),
        )
        horizons[String(t)] = {
          regretMedian: round(quantile(regrets, 0.5), 1),
          regretP90: round(quantile(regrets, 0.9), 1),
          bestShareLast10pctMedian: round(quantile(best, 0.5)),
          bestShareLast10pctP10: round(quantile(best, 0.1)),
        }
      }
      perPolicy[policy] = horizons
    }
    out[name] = perPolicy
  }
  return out
}

async function storeFigures(customers: number): Promise<Record<string, unknown>> {
  const store = await openStore('sqlite::memory:')
  await migrateToLatest(store.db)
  const { db } = store
  const now = Date.parse('2026-01-05T10:00:00Z')
  const random = createRandom(42)
  const tiers = ['mvc', 'mgc', 'low_maintenance', 'below_zero', null]
  const ids = Array.from({ length: customers }, (_, i) => `cus_${i}`)
  for (let start = 0; start < ids.length; start += 1000) {
    const chunk = ids.slice(start, start + 1000)
    await db
      .insertInto('customers')
      .values(
        chunk.map((id, i) => ({
          id,
          traits: JSON.stringify({ plan: (start + i) % 3 === 0 ? 'pro' : 'free' }),
          email: `${id}@example.com`,
          first_seen_at: now - 400 * DAY_MS,
          last_seen_at: now - DAY_MS,
          manager_id: null,
          created_at: now - 400 * DAY_MS,
        })),
      )
      .execute()
    const scored = chunk.filter((_, i) => tiers[(start + i) % 5] !== null)
    await db
      .insertInto('scores')
      .values(
        scored.map((id) => ({
          customer_id: id,
          model_run_id: 'bench',
          frequency: 1,
          recency: 1,
          age: 10,
          historical_revenue: 100,
          historical_margin: 40,
          cost_to_serve: 0,
          expected_transactions: 1,
          p_alive: 0.7,
          expected_spend: 20,
          clv: 50,
          actual_value: 90,
          tier: tiers[Number(id.slice(4)) % 5]!,
          tier_reason: 'bench',
          rfm_r: 3,
          rfm_f: 3,
          rfm_m: 3,
          rfm_segment: 'Loyal',
          wallet: null,
          share_of_wallet: null,
          growth_potential: null,
          computed_at: now,
        })),
      )
      .execute()
  }
  await db
    .insertInto('products')
    .values(
      Array.from({ length: 20 }, (_, i) => ({
        id: `p${i}`,
        sku: null,
        name: `Product ${i}`,
        category: 'Shop',
        price: 10 + i,
        cost: 5,
        in_stock: i % 7 === 6 ? 0 : 1,
        repeatable: i % 4 === 0 ? 1 : 0,
        attributes: '{}',
        created_at: now,
        updated_at: now,
      })),
    )
    .execute()
  const offerIds: string[] = []
  for (let i = 0; i < 12; i += 1) {
    const created = await createOffer(
      db,
      {
        name: `Offer ${i}`,
        kind: i < 6 ? 'product' : i < 9 ? 'discount' : 'content',
        ...(i < 6 ? { productIds: [`p${i}`] } : {}),
        ...(i >= 6 && i < 9 ? { discountPercent: 10 } : {}),
        margin: 2 + i,
        cost: 0.2,
        ...(i === 7 ? { eligibility: { score: 'tier', op: 'in', value: ['mvc', 'mgc'] } } : {}),
        ...(i === 10 ? { eligibility: { trait: 'plan', op: 'eq', value: 'pro' } } : {}),
        ...(i === 11 ? { caps: { presentations: 1, windowDays: 30 } } : {}),
      },
      now - 100 * DAY_MS,
    )
    if (!created.ok) throw new Error(created.error.message)
    offerIds.push(created.value.id)
  }
  const clock = manualClock(now - 60 * DAY_MS)
  const history = Array.from({ length: 100_000 }, (_, i) => ({
    customerId: ids[Math.floor(random.uniform() * ids.length)]!,
    offerId: offerIds[i % offerIds.length]!,
    idempotencyKey: `past:${i}`,
    source: 'bench',
    presentedAt: now - 60 * DAY_MS + i * 1000,
  }))
  for (let start = 0; start < history.length; start += 5000) {
    await recordPresentations({ db, clock }, history.slice(start, start + 5000))
  }
  await db
    .updateTable('offer_outcomes')
    .set({ accepted_at: now - 50 * DAY_MS })
    .where('idempotency_key', 'like', 'past:%7')
    .execute()

  const deps = {
    db,
    clock: manualClock(now),
    models: createOfferModelCache(60_000),
    random: createRandom(1),
  }
  let chosen = 0
  const chooseStart = performance.now()
  const choices = []
  for (let start = 0; start < ids.length; start += 1000) {
    const batch = await chooseNextBestOffers(deps, ids.slice(start, start + 1000))
    chosen += batch.filter((c) => c.chosen !== null).length
    choices.push(...batch)
  }
  const chooseMs = performance.now() - chooseStart
  const recordStart = performance.now()
  for (let start = 0; start < choices.length; start += 1000) {
    await recordPresentations(
      deps,
      choices
        .slice(start, start + 1000)
        .filter((c) => c.chosen !== null)
        .map((c) => ({
          customerId: c.customerId,
          offerId: c.chosen!.offerId,
          idempotencyKey: `campaign:bench:${c.customerId}`,
          source: 'cmp_bench',
        })),
    )
  }
  const recordMs = performance.now() - recordStart
  const single: number[] = []
  for (let i = 0; i < 200; i += 1) {
    const t0 = performance.now()
    await chooseNextBestOffer(deps, ids[(i * 97) % ids.length]!)
    single.push(performance.now() - t0)
  }
  const calibrationStart = performance.now()
  const calibration = await runOfferCalibration({ db, clock: manualClock(now) })
  const calibrationMs = performance.now() - calibrationStart
  await store.close()
  return {
    customers,
    offers: offerIds.length,
    pastOutcomes: history.length,
    chooseAllMs: Math.round(chooseMs),
    choicesPerSecond: Math.round((customers / chooseMs) * 1000),
    customersWithAnOffer: chosen,
    recordPresentationsMs: Math.round(recordMs),
    presentationsPerSecond: Math.round((chosen / recordMs) * 1000),
    singleExplainedChoiceP50Ms: round(quantile(single, 0.5), 2),
    singleExplainedChoiceP95Ms: round(quantile(single, 0.95), 2),
    calibrationMs: Math.round(calibrationMs),
    calibrationBrierSkill: round(calibration.brierSkill, 4),
    calibrationEce: round(calibration.expectedCalibrationError, 4),
  }
}

const seeds = flag('--seeds', 40)
log(`policy simulation, ${seeds} seeds…`)
const policy = policyFigures(seeds)
const storeResult = args.includes('--skip-store')
  ? null
  : (log(`store, ${flag('--customers', 20_000)} customers…`),
    await storeFigures(flag('--customers', 20_000)))
const result = { policy, store: storeResult }
// JSON either way (`--json` is accepted like the other benchmarks); progress goes to stderr.
console.log(JSON.stringify(result, null, json ? 2 : 1))
