import { Command, InvalidArgumentError } from 'commander'
import { requireCustomerId } from '../../identify/customer-profile.js'
import {
  isListKind,
  LIST_KINDS,
  MAX_LIST_LENGTH,
  type ListKind,
} from '../../customize/recommend/recommendation-lists.js'
import {
  createRecommendationService,
  type ServedRecommendationList,
} from '../../customize/recommend/recommendation-service.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

interface RecommendOptions extends GlobalOptions {
  readonly list: ListKind
  readonly n: number
  readonly seed?: string
  readonly category?: string
}

export function recommendCommand(): Command {
  return new Command('recommend')
    .description("show a customer's recommendation list, each item with its reason")
    .argument('<identity>', 'customer id, userId, email or anonymousId')
    .option(
      '--list <list>',
      LIST_KINDS.join('|'),
      (v) => {
        if (!isListKind(v))
          throw new InvalidArgumentError(`--list must be one of ${LIST_KINDS.join(', ')}`)
        return v
      },
      'for-you',
    )
    .option(
      '--n <n>',
      `how many items (1–${MAX_LIST_LENGTH})`,
      (v) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LENGTH) {
          throw new InvalidArgumentError(`--n must be an integer from 1 to ${MAX_LIST_LENGTH}`)
        }
        return n
      },
      10,
    )
    .option('--seed <productId>', 'product to start because-you-bought from')
    .option('--category <category>', 'only this category (and its sub-categories)')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (identity: string, options: RecommendOptions) => {
      await runWithStore(options, async (ctx) => {
        const customerId = await requireCustomerId(ctx.store.db, identity)
        const service = createRecommendationService({ db: ctx.store.db, clock: ctx.clock })
        const list = await service.recommend(customerId, {
          list: options.list,
          n: options.n,
          ...(options.seed === undefined ? {} : { seedProductId: options.seed }),
          ...(options.category === undefined ? {} : { category: options.category }),
        })
        printResult(ctx, list, () => renderList(customerId, list))
        return undefined
      })
    })
}

export function renderList(customerId: string, l: ServedRecommendationList): string {
  const lines = [
    `${l.list} for ${customerId}${l.week === undefined ? '' : ` (${l.week})`}  [model ${l.model}]`,
  ]
  l.items.forEach((item, r) => {
    lines.push(
      `${String(r + 1).padStart(3)}. ${item.productId.padEnd(12)} ${(item.name ?? '').padEnd(28)} ${item.reason.text}`,
    )
  })
  if (l.note !== undefined) lines.push(`  (${l.note})`)
  return lines.join('\n')
}
