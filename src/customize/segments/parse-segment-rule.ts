/**
 * Checks untrusted input against the rule language and says, for each problem, where it is
 * (`all[2].trait`), what is wrong and what is allowed. Pure: no database (the names a rule uses
 * are checked against the data in `validate-segment-rule.ts`).
 */
import type { z } from 'zod'
import { err, ok, type Result } from '../../core/result.js'
import {
  CUSTOMER_DATE_FIELDS,
  CUSTOMER_FIELDS,
  CUSTOMER_TEXT_FIELDS,
  LEAF_SCHEMAS,
  MAX_RULE_DEPTH,
  MAX_RULE_NODES,
  ORDER_DATE_METRICS,
  ORDER_METRICS,
  ORDER_NUMBER_METRICS,
  PerformedConditionSchema,
  RULE_KEYS,
  SCORE_FIELDS,
  SCORE_NAME_VALUES,
  SCORE_NUMBER_FIELDS,
  TasteConditionSchema,
  type SegmentRule,
} from './segment-rule.js'

export const SEGMENT_RULE_ERROR_TYPES = [
  'invalid_shape',
  'unknown_kind',
  'unknown_field',
  'unknown_op',
  'invalid_value',
  'unknown_trait',
  'unknown_event',
  'unknown_category',
  'too_complex',
] as const
export type SegmentRuleErrorType = (typeof SEGMENT_RULE_ERROR_TYPES)[number]

/** One problem of a rule, at a JSON path into it. */
export interface SegmentRuleError {
  readonly type: SegmentRuleErrorType
  /** Where: `all[2].trait`; `(rule)` for the rule itself. */
  readonly path: string
  readonly message: string
  /** What would be accepted there, when the set is closed or known. */
  readonly allowed?: readonly string[]
}

/** A rule that cannot be used, with every problem found. */
export interface InvalidSegmentRule {
  readonly type: 'invalid_segment_rule'
  readonly message: string
  readonly errors: readonly SegmentRuleError[]
}

type PathSegment = string | number

/** `['all', 2, 'trait']` → `all[2].trait`; `[]` → `(rule)`. */
export function formatRulePath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out === '' ? '(rule)' : out
}

/** Gathers every problem of `input` as a rule; the rule itself when there are none. */
export function parseSegmentRule(input: unknown): Result<SegmentRule, InvalidSegmentRule> {
  const errors: SegmentRuleError[] = []
  const counter = { nodes: 0 }
  walk(input, [], 0, errors, counter)
  if (errors.length > 0) return err(invalidRule(errors))
  return ok(input as SegmentRule)
}

/** The error value for a list of problems, with a one-line summary naming the first. */
export function invalidRule(errors: readonly SegmentRuleError[]): InvalidSegmentRule {
  const first = errors[0]
  const summary =
    first === undefined
      ? 'Segment rule is invalid'
      : `Segment rule is invalid at ${first.path}: ${first.message}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '')
  return { type: 'invalid_segment_rule', message: summary, errors }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list(values: readonly string[]): string {
  return values.join(', ')
}

function walk(
  node: unknown,
  path: readonly PathSegment[],
  depth: number,
  errors: SegmentRuleError[],
  counter: { nodes: number },
): void {
  counter.nodes += 1
  if (counter.nodes > MAX_RULE_NODES || depth > MAX_RULE_DEPTH) {
    if (!errors.some((e) => e.type === 'too_complex')) {
      errors.push({
        type: 'too_complex',
        path: formatRulePath(path),
        message: `rules may nest ${MAX_RULE_DEPTH} levels and hold ${MAX_RULE_NODES} nodes at most`,
      })
    }
    return
  }
  if (!isObject(node)) {
    errors.push({
      type: 'invalid_shape',
      path: formatRulePath(path),
      message: `expected an object with one of: ${list(RULE_KEYS)}`,
      allowed: RULE_KEYS,
    })
    return
  }
  const kinds = RULE_KEYS.filter((k) => k in node)
  const [kind, other] = kinds
  if (kind === undefined) {
    const keys = Object.keys(node)
    errors.push({
      type: 'unknown_kind',
      path: formatRulePath(path),
      message:
        keys.length === 0
          ? `empty condition; expected one of: ${list(RULE_KEYS)}`
          : `unknown condition key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}; expected one of: ${list(RULE_KEYS)}`,
      allowed: RULE_KEYS,
    })
    return
  }
  if (other !== undefined) {
    errors.push({
      type: 'invalid_shape',
      path: formatRulePath(path),
      message: `a node has one kind, this one has "${kind}" and "${other}": wrap them in {"all": [...]}`,
      allowed: RULE_KEYS,
    })
    return
  }
  switch (kind) {
    case 'all':
    case 'any': {
      const children = node[kind]
      const extra = Object.keys(node).filter((k) => k !== kind)
      if (extra.length > 0) unrecognized(extra, path, errors)
      if (!Array.isArray(children) || children.length === 0) {
        errors.push({
          type: 'invalid_shape',
          path: formatRulePath([...path, kind]),
          message: 'expected a non-empty array of rules',
        })
        return
      }
      children.forEach((child, i) => {
        walk(child, [...path, kind, i], depth + 1, errors, counter)
      })
      return
    }
    case 'not': {
      const extra = Object.keys(node).filter((k) => k !== 'not')
      if (extra.length > 0) unrecognized(extra, path, errors)
      walk(node['not'], [...path, 'not'], depth + 1, errors, counter)
      return
    }
    case 'field':
      checkField(node, path, errors)
      return
    case 'trait':
      checkByOp(node, path, LEAF_SCHEMAS.trait, 'trait', errors)
      return
    case 'score':
      checkScore(node, path, errors)
      return
    case 'orders':
      checkOrders(node, path, errors)
      return
    case 'performed':
      checkPerformed(node, path, errors)
      return
    case 'taste':
      checkSchema(node, path, TasteConditionSchema, errors)
      return
  }
}

function unrecognized(
  keys: readonly string[],
  path: readonly PathSegment[],
  errors: SegmentRuleError[],
): void {
  errors.push({
    type: 'invalid_shape',
    path: formatRulePath(path),
    message: `unrecognized key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`,
  })
}

function checkField(
  node: Record<string, unknown>,
  path: readonly PathSegment[],
  errors: SegmentRuleError[],
): void {
  const field = node['field']
  if ((CUSTOMER_TEXT_FIELDS as readonly unknown[]).includes(field)) {
    checkByOp(node, path, LEAF_SCHEMAS.customerText, `text field ${String(field)}`, errors)
  } else if ((CUSTOMER_DATE_FIELDS as readonly unknown[]).includes(field)) {
    checkByOp(node, path, LEAF_SCHEMAS.customerDate, `date field ${String(field)}`, errors)
  } else {
    errors.push({
      type: 'unknown_field',
      path: formatRulePath([...path, 'field']),
      message: `unknown customer field ${JSON.stringify(field)}; known fields: ${list(CUSTOMER_FIELDS)} (other attributes are traits: {"trait": "name", …})`,
      allowed: CUSTOMER_FIELDS,
    })
  }
}

function checkScore(
  node: Record<string, unknown>,
  path: readonly PathSegment[],
  errors: SegmentRuleError[],
): void {
  const score = node['score']
  if ((SCORE_NUMBER_FIELDS as readonly unknown[]).includes(score)) {
    checkByOp(node, path, LEAF_SCHEMAS.scoreNumber, `value figure ${String(score)}`, errors)
  } else if (score === 'tier' || score === 'rfmSegment') {
    const schemas = score === 'tier' ? LEAF_SCHEMAS.scoreTier : LEAF_SCHEMAS.scoreRfm
    const before = errors.length
    checkByOp(node, path, schemas, score, errors)
    // Name the allowed tiers or segments instead of zod's generic enum message.
    for (let i = before; i < errors.length; i += 1) {
      const e = errors[i]!
      if (e.path.startsWith(formatRulePath([...path, 'value']))) {
        errors[i] = {
          ...e,
          message: e.message.startsWith('Invalid option')
            ? `not a known ${score}; ${score} is one of: ${list(SCORE_NAME_VALUES[score])}`
            : e.message,
          allowed: SCORE_NAME_VALUES[score],
        }
      }
    }
  } else {
    errors.push({
      type: 'unknown_field',
      path: formatRulePath([...path, 'score']),
      message: `unknown value figure ${JSON.stringify(score)}; known: ${list(SCORE_FIELDS)}`,
      allowed: SCORE_FIELDS,
    })
  }
}

function checkOrders(
  node: Record<string, unknown>,
  path: readonly PathSegment[],
  errors: SegmentRuleError[],
): void {
  const metric = node['orders']
  if ((ORDER_NUMBER_METRICS as readonly unknown[]).includes(metric)) {
    checkByOp(node, path, LEAF_SCHEMAS.orderNumber, `orders ${String(metric)}`, errors)
  } else if ((ORDER_DATE_METRICS as readonly unknown[]).includes(metric)) {
    checkByOp(node, path, LEAF_SCHEMAS.orderDate, `orders ${String(metric)}`, errors)
  } else {
    errors.push({
      type: 'unknown_field',
      path: formatRulePath([...path, 'orders']),
      message: `unknown order figure ${JSON.stringify(metric)}; known: ${list(ORDER_METRICS)}`,
      allowed: ORDER_METRICS,
    })
  }
}

function checkPerformed(
  node: Record<string, unknown>,
  path: readonly PathSegment[],
  errors: SegmentRuleError[],
): void {
  const { where, ...rest } = node
  checkSchema(rest, path, PerformedConditionSchema, errors)
  if (where === undefined) return
  if (!Array.isArray(where)) {
    errors.push({
      type: 'invalid_shape',
      path: formatRulePath([...path, 'where']),
      message:
        'expected an array of property conditions: [{"property": "category", "op": "eq", "value": "Books"}]',
    })
    return
  }
  if (where.length > 20) {
    errors.push({
      type: 'too_complex',
      path: formatRulePath([...path, 'where']),
      message: 'at most 20 property conditions',
    })
  }
  where.forEach((condition: unknown, i) => {
    const at = [...path, 'where', i]
    if (!isObject(condition) || !('property' in condition)) {
      errors.push({
        type: 'invalid_shape',
        path: formatRulePath(at),
        message: 'expected {"property": NAME, "op": …, "value": …}',
      })
      return
    }
    checkByOp(condition, at, LEAF_SCHEMAS.property, 'event property', errors)
  })
}

/** Checks `op` against the operators `schemas` has, then the node against that operator's schema. */
function checkByOp(
  node: Record<string, unknown>,
  path: readonly PathSegment[],
  schemas: Readonly<Record<string, z.ZodType>>,
  what: string,
  errors: SegmentRuleError[],
): void {
  const ops = Object.keys(schemas)
  const op = node['op']
  const schema = typeof op === 'string' ? schemas[op] : undefined
  if (schema === undefined) {
    errors.push({
      type: 'unknown_op',
      path: formatRulePath([...path, 'op']),
      message:
        op === undefined
          ? `missing op for ${what}; allowed: ${list(ops)}`
          : `op ${JSON.stringify(op)} does not apply to ${what}; allowed: ${list(ops)}`,
      allowed: ops,
    })
    return
  }
  checkSchema(node, path, schema, errors)
}

function checkSchema(
  node: unknown,
  path: readonly PathSegment[],
  schema: z.ZodType,
  errors: SegmentRuleError[],
): void {
  const parsed = schema.safeParse(node)
  if (parsed.success) return
  for (const issue of parsed.error.issues) {
    const at = [...path, ...issue.path.filter((p) => typeof p !== 'symbol')]
    const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : []
    errors.push({
      type: 'invalid_value',
      path: formatRulePath(at),
      message: unknownKeys.length > 0 ? `unrecognized key ${list(unknownKeys)}` : issue.message,
    })
  }
}
