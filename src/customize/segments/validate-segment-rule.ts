import { sql, type Kysely } from 'kysely'
import { parseJsonObject } from '../../core/json.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import { capabilitiesOf } from '../../store/engine.js'
import {
  formatRulePath,
  invalidRule,
  parseSegmentRule,
  type InvalidSegmentRule,
  type SegmentRuleError,
} from './parse-segment-rule.js'
import type { SegmentRule } from './segment-rule.js'

type PathSegment = string | number

/** A name a rule relies on, and where in the rule it appears. */
interface NameUse {
  readonly kind: 'trait' | 'event' | 'category'
  readonly name: string
  readonly path: readonly PathSegment[]
}

function namesOf(rule: SegmentRule, path: readonly PathSegment[], out: NameUse[]): void {
  if ('all' in rule) {
    rule.all.forEach((r, i) => {
      namesOf(r, [...path, 'all', i], out)
    })
  } else if ('any' in rule) {
    rule.any.forEach((r, i) => {
      namesOf(r, [...path, 'any', i], out)
    })
  } else if ('not' in rule) namesOf(rule.not, [...path, 'not'], out)
  else if ('trait' in rule) out.push({ kind: 'trait', name: rule.trait, path: [...path, 'trait'] })
  else if ('performed' in rule) {
    out.push({ kind: 'event', name: rule.performed, path: [...path, 'performed'] })
  } else if ('taste' in rule) {
    out.push({ kind: 'category', name: rule.taste.category, path: [...path, 'taste', 'category'] })
  }
}

/**
 * Checks a rule's shape (`parseSegmentRule`) and then the names it relies on against the data:
 * a trait no customer has, an event no customer performed, a category no product is in, are
 * reported with their path, since a rule over them would match nobody for a reason a person
 * would want to know (a typo). One EXISTS query per distinct name.
 */
export async function validateSegmentRule(
  db: Kysely<Database>,
  input: unknown,
): Promise<Result<SegmentRule, InvalidSegmentRule>> {
  const parsed = parseSegmentRule(input)
  if (!parsed.ok) return parsed
  const uses: NameUse[] = []
  namesOf(parsed.value, [], uses)
  const known = new Map<string, boolean>()
  const errors: SegmentRuleError[] = []
  for (const use of uses) {
    const key = `${use.kind}\u0000${use.name}`
    let exists = known.get(key)
    if (exists === undefined) {
      exists = await nameExists(db, use)
      known.set(key, exists)
    }
    if (!exists) errors.push(unknownName(use, await knownNames(db, use.kind)))
  }
  return errors.length > 0 ? err(invalidRule(errors)) : ok(parsed.value)
}

async function nameExists(db: Kysely<Database>, use: NameUse): Promise<boolean> {
  const caps = capabilitiesOf(db)
  switch (use.kind) {
    case 'trait': {
      // A path through an array (`interests[]`, `pets[].kind`) is known when the array is.
      const keys = use.name.split('[]')[0]!.split('.')
      // The LIKE on the raw text skips the JSON parse for rows that cannot have the key.
      const row = await db
        .selectFrom('customers')
        .select(sql<number>`1`.as('one'))
        .where('traits', 'like', `%"${keys[0] ?? ''}"%`)
        .where(caps.jsonHas(sql.ref('traits'), keys))
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    }
    case 'event': {
      const row = await db
        .selectFrom('events')
        .select(sql<number>`1`.as('one'))
        .where('name', '=', use.name)
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    }
    case 'category': {
      const prefix = `${use.name} > `
      const row = await db
        .selectFrom('products')
        .select(sql<number>`1`.as('one'))
        .where((eb) =>
          eb.or([
            eb('category', '=', use.name),
            eb(sql`substr(category, 1, ${prefix.length})`, '=', prefix),
          ]),
        )
        .limit(1)
        .executeTakeFirst()
      return row !== undefined
    }
  }
}

/** How many known names an error lists. */
const KNOWN_LIMIT = 50

/**
 * Names in use, for the error message (only read when a rule names an unknown one): trait keys
 * of the most recently seen customers, event names, top-level categories.
 */
export async function knownNames(
  db: Kysely<Database>,
  kind: NameUse['kind'],
): Promise<readonly string[]> {
  switch (kind) {
    case 'trait': {
      const rows = await db
        .selectFrom('customers')
        .select('traits')
        .orderBy('last_seen_at', 'desc')
        .limit(1000)
        .execute()
      const keys = new Set<string>()
      for (const row of rows) {
        for (const key of Object.keys(parseJsonObject(row.traits))) keys.add(key)
      }
      return [...keys].sort().slice(0, KNOWN_LIMIT)
    }
    case 'event': {
      const rows = await db
        .selectFrom('events')
        .select('name')
        .where('name', 'is not', null)
        .groupBy('name')
        .orderBy('name')
        .limit(KNOWN_LIMIT)
        .execute()
      return rows.flatMap((r) => (r.name === null ? [] : [r.name]))
    }
    case 'category': {
      const rows = await db
        .selectFrom('products')
        .select('category')
        .where('category', 'is not', null)
        .groupBy('category')
        .execute()
      const tops = new Set(
        rows.flatMap((r) => (r.category === null ? [] : [r.category.split(' > ')[0]!])),
      )
      return [...tops].sort().slice(0, KNOWN_LIMIT)
    }
  }
}

function unknownName(use: NameUse, known: readonly string[]): SegmentRuleError {
  const path = formatRulePath(use.path)
  const listed = known.length === 0 ? 'none yet' : known.join(', ')
  switch (use.kind) {
    case 'trait':
      return {
        type: 'unknown_trait',
        path,
        message: `no customer has the trait "${use.name}"; known traits: ${listed}`,
        allowed: known,
      }
    case 'event':
      return {
        type: 'unknown_event',
        path,
        message: `no customer ever performed "${use.name}" (names are case-sensitive); known events: ${listed}`,
        allowed: known,
      }
    case 'category':
      return {
        type: 'unknown_category',
        path,
        message: `no product is in the category "${use.name}" or below it (levels join with " > "); top categories: ${listed}`,
        allowed: known,
      }
  }
}
