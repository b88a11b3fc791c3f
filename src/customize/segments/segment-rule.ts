/**
 * The segment rule language: a tree of `all` / `any` / `not` over conditions on the customer
 * row, traits, value figures, events performed, orders and tastes. Pure: shapes and closed sets
 * only; `parse-segment-rule.ts` checks input against them with a path per error,
 * `compile-segment-rule.ts` turns a rule into SQL.
 */
import { z } from 'zod'
import { RFM_SEGMENTS } from '../../differentiate/value/rfm.js'
import { TIERS } from '../../differentiate/value/tiers.js'

/** Customer columns a rule may test, by value type. */
export const CUSTOMER_TEXT_FIELDS = ['email', 'managerId', 'country'] as const
export const CUSTOMER_DATE_FIELDS = ['firstSeenAt', 'lastSeenAt', 'createdAt'] as const
export const CUSTOMER_FIELDS = [...CUSTOMER_TEXT_FIELDS, ...CUSTOMER_DATE_FIELDS] as const
export type CustomerTextField = (typeof CUSTOMER_TEXT_FIELDS)[number]
export type CustomerDateField = (typeof CUSTOMER_DATE_FIELDS)[number]
export type CustomerField = (typeof CUSTOMER_FIELDS)[number]

/** Numeric value figures of the latest scoring run (`idic score`). */
export const SCORE_NUMBER_FIELDS = [
  'clv',
  'pAlive',
  'expectedTransactions',
  'expectedSpend',
  'historicalRevenue',
  'historicalMargin',
  'costToServe',
  'actualValue',
  'frequency',
  'recency',
  'age',
  'wallet',
  'shareOfWallet',
  'growthPotential',
  'rfmR',
  'rfmF',
  'rfmM',
] as const
/** Named value figures: the Peppers & Rogers tier and the RFM segment. */
export const SCORE_NAME_FIELDS = ['tier', 'rfmSegment'] as const
export const SCORE_FIELDS = [...SCORE_NUMBER_FIELDS, ...SCORE_NAME_FIELDS] as const
export type ScoreNumberField = (typeof SCORE_NUMBER_FIELDS)[number]
export type ScoreNameField = (typeof SCORE_NAME_FIELDS)[number]
export type ScoreField = (typeof SCORE_FIELDS)[number]

/** Allowed values of the named value figures. */
export const SCORE_NAME_VALUES: Readonly<Record<ScoreNameField, readonly string[]>> = {
  tier: TIERS,
  rfmSegment: RFM_SEGMENTS,
}

/** Order figures: counts and revenue (optionally within a window), first and last order time. */
export const ORDER_NUMBER_METRICS = ['count', 'revenue'] as const
export const ORDER_DATE_METRICS = ['firstOrderAt', 'lastOrderAt'] as const
export const ORDER_METRICS = [...ORDER_NUMBER_METRICS, ...ORDER_DATE_METRICS] as const
export type OrderNumberMetric = (typeof ORDER_NUMBER_METRICS)[number]
export type OrderDateMetric = (typeof ORDER_DATE_METRICS)[number]

/** Operators by the type of what they compare. */
export const TEXT_OPS = ['eq', 'neq', 'in', 'contains', 'exists'] as const
export const NUMBER_OPS = [
  'eq',
  'neq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
] as const
export const NAME_OPS = ['eq', 'neq', 'in'] as const
export const DATE_OPS = ['gt', 'gte', 'lt', 'lte', 'between', 'before', 'after'] as const
/** Traits and event properties: JSON values, compared by the type of the value given. */
export const JSON_OPS = [
  'eq',
  'neq',
  'in',
  'contains',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
] as const
export type JsonOp = (typeof JSON_OPS)[number]

/** The kinds of node a rule is made of, recognized by their key. */
export const RULE_KEYS = [
  'all',
  'any',
  'not',
  'field',
  'trait',
  'score',
  'performed',
  'orders',
  'taste',
] as const
export type RuleKey = (typeof RULE_KEYS)[number]

/**
 * A trait or event property path: keys joined by dots (`plan`, `address.city`), with at most one
 * `[]` after a key to test each element of an array (`products[].category`, `tags[]`): the
 * condition holds when some element passes it.
 */
export const JSON_PATH_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*(\[\](\.[A-Za-z0-9_$-]+)*)?$/
const JsonPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(
    JSON_PATH_PATTERN,
    'keys of letters, digits, _ $ - joined by dots, with at most one [] after a key, e.g. address.city or products[].category',
  )

/** A length of time back from now: exactly one of weeks, days, hours. */
export const DurationSchema = z.union(
  [
    z.strictObject({ weeks: z.number().positive().max(5200) }),
    z.strictObject({ days: z.number().positive().max(36_500) }),
    z.strictObject({ hours: z.number().positive().max(876_000) }),
  ],
  { error: 'expected one of {"weeks": N}, {"days": N}, {"hours": N} with N > 0' },
)
export type Duration = z.infer<typeof DurationSchema>

/** An absolute time: epoch milliseconds or an ISO 8601 date or date-time. */
export const DateValueSchema = z.union(
  [z.number().int().nonnegative(), z.iso.date(), z.iso.datetime({ offset: true })],
  {
    error:
      'expected epoch milliseconds or an ISO 8601 date (2025-06-01) or date-time (2025-06-01T00:00:00Z)',
  },
)
export type DateValue = z.infer<typeof DateValueSchema>

const ORDERED_PAIR = 'the first bound must not exceed the second'
const NumberPair = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo <= hi, { message: ORDERED_PAIR })
const TextPair = z
  .tuple([z.string(), z.string()])
  .refine(([lo, hi]) => lo <= hi, { message: ORDERED_PAIR })
const DatePair = z.tuple([DateValueSchema, DateValueSchema])
const NonEmpty = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(1000)

/** Operand schemas of each operator, per value type; the condition's key is added by the kind. */
export const TEXT_OPERANDS = {
  eq: { value: z.string() },
  neq: { value: z.string() },
  in: { value: NonEmpty(z.string()) },
  contains: { value: z.string().min(1) },
  exists: {},
} as const satisfies Record<(typeof TEXT_OPS)[number], z.ZodRawShape>

export const NUMBER_OPERANDS = {
  eq: { value: z.number() },
  neq: { value: z.number() },
  in: { value: NonEmpty(z.number()) },
  gt: { value: z.number() },
  gte: { value: z.number() },
  lt: { value: z.number() },
  lte: { value: z.number() },
  between: { value: NumberPair },
  exists: {},
} as const satisfies Record<(typeof NUMBER_OPS)[number], z.ZodRawShape>

export const DATE_OPERANDS = {
  gt: { value: DateValueSchema },
  gte: { value: DateValueSchema },
  lt: { value: DateValueSchema },
  lte: { value: DateValueSchema },
  between: { value: DatePair },
  before: { ago: DurationSchema },
  after: { ago: DurationSchema },
} as const satisfies Record<(typeof DATE_OPS)[number], z.ZodRawShape>

const Scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: 'expected a string, a number or a boolean (compared with values of the same JSON type)',
})
const Ordered = z.union([z.number(), z.string()], { error: 'expected a number or a string' })
export const JSON_OPERANDS = {
  eq: { value: Scalar },
  neq: { value: Scalar },
  in: {
    value: z.union([NonEmpty(z.string()), NonEmpty(z.number())], {
      error: 'expected a non-empty array of strings or of numbers',
    }),
  },
  contains: { value: z.string().min(1) },
  gt: { value: Ordered },
  gte: { value: Ordered },
  lt: { value: Ordered },
  lte: { value: Ordered },
  between: {
    value: z.union([NumberPair, TextPair], {
      error: 'expected [low, high], both numbers or both strings, low <= high',
    }),
  },
  exists: {},
} as const satisfies Record<JsonOp, z.ZodRawShape>

type Operands = Readonly<Record<string, z.ZodRawShape>>

/** One strict object schema per operator: `{ [key]: keySchema, op, ...operands }`. */
function perOp<O extends Operands>(
  key: string,
  keySchema: z.ZodType,
  operands: O,
): { [P in keyof O & string]: z.ZodObject } {
  const out: Record<string, z.ZodObject> = {}
  for (const [op, shape] of Object.entries(operands)) {
    out[op] = z.strictObject({ [key]: keySchema, op: z.literal(op), ...shape })
  }
  return out as { [P in keyof O & string]: z.ZodObject }
}

function unionOf(schemas: Readonly<Record<string, z.ZodObject>>): z.ZodType {
  const list = Object.values(schemas)
  const [first, second, ...rest] = list
  if (first === undefined || second === undefined) throw new Error('unionOf needs two schemas')
  return z.union([first, second, ...rest])
}

/** Schemas a leaf is checked against, by kind and value type, then by operator. */
export const LEAF_SCHEMAS = {
  customerText: perOp('field', z.enum(CUSTOMER_TEXT_FIELDS), TEXT_OPERANDS),
  customerDate: perOp('field', z.enum(CUSTOMER_DATE_FIELDS), DATE_OPERANDS),
  trait: perOp('trait', JsonPathSchema, JSON_OPERANDS),
  property: perOp('property', JsonPathSchema, JSON_OPERANDS),
  scoreNumber: perOp('score', z.enum(SCORE_NUMBER_FIELDS), NUMBER_OPERANDS),
  scoreTier: perOp('score', z.literal('tier'), {
    eq: { value: z.enum(TIERS) },
    neq: { value: z.enum(TIERS) },
    in: { value: NonEmpty(z.enum(TIERS)) },
  }),
  scoreRfm: perOp('score', z.literal('rfmSegment'), {
    eq: { value: z.enum(RFM_SEGMENTS) },
    neq: { value: z.enum(RFM_SEGMENTS) },
    in: { value: NonEmpty(z.enum(RFM_SEGMENTS)) },
  }),
  orderNumber: perOp('orders', z.enum(ORDER_NUMBER_METRICS), {
    eq: { value: z.number(), within: DurationSchema.optional() },
    neq: { value: z.number(), within: DurationSchema.optional() },
    gt: { value: z.number(), within: DurationSchema.optional() },
    gte: { value: z.number(), within: DurationSchema.optional() },
    lt: { value: z.number(), within: DurationSchema.optional() },
    lte: { value: z.number(), within: DurationSchema.optional() },
    between: { value: NumberPair, within: DurationSchema.optional() },
  }),
  orderDate: perOp('orders', z.enum(ORDER_DATE_METRICS), DATE_OPERANDS),
} as const

export const PropertyConditionSchema = unionOf(LEAF_SCHEMAS.property)

export const EventCountSchema = z
  .strictObject({
    gte: z.number().int().nonnegative().optional(),
    lte: z.number().int().nonnegative().optional(),
  })
  .refine((c) => c.gte !== undefined || c.lte !== undefined, {
    message: 'give gte, lte or both',
  })
  .refine((c) => c.gte === undefined || c.lte === undefined || c.gte <= c.lte, {
    message: 'gte must not exceed lte',
  })

export const PerformedConditionSchema = z.strictObject({
  performed: z.string().min(1).max(200),
  within: DurationSchema.optional(),
  count: EventCountSchema.optional(),
  where: z.array(PropertyConditionSchema).max(20).optional(),
})

export const TASTE_MEASURES = ['quantity', 'revenue'] as const
export const TasteConditionSchema = z.strictObject({
  taste: z.strictObject({
    category: z.string().min(1).max(500),
    minShare: z.number().gt(0).max(1),
    by: z.enum(TASTE_MEASURES).optional(),
    within: DurationSchema.optional(),
  }),
})

/** Text operators a property or trait condition can carry (for readers of the types). */
export type TextOp = (typeof TEXT_OPS)[number]
export type NumberOp = (typeof NUMBER_OPS)[number]
export type DateOp = (typeof DATE_OPS)[number]
export type Scalar = string | number | boolean

/** A comparison of a JSON value (trait, event property) with a given value. */
export type JsonComparison =
  | { readonly op: 'eq' | 'neq'; readonly value: Scalar }
  | { readonly op: 'in'; readonly value: readonly string[] | readonly number[] }
  | { readonly op: 'contains'; readonly value: string }
  | { readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: number | string }
  | {
      readonly op: 'between'
      readonly value: readonly [number, number] | readonly [string, string]
    }
  | { readonly op: 'exists' }

export type TextComparison =
  | { readonly op: 'eq' | 'neq' | 'contains'; readonly value: string }
  | { readonly op: 'in'; readonly value: readonly string[] }
  | { readonly op: 'exists' }

export type NumberComparison =
  | { readonly op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'; readonly value: number }
  | { readonly op: 'in'; readonly value: readonly number[] }
  | { readonly op: 'between'; readonly value: readonly [number, number] }
  | { readonly op: 'exists' }

export type DateComparison =
  | { readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: DateValue }
  | { readonly op: 'between'; readonly value: readonly [DateValue, DateValue] }
  | { readonly op: 'before' | 'after'; readonly ago: Duration }

export type NameComparison =
  | { readonly op: 'eq' | 'neq'; readonly value: string }
  | { readonly op: 'in'; readonly value: readonly string[] }

export type CustomerFieldCondition =
  | ({ readonly field: CustomerTextField } & TextComparison)
  | ({ readonly field: CustomerDateField } & DateComparison)

export type TraitCondition = { readonly trait: string } & JsonComparison
export type PropertyCondition = { readonly property: string } & JsonComparison

export type ScoreCondition =
  | ({ readonly score: ScoreNumberField } & NumberComparison)
  | ({ readonly score: ScoreNameField } & NameComparison)

export type OrderCondition =
  | ({ readonly orders: OrderNumberMetric; readonly within?: Duration | undefined } & Exclude<
      NumberComparison,
      { readonly op: 'in' | 'exists' }
    >)
  | ({ readonly orders: OrderDateMetric } & DateComparison)

export interface PerformedCondition {
  readonly performed: string
  readonly within?: Duration | undefined
  readonly count?: { readonly gte?: number | undefined; readonly lte?: number | undefined }
  readonly where?: readonly PropertyCondition[] | undefined
}

export interface TasteCondition {
  readonly taste: {
    /** Category path prefix: `Books` matches `Books` and `Books > Fiction`. */
    readonly category: string
    /** Least share (0..1] of the customer's purchases in the category. */
    readonly minShare: number
    /** Share of units bought (default) or of money spent. */
    readonly by?: (typeof TASTE_MEASURES)[number] | undefined
    readonly within?: Duration | undefined
  }
}

export type SegmentCondition =
  | CustomerFieldCondition
  | TraitCondition
  | ScoreCondition
  | PerformedCondition
  | OrderCondition
  | TasteCondition

/** A segment rule: conditions combined with `all`, `any` and `not`. */
export type SegmentRule =
  | { readonly all: readonly SegmentRule[] }
  | { readonly any: readonly SegmentRule[] }
  | { readonly not: SegmentRule }
  | SegmentCondition

/** Deepest nesting of all/any/not, and most nodes, a rule may have. */
export const MAX_RULE_DEPTH = 12
export const MAX_RULE_NODES = 500

const ConditionSchema = z.union([
  unionOf(LEAF_SCHEMAS.customerText),
  unionOf(LEAF_SCHEMAS.customerDate),
  unionOf(LEAF_SCHEMAS.trait),
  unionOf(LEAF_SCHEMAS.scoreNumber),
  unionOf(LEAF_SCHEMAS.scoreTier),
  unionOf(LEAF_SCHEMAS.scoreRfm),
  unionOf(LEAF_SCHEMAS.orderNumber),
  unionOf(LEAF_SCHEMAS.orderDate),
  PerformedConditionSchema,
  TasteConditionSchema,
])

/**
 * The rule's shape as a zod schema (for OpenAPI and for reading stored rules). Input from people
 * goes through `parseSegmentRule`, which checks the same shape and names the path of each error.
 */
export const SegmentRuleSchema: z.ZodType<SegmentRule> = z
  .lazy(() =>
    z.union([
      z.strictObject({ all: z.array(SegmentRuleSchema).min(1).max(100) }),
      z.strictObject({ any: z.array(SegmentRuleSchema).min(1).max(100) }),
      z.strictObject({ not: SegmentRuleSchema }),
      ConditionSchema,
    ]),
  )
  .meta({
    id: 'SegmentRule',
    description:
      'A tree of {all:[…]}, {any:[…]}, {not:…} over conditions: {field,op,…} (customer), ' +
      '{trait,op,value}, {score,op,value} (value figures, tier, RFM), {performed,within?,count?,where?} ' +
      '(events), {orders,op,value,within?}, {taste:{category,minShare,by?,within?}}.',
  }) as z.ZodType<SegmentRule>

export const REFRESH_MODES = ['live', 'scheduled'] as const
export type RefreshMode = (typeof REFRESH_MODES)[number]

/** Milliseconds in a duration. */
export function durationMs(duration: Duration): number {
  if ('weeks' in duration) return duration.weeks * 7 * 86_400_000
  if ('days' in duration) return duration.days * 86_400_000
  return duration.hours * 3_600_000
}

/** Epoch milliseconds of an absolute time value. */
export function dateValueMs(value: DateValue): number {
  return typeof value === 'number' ? value : Date.parse(value)
}

/**
 * How a segment's membership stays current: a rule with a window relative to now (`ago`,
 * `within`) changes as time passes, so it is recomputed on schedule; any other rule only
 * changes when a customer's own data does, so it is kept live as events arrive.
 */
export function refreshModeOf(rule: SegmentRule): RefreshMode {
  return usesRelativeTime(rule) ? 'scheduled' : 'live'
}

function usesRelativeTime(rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.some(usesRelativeTime)
  if ('any' in rule) return rule.any.some(usesRelativeTime)
  if ('not' in rule) return usesRelativeTime(rule.not)
  if ('performed' in rule) return rule.within !== undefined
  if ('taste' in rule) return rule.taste.within !== undefined
  if ('orders' in rule) return 'within' in rule ? rule.within !== undefined : 'ago' in rule
  if ('field' in rule) return 'ago' in rule
  return false
}

/** True when the rule reads value figures (they change when `idic score` runs). */
export function usesScores(rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.some(usesScores)
  if ('any' in rule) return rule.any.some(usesScores)
  if ('not' in rule) return usesScores(rule.not)
  return 'score' in rule
}
