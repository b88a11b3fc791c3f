import type { Kysely } from 'kysely'
import { invalidInput } from '../../core/errors.js'
import { parseJsonObject, type JsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import type { Tier } from './tiers.js'

export const RANK_BY = ['value', 'clv', 'p_alive', 'share_of_wallet', 'growth_potential'] as const
export type RankBy = (typeof RANK_BY)[number]

const COLUMN = {
  value: 'actual_value',
  clv: 'clv',
  p_alive: 'p_alive',
  share_of_wallet: 'share_of_wallet',
  growth_potential: 'growth_potential',
} as const

/**
 * Up to this many members a segment filter reads the members and sorts them (a few ms); above
 * it, it walks the rank index and probes membership, which finds a page after about
 * limit × customers / members probes (on 24,000 customers: 63 ms sorted against 3 ms walked
 * for 9,600 members; 18 ms walked for an empty segment).
 */
const SMALL_SEGMENT = 2000

export interface RankedCustomer {
  readonly id: string
  readonly email: string | null
  readonly traits: JsonObject
  readonly lastSeenAt: number
  readonly tier: string
  readonly actualValue: number | null
  readonly clv: number | null
  readonly pAlive: number | null
  readonly shareOfWallet: number | null
  readonly growthPotential: number | null
}

export interface RankedPage {
  readonly customers: readonly RankedCustomer[]
  readonly nextCursor: string | null
}

/**
 * Scored customers, highest first by value, CLV, P(alive), share of customer (share of wallet) or
 * growth potential, with keyset pagination on (figure, customer id) so that every page is an
 * index range scan (`scores_rank_*`), as fast at a million customers as at a hundred. Customers
 * whose figure is unknown are left out.
 */
export async function listRankedCustomers(
  db: Kysely<Database>,
  options: {
    readonly by: RankBy
    readonly limit: number
    readonly tier?: Tier
    /**
     * Only members of this segment (its stored id and member count, which picks the plan: a
     * small segment is read whole and sorted; a large one filters the rank index walk).
     */
    readonly segment?: { readonly id: string; readonly memberCount: number }
    /** Only the portfolio of this customer manager (`customers.manager_id`, indexed). */
    readonly managerId?: string
    readonly cursor?: string
  },
): Promise<RankedPage> {
  const column = COLUMN[options.by]
  let select = db
    .selectFrom('scores')
    .innerJoin('customers', 'customers.id', 'scores.customer_id')
    .select([
      'customers.id',
      'customers.email',
      'customers.traits',
      'customers.last_seen_at',
      'scores.tier',
      'scores.actual_value',
      'scores.clv',
      'scores.p_alive',
      'scores.share_of_wallet',
      'scores.growth_potential',
      `scores.${column} as rank_value`,
    ])
    .where(`scores.${column}`, 'is not', null)
    .orderBy(`scores.${column}`, 'desc')
    .orderBy('scores.customer_id', 'desc')
    .limit(options.limit + 1)
  if (options.tier !== undefined) select = select.where('scores.tier', '=', options.tier)
  if (options.managerId !== undefined) {
    select = select.where('customers.manager_id', '=', options.managerId)
  }
  const segment = options.segment
  if (segment !== undefined) {
    select =
      segment.memberCount <= SMALL_SEGMENT
        ? select.where('scores.customer_id', 'in', (eb) =>
            eb
              .selectFrom('segment_members')
              .select('segment_members.customer_id')
              .where('segment_members.segment_id', '=', segment.id),
          )
        : select.where((eb) =>
            eb.exists(
              eb
                .selectFrom('segment_members')
                .select('segment_members.customer_id')
                .where('segment_members.segment_id', '=', segment.id)
                .whereRef('segment_members.customer_id', '=', 'scores.customer_id'),
            ),
          )
  }
  if (options.cursor !== undefined && options.cursor !== '') {
    const { value, id } = decodeCursor(options.cursor)
    select = select.where((eb) =>
      eb.or([
        eb(`scores.${column}`, '<', value),
        eb.and([eb(`scores.${column}`, '=', value), eb('scores.customer_id', '<', id)]),
      ]),
    )
  }
  const rows = await select.execute()
  const page = rows.slice(0, options.limit)
  const last = page[page.length - 1]
  return {
    customers: page.map((r) => ({
      id: r.id,
      email: r.email,
      traits: parseJsonObject(r.traits),
      lastSeenAt: r.last_seen_at,
      tier: r.tier,
      actualValue: r.actual_value,
      clv: r.clv,
      pAlive: r.p_alive,
      shareOfWallet: r.share_of_wallet,
      growthPotential: r.growth_potential,
    })),
    nextCursor:
      rows.length > options.limit && last?.rank_value != null
        ? Buffer.from(JSON.stringify([last.rank_value, last.id])).toString('base64url')
        : null,
  }
}

function decodeCursor(cursor: string): { value: number; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') {
      return { value: v[0], id: v[1] }
    }
  } catch {
    // fall through to the error below
  }
  throw invalidInput('cursor is not one this API gave out', { field: 'cursor' })
}
