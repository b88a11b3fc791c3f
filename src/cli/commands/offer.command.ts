import { readFile } from 'node:fs/promises'
import { Command, InvalidArgumentError } from 'commander'
import { notFound, RequestError } from '../../core/errors.js'
import { requireCustomerId } from '../../identify/customer-profile.js'
import { createRandom } from '../../numeric/random.js'
import { attributeOfferAcceptances } from '../../customize/offers/attribute-offer-acceptances.js'
import {
  chooseNextBestOffer,
  type NextBestOffer,
  type OfferDeps,
} from '../../customize/offers/choose-next-best-offer.js'
import {
  runOfferCalibration,
  type OfferCalibration,
} from '../../customize/offers/offer-calibration.js'
import type { Offer } from '../../customize/offers/offer-definition.js'
import {
  createOffer,
  findOffer,
  listOffers,
  type OfferError,
} from '../../customize/offers/offer-service.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'
import { EXIT } from '../exit-codes.js'

interface CreateOptions extends GlobalOptions {
  readonly file?: string
  readonly name?: string
  readonly kind?: string
  readonly description?: string
  readonly product?: readonly string[]
  readonly discount?: string
  readonly margin?: string
  readonly cost?: string
  readonly eligibility?: string
  readonly capPresentations?: string
  readonly capWindowDays?: string
  readonly maxAcceptances?: string
  readonly budget?: string
  readonly from?: string
  readonly to?: string
  readonly paused?: boolean
}

const collect = (value: string, previous: readonly string[] = []): readonly string[] => [
  ...previous,
  value,
]

const positiveInteger =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be an integer ≥ 1`)
    return n
  }

/** A flag's number, left for the schema to judge (NaN reads as "expected number"). */
const num = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value)

function failure(error: OfferError): RequestError {
  if (error.type === 'offer_not_found') return notFound(`Offer "${error.offerId}"`)
  return new RequestError(
    error.type,
    error.type === 'duplicate_name' ? 409 : 400,
    error.message,
    error.type === 'invalid_offer' ? { errors: error.errors } : { name: error.name },
  )
}

/** The definition from `--file` (JSON), with flags given on the line on top. */
async function definitionOf(options: CreateOptions): Promise<Record<string, unknown>> {
  const base: Record<string, unknown> =
    options.file === undefined
      ? {}
      : (JSON.parse(await readFile(options.file, 'utf8')) as Record<string, unknown>)
  let eligibility: unknown
  if (options.eligibility !== undefined) {
    try {
      eligibility = JSON.parse(options.eligibility)
    } catch (error) {
      throw new RequestError(
        'invalid_offer',
        400,
        `--eligibility is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  const caps = {
    ...(options.capPresentations === undefined
      ? {}
      : { presentations: num(options.capPresentations) }),
    ...(options.capWindowDays === undefined ? {} : { windowDays: num(options.capWindowDays) }),
    ...(options.maxAcceptances === undefined
      ? {}
      : { acceptancesPerCustomer: num(options.maxAcceptances) }),
    ...(options.budget === undefined ? {} : { acceptanceBudget: num(options.budget) }),
  }
  const flags: Record<string, unknown> = {
    name: options.name,
    kind: options.kind,
    description: options.description,
    productIds: options.product,
    discountPercent: num(options.discount),
    margin: num(options.margin),
    cost: num(options.cost),
    eligibility,
    activeFrom: options.from,
    activeTo: options.to,
    status: options.paused === true ? 'paused' : undefined,
    caps:
      Object.keys(caps).length > 0
        ? { ...(base['caps'] as object | undefined), ...caps }
        : undefined,
  }
  return {
    ...base,
    ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
  }
}

const money = (x: number): string => x.toFixed(2)
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–')

function renderOffer(o: Offer): string {
  const caps = [
    o.caps.presentations === null ? null : `${o.caps.presentations} per ${o.caps.windowDays} days`,
    o.caps.acceptancesPerCustomer === null ? null : `${o.caps.acceptancesPerCustomer} per customer`,
    o.caps.acceptanceBudget === null ? null : `budget ${o.caps.acceptanceBudget}`,
  ].filter((c) => c !== null)
  const day = (ms: number | null): string =>
    ms === null ? '…' : new Date(ms).toISOString().slice(0, 10)
  return [
    `${o.name}  (${o.id}, ${o.kind}, ${o.status})`,
    o.description === null ? null : `  ${o.description}`,
    o.productIds.length === 0 ? null : `  products: ${o.productIds.join(', ')}`,
    o.discountPercent === null ? null : `  discount: ${o.discountPercent}%`,
    `  margin ${money(o.margin)} per acceptance, cost ${money(o.cost)} per presentation`,
    `  eligible: ${o.eligibility === null ? 'everyone' : JSON.stringify(o.eligibility)}`,
    caps.length === 0 ? null : `  caps: ${caps.join(', ')}`,
    o.activeFrom === null && o.activeTo === null
      ? null
      : `  active ${day(o.activeFrom)} to ${day(o.activeTo)}`,
  ]
    .filter((line) => line !== null)
    .join('\n')
}

export function renderChoice(c: NextBestOffer): string {
  const lines = [
    `${c.customerId} (tier ${c.tier}), ${c.mode === 'thompson' ? 'Thompson sampling' : 'posterior mean'}:`,
    c.chosen === null ? '  no offer' : `  → ${c.chosen.name} (${c.chosen.offerId})`,
    `  ${c.why}`,
    '',
    '  offer                 P(accept)  95% interval     EV      sampled  eligibility',
  ]
  for (const o of c.considered) {
    const p = o.posterior
    lines.push(
      `  ${o.name.slice(0, 20).padEnd(20)}  ${p.mean.toFixed(3).padStart(8)}  ` +
        `${p.lower.toFixed(3)}–${p.upper.toFixed(3)}  ${money(o.expectedValue).padStart(7)}  ` +
        `${(o.sampledValue === null ? '' : money(o.sampledValue)).padStart(7)}  ` +
        (o.eligible ? 'eligible' : o.reasons.map((r) => r.message).join('; ')),
    )
  }
  lines.push(
    `  model: ${c.model.resolvedAcceptances} of ${c.model.resolvedPresentations} resolved ` +
      `presentations accepted; global rate ${c.model.globalRate.toFixed(3)}`,
  )
  return lines.join('\n')
}

export function renderCalibration(r: OfferCalibration): string {
  const lines = [
    `Offer calibration: ${r.presentations} resolved presentations, ${r.acceptances} accepted, ` +
      `${r.folds}-fold cross-validation over customers`,
    '',
    '  predicted range      presentations  mean predicted  observed  95% interval',
  ]
  for (const b of r.bins) {
    lines.push(
      `  ${b.lowPredicted.toFixed(3)}–${b.highPredicted.toFixed(3)}  ${String(b.presentations).padStart(17)}  ` +
        `${pct(b.meanPredicted).padStart(14)}  ${pct(b.observedRate).padStart(8)}  ` +
        `${pct(b.lower)}–${pct(b.upper)}`,
    )
  }
  lines.push('', r.verdict)
  return lines.join('\n')
}

export function offerCommand(): Command {
  const offer = new Command('offer').description(
    'offers and next-best-offer: define offers, choose one per customer, check calibration',
  )

  offer
    .command('create')
    .description('define an offer (flags, or a JSON definition with --file)')
    .option('--file <path>', 'JSON definition (the API body of POST /v1/offers)')
    .option('--name <name>', 'unique name')
    .option('--kind <kind>', 'product | discount | bundle | content')
    .option('--description <text>', 'what the customer is offered')
    .option('--product <id>', 'a product (repeat for a bundle)', collect)
    .option('--discount <percent>', 'discount percent (discount and bundle offers)')
    .option('--margin <money>', 'money earned per acceptance (≥ 0)')
    .option('--cost <money>', 'money spent per presentation (default 0)')
    .option(
      '--eligibility <json>',
      'segment rule, e.g. \'{"score":"tier","op":"eq","value":"mvc"}\'',
    )
    .option('--cap-presentations <n>', 'most presentations per customer within --cap-window-days')
    .option('--cap-window-days <days>', 'window of the presentation cap')
    .option('--max-acceptances <n>', 'most acceptances per customer')
    .option('--budget <n>', 'most acceptances over all customers')
    .option('--from <date>', 'active from (ISO date)')
    .option('--to <date>', 'active until (ISO date)')
    .option('--paused', 'create it paused')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: CreateOptions) => {
      await runWithStore(options, async (ctx) => {
        const created = await createOffer(
          ctx.store.db,
          await definitionOf(options),
          ctx.clock.now(),
        )
        if (!created.ok) throw failure(created.error)
        printResult(ctx, created.value, () => `Created offer\n${renderOffer(created.value)}`)
        return EXIT.ok
      })
    })

  offer
    .command('list')
    .description('every offer with presentations, acceptances and revenue')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const offers = await listOffers(ctx.store.db)
        printResult(ctx, offers, () =>
          offers.length === 0
            ? 'No offers yet. Define one with: idic offer create --name … --kind content --margin 5'
            : offers
                .map(
                  (o) =>
                    `${o.id}  ${o.name.slice(0, 24).padEnd(24)} ${o.kind.padEnd(9)} ${o.status.padEnd(6)} ` +
                    `${String(o.presentations).padStart(6)} shown ${String(o.acceptances).padStart(5)} taken ` +
                    `${pct(o.presentations > 0 ? o.acceptances / o.presentations : NaN).padStart(6)}  ` +
                    `revenue ${money(o.revenue)}`,
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    })

  offer
    .command('show')
    .description('one offer, by id or name')
    .argument('<offer>', 'offer id or name')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (idOrName: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const found = await findOffer(ctx.store.db, idOrName)
        if (found === null) throw notFound(`Offer "${idOrName}"`)
        printResult(ctx, found, () => renderOffer(found))
        return EXIT.ok
      })
    })

  offer
    .command('best')
    .description('the next-best-offer for a customer, with why it was chosen')
    .requiredOption('--customer <identity>', 'customer id, userId, email or anonymousId')
    .option('--exploit', 'rank by the posterior mean instead of sampling (no exploration)')
    .option('--seed <n>', 'seed the sampling, to repeat a choice', positiveInteger('--seed'))
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(
      async (options: GlobalOptions & { customer: string; exploit?: boolean; seed?: number }) => {
        await runWithStore(options, async (ctx) => {
          const customerId = await requireCustomerId(ctx.store.db, options.customer)
          const deps: OfferDeps = {
            db: ctx.store.db,
            clock: ctx.clock,
            ...(options.seed === undefined ? {} : { random: createRandom(options.seed) }),
          }
          const choice = await chooseNextBestOffer(deps, customerId, {
            explore: options.exploit !== true,
          })
          printResult(ctx, choice, () => renderChoice(choice))
          return EXIT.ok
        })
      },
    )

  offer
    .command('calibration')
    .description('how well the predicted P(accept) matches acceptances (reliability bins, Brier)')
    .option('--folds <n>', 'cross-validation folds', positiveInteger('--folds'), 5)
    .option('--bins <n>', 'reliability bins', positiveInteger('--bins'), 10)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { folds: number; bins: number }) => {
      await runWithStore(options, async (ctx) => {
        if (options.folds < 2) throw new RequestError('invalid_input', 400, '--folds must be ≥ 2')
        const report = await runOfferCalibration(
          { db: ctx.store.db, clock: ctx.clock },
          { folds: options.folds, bins: options.bins },
        )
        printResult(ctx, report, () => renderCalibration(report))
        return EXIT.ok
      })
    })

  offer
    .command('attribute')
    .description('mark presentations accepted by orders of their products within the window')
    .option(
      '--window-days <days>',
      'days after a presentation an order counts',
      positiveInteger('--window-days'),
      7,
    )
    .option('--since <date>', 'only presentations since this date (ISO)')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions & { windowDays: number; since?: string }) => {
      await runWithStore(options, async (ctx) => {
        const since = options.since === undefined ? undefined : Date.parse(options.since)
        if (since !== undefined && Number.isNaN(since)) {
          throw new RequestError('invalid_input', 400, `--since is not a date: ${options.since}`)
        }
        const report = await attributeOfferAcceptances(ctx.store.db, {
          now: ctx.clock.now(),
          windowDays: options.windowDays,
          ...(since === undefined ? {} : { since }),
        })
        printResult(
          ctx,
          report,
          () =>
            `${report.attributed} presentations newly accepted by orders within ${report.windowDays} days` +
            ` (${report.candidates} matching orders examined)`,
        )
        return EXIT.ok
      })
    })

  return offer
}
