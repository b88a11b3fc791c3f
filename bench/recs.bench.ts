/**
 * Recommender benchmark: fit time and memory per model on MovieLens-100k and Online Retail, an
 * Online Retail time split (last 30 days held out), serving latency in process, and a simulated
 * 1,000,000 customers × 50,000 items × 20,000,000 interactions set (item-kNN, iALS 64 factors).
 *
 *   npx tsx bench/recs.bench.ts --json [--simulated 20000000] [--iterations 15] [--threads N]
 *     [--skip-simulated | --only-simulated]
 *
 * `--threads` sets iALS's fit threads on the simulated set (default: two, or one on one core).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { CsrMatrix } from '../src/numeric/csr-matrix.js'
import { simulateInteractions } from './simulate-interactions.js'
import { readMovieLensSplitDir } from '../src/customize/recommend/dataset-files.js'
import { buildTrainTest, evaluateModels } from '../src/customize/recommend/evaluate.js'
import { fitRecommender } from '../src/customize/recommend/fit-recommender.js'
import {
  recommendList,
  type ProductFacts,
  type RecommendationModel,
} from '../src/customize/recommend/recommendation-lists.js'
import { MODEL_KINDS, type Recommender } from '../src/customize/recommend/recommender.js'
import { runEvaluation } from '../src/customize/recommend/run-evaluation.js'
import { seededRandom } from '../src/customize/recommend/evaluate.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url))
const log = (msg: string): void => {
  if (!json) console.error(msg)
  else process.stderr.write(`${msg}\n`)
}
const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10
const maxRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024)

function fitMeasured(
  name: string,
  fit: () => Recommender,
): { model: Recommender; fitMs: number; rssDeltaMb: number; maxRssMb: number } {
  const before = process.memoryUsage().rss
  const t0 = performance.now()
  const model = fit()
  const fitMs = Math.round(performance.now() - t0)
  const r = {
    model,
    fitMs,
    rssDeltaMb: mb(process.memoryUsage().rss - before),
    maxRssMb: maxRssMb(),
  }
  log(`  ${name}: ${fitMs} ms`)
  return r
}

function servingLatency(
  rm: RecommendationModel,
  requests: number,
): { p50Ms: number; p99Ms: number; cpuP50Ms: number; cpuP99Ms: number; catalog: number } {
  const products = new Map<string, ProductFacts>(
    rm.itemIds.map((id) => [
      id,
      { id, name: id, inStock: true, repeatable: false, category: null, price: 1 },
    ]),
  )
  const rand = seededRandom(7)
  const times: number[] = []
  // CPU time per request too: on a shared machine it tells what an idle one would take.
  const cpuTimes: number[] = []
  for (let r = 0; r < requests; r++) {
    const events = Array.from({ length: 20 }, (_, k) => ({
      productId: rm.itemIds[Math.floor(rand() * rm.itemIds.length)]!,
      kind: k === 19 ? ('skip' as const) : ('purchase' as const),
      time: k,
    }))
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const res = recommendList(
      rm,
      products,
      { customerId: `c${r}`, events },
      { list: 'for-you', n: 10, now: 0 },
    )
    times.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpuTimes.push((c.user + c.system) / 1000)
    if (!res.ok) throw new Error('serving failed')
  }
  times.sort((a, b) => a - b)
  cpuTimes.sort((a, b) => a - b)
  const q = (sorted: readonly number[], p: number): number =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 1000) / 1000
  return {
    p50Ms: q(times, 0.5),
    p99Ms: q(times, 0.99),
    cpuP50Ms: q(cpuTimes, 0.5),
    cpuP99Ms: q(cpuTimes, 0.99),
    catalog: rm.itemIds.length,
  }
}

function asServing(model: Recommender, x: CsrMatrix): RecommendationModel {
  const itemIds = Array.from({ length: model.itemCount }, (_, i) => `p${i}`)
  const popularity = new Float64Array(model.itemCount)
  for (let p = 0; p < x.rowPtr[x.rows]!; p++) popularity[x.colIdx[p]!]! += 1
  return { model, itemIds, itemIndex: new Map(itemIds.map((id, i) => [id, i])), popularity }
}

const out: Record<string, unknown> = { node: process.version, startedAt: new Date().toISOString() }

// MovieLens-100k, fixed split.
const mlDir = `${DATA}movielens-100k/split-seed42`
if (existsSync(mlDir) && !args.includes('--only-simulated')) {
  log('MovieLens-100k')
  const data = buildTrainTest(readMovieLensSplitDir(mlDir), { binary: true })
  const results = evaluateModels(
    data,
    MODEL_KINDS.map((kind) => ({ name: kind, fit: (x: CsrMatrix) => fitRecommender(kind, x) })),
  )
  const ml: Record<string, unknown> = {}
  for (const r of results) {
    ml[r.name] = {
      'precision@10': r.metrics['precision@10'],
      'recall@20': r.metrics['recall@20'],
      'ndcg@10': r.metrics['ndcg@10'],
      'map@10': r.metrics['map@10'],
      'hitrate@10': r.metrics['hitrate@10'],
      'coverage@10': r.metrics['coverage@10'],
      fitMs: Math.round(r.fitMs),
      params: r.model.params,
    }
    log(`  ${r.name}: ndcg@10 ${r.metrics['ndcg@10']!.toFixed(4)} fit ${Math.round(r.fitMs)} ms`)
  }
  out['movielens100k'] = { models: ml, maxRssMb: maxRssMb() }
  const ease = results.find((r) => r.name === 'ease')
  if (ease !== undefined)
    out['servingMovielens'] = servingLatency(asServing(ease.model, data.train), 2000)
}

// Online Retail: time split, last 30 days held out.
const orFile = `${DATA}online-retail/online_retail_I.csv.gz`
if (existsSync(orFile) && !args.includes('--only-simulated')) {
  log('Online Retail (time split)')
  const report = runEvaluation({
    data: orFile,
    format: 'online-retail',
    split: 'time',
    holdoutDays: 30,
  })
  out['onlineRetail'] = { ...report, maxRssMb: maxRssMb() }
}

// Simulated scale.
if (!args.includes('--skip-simulated')) {
  const nnz = Number(flag('--simulated') ?? 20_000_000)
  const users = Math.round((nnz / 20_000_000) * 1_000_000)
  const items = 50_000
  log(`simulated ${users} × ${items} × ${nnz}`)
  const t0 = performance.now()
  const x = simulateInteractions(users, items, nnz)
  const buildMs = Math.round(performance.now() - t0)
  const knn = fitMeasured('item-knn', () => fitRecommender('item-knn', x, { neighbours: 100 }))
  const threads = flag('--threads')
  const iterationMs: number[] = []
  let last = 0
  const ials = fitMeasured('ials', () => {
    const t1 = performance.now()
    return fitRecommender(
      'ials',
      x,
      {
        factors: 64,
        iterations: Number(flag('--iterations') ?? 15),
        ...(threads === undefined ? {} : { threads: Number(threads) }),
      },
      (phase, done, total) => {
        const at = performance.now() - t1
        iterationMs.push(Math.round(at - last))
        last = at
        log(`    ials ${phase} ${done}/${total} at ${Math.round(performance.now() - t0)} ms`)
      },
    )
  })
  out['simulated'] = {
    customers: users,
    items,
    interactions: x.rowPtr[x.rows],
    buildMs,
    itemKnn: { fitMs: knn.fitMs, rssDeltaMb: knn.rssDeltaMb, maxRssMb: knn.maxRssMb },
    ials: {
      fitMs: ials.fitMs,
      iterationMs,
      threads: threads === undefined ? 'default' : Number(threads),
      rssDeltaMb: ials.rssDeltaMb,
      maxRssMb: ials.maxRssMb,
      factors: 64,
    },
    servingItemKnn: servingLatency(asServing(knn.model, x), 1000),
    servingIals: servingLatency(asServing(ials.model, x), 1000),
  }
}

console.log(json ? JSON.stringify(out, null, 2) : out)
