import { Command, InvalidArgumentError } from 'commander'
import cliProgress from 'cli-progress'
import { isModelKind, MODEL_KINDS, type ModelKind } from '../../customize/recommend/recommender.js'
import { trainAndStoreRecommender } from '../../customize/recommend/recommendation-service.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

interface TrainOptions extends GlobalOptions {
  readonly model: ModelKind
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'train a recommender on all interactions in a worker thread and store it as the live model',
    )
    .option(
      '--model <kind>',
      MODEL_KINDS.join('|'),
      (v) => {
        if (!isModelKind(v))
          throw new InvalidArgumentError(`--model must be one of ${MODEL_KINDS.join(', ')}`)
        return v
      },
      'ease',
    )
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: TrainOptions) => {
      await runWithStore(options, async (ctx) => {
        const bar =
          ctx.json || !process.stderr.isTTY
            ? null
            : new cliProgress.SingleBar(
                {
                  format: ' {phase} [{bar}] {percentage}% | {value}/{total}',
                  stream: process.stderr,
                },
                cliProgress.Presets.shades_classic,
              )
        let started = false
        const info = await trainAndStoreRecommender(
          { db: ctx.store.db, clock: ctx.clock },
          {
            kind: options.model,
            onProgress: (phase, done, total) => {
              if (bar === null) return
              if (!started) {
                bar.start(total, done, { phase })
                started = true
              }
              bar.setTotal(total)
              bar.update(done, { phase })
            },
          },
        )
        bar?.stop()
        printResult(
          ctx,
          info,
          () =>
            `stored ${info.kind} v${info.version} (${info.id}): ${info.customers} customers × ${info.items} items, ` +
            `${(info.sizeBytes / 1e6).toFixed(1)} MB, fit ${JSON.stringify(info.metrics['fitMs'])} ms`,
        )
        return undefined
      })
    })
}
