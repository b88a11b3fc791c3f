import { sql, type Kysely } from 'kysely'
import { wilsonInterval } from '../../numeric/wilson-interval.js'
import type { Database } from '../../store/database.js'
import { capabilitiesOf } from '../../store/engine.js'
import {
  compileSegmentRule,
  countMatching,
  CUSTOMER_ALIAS,
  type SegmentSampleRow,
} from './compile-segment-rule.js'
import type { SegmentRule } from './segment-rule.js'

/** Up to this many customers a preview evaluates the rule on every one of them. */
export const EXACT_PREVIEW_UP_TO = 20_000
/** Above it, on about this many customers drawn by the sample buckets. */
export const PREVIEW_SAMPLE_SIZE = 10_000

/** The last two characters of a customer id: uniform random (see `newId`), 36² buckets. */
export const SAMPLE_BUCKET_SQL = sql<string>`substr(${sql.ref(`${CUSTOMER_ALIAS}.id`)}, length(${sql.ref(`${CUSTOMER_ALIAS}.id`)}) - 1)`
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'
const BUCKETS = ALPHABET.length * ALPHABET.length
const Z95 = 1.959963984540054

export interface SegmentPreview {
  /** Matching customers: exact, or estimated from a sample when `estimated`. */
  readonly count: number
  readonly estimated: boolean
  /** 95% interval of the count when estimated (Wilson), null when exact. */
  readonly interval: { readonly low: number; readonly high: number } | null
  /** Customers the rule was evaluated on (all of them, or the sample). */
  readonly evaluatedCustomers: number
  readonly totalCustomers: number
  /** Up to `n` matching customers drawn at random. */
  readonly sample: readonly SegmentSampleRow[]
}

/**
 * The id suffixes that make up a sample of about `target` of `total` customers: the first k of
 * the 1,296 two-character buckets in a fixed order. Customer ids end in random characters, so
 * bucket membership says nothing about the customer; the sample is the same on every preview,
 * which keeps the estimate steady while a rule is edited.
 */
export function sampleBuckets(total: number, target = PREVIEW_SAMPLE_SIZE): string[] {
  const k = Math.min(BUCKETS, Math.max(1, Math.ceil((BUCKETS * target) / Math.max(1, total))))
  const buckets: string[] = []
  // Stride through the buckets so that both characters vary (a coprime step visits each once).
  for (let i = 0; i < k; i += 1) {
    const b = (i * 37) % BUCKETS
    buckets.push(ALPHABET[Math.floor(b / ALPHABET.length)]! + ALPHABET[b % ALPHABET.length]!)
  }
  return buckets
}

/**
 * How many customers match the rule now, and up to `n` of them drawn at random, shown before a
 * segment is saved. Up to {@link EXACT_PREVIEW_UP_TO} customers the count is exact, in one pass
 * (the count rides on the sampled rows as `COUNT(*) OVER ()`). Above, the rule is evaluated on a
 * fixed sample of about {@link PREVIEW_SAMPLE_SIZE} customers read through the
 * `customers_sample_bucket` index, and the count is the sample's share scaled to all customers,
 * with its 95% Wilson interval; saving the segment computes the exact membership.
 */
export async function previewSegmentRule(
  db: Kysely<Database>,
  rule: SegmentRule,
  now: number,
  n: number,
  limits: { readonly exactUpTo?: number; readonly sampleSize?: number } = {},
): Promise<SegmentPreview> {
  const totalRow = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  const total = Number(totalRow.n)
  const where = compileSegmentRule(rule, now, capabilitiesOf(db))
  if (total <= (limits.exactUpTo ?? EXACT_PREVIEW_UP_TO)) {
    const exact = await matchingWithCount(db, where, null, n)
    const count = n > 0 ? exact.count : await countMatching(db, rule, now)
    return {
      count,
      estimated: false,
      interval: null,
      evaluatedCustomers: total,
      totalCustomers: total,
      sample: exact.sample,
    }
  }
  const buckets = sampleBuckets(total, limits.sampleSize ?? PREVIEW_SAMPLE_SIZE)
  const sampledRow = await db
    .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(SAMPLE_BUCKET_SQL, 'in', buckets)
    .executeTakeFirstOrThrow()
  const sampled = Number(sampledRow.n)
  const inSample = await matchingWithCount(db, where, buckets, Math.max(n, 1))
  const share = sampled === 0 ? 0 : inSample.count / sampled
  const { low, high } =
    sampled === 0 ? { low: 0, high: 1 } : wilsonInterval(inSample.count, sampled, Z95)
  return {
    count: Math.round(share * total),
    estimated: true,
    interval: { low: Math.floor(low * total), high: Math.ceil(high * total) },
    evaluatedCustomers: sampled,
    totalCustomers: total,
    sample: inSample.sample.slice(0, Math.max(0, n)),
  }
}

/** Matching customers (of the sample buckets, when given): their count and `n` at random. */
async function matchingWithCount(
  db: Kysely<Database>,
  where: ReturnType<typeof compileSegmentRule>,
  buckets: readonly string[] | null,
  n: number,
): Promise<{ count: number; sample: SegmentSampleRow[] }> {
  if (n <= 0) return { count: 0, sample: [] }
  let query = db
    .selectFrom(`customers as ${CUSTOMER_ALIAS}`)
    .select([
      `${CUSTOMER_ALIAS}.id as customerId`,
      `${CUSTOMER_ALIAS}.email as email`,
      sql<number | string>`COUNT(*) OVER ()`.as('matching'),
    ])
  if (buckets !== null) query = query.where(SAMPLE_BUCKET_SQL, 'in', buckets)
  const rows = await query
    .where(where)
    .orderBy(sql`random()`)
    .limit(n)
    .execute()
  return {
    // PostgreSQL's bigint arrives as a string.
    count: rows.length === 0 ? 0 : Number(rows[0]!.matching),
    sample: rows.map((r) => ({ customerId: r.customerId, email: r.email })),
  }
}
