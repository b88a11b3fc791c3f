/**
 * Validation grid for the recommenders' defaults: MovieLens-100k's training file only, split per
 * customer at random (splitRandom, seed 7 unless --seeds), never its test file. Each config is a
 * JSON object `{ "kind": …, …params }`; one JSON line per config and seed, NDCG@10 and fit time.
 *
 *   npx tsx bench/tune-recs.ts [--seeds 7,8] '{"kind":"ials","factors":128,"regularization":40}' …
 */
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { readTsvInteractions } from '../src/customize/recommend/dataset-files.js'
import { buildTrainTest, evaluateModels, splitRandom } from '../src/customize/recommend/evaluate.js'
import { fitRecommender } from '../src/customize/recommend/fit-recommender.js'
import { isModelKind, type ModelParams } from '../src/customize/recommend/recommender.js'

const args = process.argv.slice(2)
const seedsAt = args.indexOf('--seeds')
const seeds = seedsAt >= 0 ? (args[seedsAt + 1] ?? '7').split(',').map(Number) : [7]
const configs = args.filter((a, i) => a.startsWith('{') && !(seedsAt >= 0 && i === seedsAt + 1))
const train = readTsvInteractions(
  fileURLToPath(
    new URL('../../shared/data/movielens-100k/split-seed42/train.tsv', import.meta.url),
  ),
)
for (const seed of seeds) {
  const data = buildTrainTest(splitRandom(train, { testFraction: 0.2, seed }), { binary: true })
  for (const text of configs) {
    const { kind, ...params } = JSON.parse(text) as { kind: string } & ModelParams
    if (!isModelKind(kind)) throw new Error(`unknown model kind ${kind}`)
    const [r] = evaluateModels(data, [{ name: kind, fit: (x) => fitRecommender(kind, x, params) }])
    console.log(
      JSON.stringify({
        seed,
        kind,
        params,
        'ndcg@10': Number(r!.metrics['ndcg@10']!.toFixed(4)),
        fitMs: Math.round(r!.fitMs),
        load: loadavg()[0]!.toFixed(2),
      }),
    )
  }
}
