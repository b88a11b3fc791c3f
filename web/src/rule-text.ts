/** A segment rule as a sentence a marketer can read (the JSON stays one click away). */

const OPS: Readonly<Record<string, string>> = {
  eq: 'is',
  neq: 'is not',
  in: 'is one of',
  contains: 'contains',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  between: 'is between',
  exists: 'is set',
  before: 'before',
  after: 'after',
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function duration(value: unknown): string {
  if (!isRecord(value)) return JSON.stringify(value)
  return Object.entries(value)
    .map(([unit, n]) => `${String(n)} ${unit}`)
    .join(' ')
}

function literal(value: unknown): string {
  if (Array.isArray(value)) return value.map(literal).join(', ')
  return typeof value === 'string' ? `“${value}”` : JSON.stringify(value)
}

/** `op value`, `op ago`, or `is set`, with an optional window. */
function comparison(node: Readonly<Record<string, unknown>>): string {
  const op = typeof node['op'] === 'string' ? node['op'] : ''
  const words = OPS[op] ?? op
  let text = words
  if (node['ago'] !== undefined) text = `${words} ${duration(node['ago'])} ago`
  else if (op === 'between' && Array.isArray(node['value']))
    text = `${words} ${literal(node['value'][0])} and ${literal(node['value'][1])}`
  else if (node['value'] !== undefined) text = `${words} ${literal(node['value'])}`
  if (node['within'] !== undefined) text += ` within ${duration(node['within'])}`
  return text
}

function performed(node: Readonly<Record<string, unknown>>): string {
  let text = `did “${String(node['performed'])}”`
  const count = node['count']
  if (isRecord(count)) {
    const parts: string[] = []
    if (count['gte'] !== undefined) parts.push(`at least ${literal(count['gte'])}`)
    if (count['lte'] !== undefined) parts.push(`at most ${literal(count['lte'])}`)
    if (parts.length > 0) text += ` ${parts.join(' and ')} times`
  }
  if (node['within'] !== undefined) text += ` within ${duration(node['within'])}`
  const where = node['where']
  if (Array.isArray(where) && where.length > 0) {
    text += ` where ${where.map((w) => ruleText(w)).join(' and ')}`
  }
  return text
}

/** Describes any rule node; unknown shapes fall back to their JSON. */
export function ruleText(node: unknown): string {
  if (!isRecord(node)) return JSON.stringify(node)
  const all = node['all']
  const any = node['any']
  if (Array.isArray(all)) return all.map((n) => group(n)).join(' and ') || 'everyone'
  if (Array.isArray(any)) return any.map((n) => group(n)).join(' or ') || 'no one'
  if (node['not'] !== undefined) return `not ${group(node['not'])}`
  if (typeof node['performed'] === 'string') return performed(node)
  const taste = node['taste']
  if (isRecord(taste)) {
    const share = typeof taste['minShare'] === 'number' ? Math.round(taste['minShare'] * 100) : '?'
    const within = taste['within'] === undefined ? '' : ` within ${duration(taste['within'])}`
    return `spends ≥ ${share}% ${taste['by'] === 'revenue' ? 'of revenue' : 'of items'} on “${String(taste['category'])}”${within}`
  }
  for (const key of ['field', 'trait', 'property', 'score', 'orders'] as const) {
    const name = node[key]
    if (typeof name === 'string') {
      const subject = key === 'trait' ? `trait ${name}` : key === 'orders' ? `orders ${name}` : name
      return `${subject} ${comparison(node)}`
    }
  }
  return JSON.stringify(node)
}

function group(node: unknown): string {
  const text = ruleText(node)
  return isRecord(node) && (Array.isArray(node['all']) || Array.isArray(node['any']))
    ? `(${text})`
    : text
}
