import { LiquidError, type Liquid, type Token } from 'liquidjs'
import type { TemplateSet } from './liquid-engine.js'
import type { TemplateDefinition, TemplatePart } from './template-definition.js'

export const PROBLEM_TYPES = [
  'invalid',
  'syntax',
  'unknown_variable',
  'unknown_filter',
  'missing_partial',
  'missing_layout',
  'render',
] as const
export type ProblemType = (typeof PROBLEM_TYPES)[number]

/** One thing wrong with a template, where it is. */
export interface TemplateProblem {
  readonly type: ProblemType
  /** The part it is in; `template` for the template's fields (kind, layout, name). */
  readonly part: TemplatePart | 'template'
  /** The template it is in: the one checked, or a partial or layout it uses. */
  readonly template: string
  /** 1-based, in that template's part; null when the problem has no place in the source. */
  readonly line: number | null
  readonly column: number | null
  readonly message: string
  /** unknown_variable: the path, up to the first unknown name. */
  readonly variable?: string
  /** unknown_variable, missing_partial, missing_layout: the names that would fit. */
  readonly known?: readonly string[]
}

/** A template that cannot be saved or compiled, with every problem found. */
export interface TemplateInvalid {
  readonly type: 'invalid_template'
  readonly template: string
  readonly problems: readonly TemplateProblem[]
}

/**
 * One line per problem, as the CLI prints it:
 * `html:3:14 unknown variable customer.frist_name (known: customer.id, …)`.
 */
export function formatProblem(problem: TemplateProblem, checked?: string): string {
  const where =
    problem.line === null ? problem.part : `${problem.part}:${problem.line}:${problem.column ?? 1}`
  const inOther =
    checked !== undefined && problem.template !== checked ? ` (in ${problem.template})` : ''
  const known =
    problem.known === undefined || problem.known.length === 0
      ? ''
      : ` (known: ${problem.known.join(', ')})`
  return `${where}${inOther} ${problem.message}${known}`
}

/** A part's Liquid source as compiled: a message's layout is applied by a tag put in front. */
export interface PartSource {
  readonly part: TemplatePart
  readonly source: string
  /** Characters put in front of line 1 (the layout tag); positions there are shifted back. */
  readonly offset: number
  readonly engine: Liquid
}

/**
 * The parts of a template to parse, each with its engine: the subject (text engine), the HTML
 * (HTML engine, inside the layout's HTML), the text when given (text engine, inside the
 * layout's text when the layout has one).
 */
export function partSources(set: TemplateSet, template: TemplateDefinition): PartSource[] {
  const layout = template.kind === 'message' ? template.layout : null
  const layoutTag = layout === null ? '' : `{% layout '${layout}' %}`
  const layoutHasText = layout !== null && set.templates.get(layout)?.text != null
  const parts: PartSource[] = []
  if (template.subject !== null) {
    parts.push({ part: 'subject', source: template.subject, offset: 0, engine: set.text })
  }
  parts.push({
    part: 'html',
    source: layoutTag + template.html,
    offset: layoutTag.length,
    engine: set.html,
  })
  if (template.text !== null) {
    const tag = layoutHasText ? layoutTag : ''
    parts.push({ part: 'text', source: tag + template.text, offset: tag.length, engine: set.text })
  }
  return parts
}

/** Line and column in the author's source, undoing the layout tag's shift on line 1. */
export function authorPosition(
  line: number,
  column: number,
  inChecked: boolean,
  offset: number,
): { readonly line: number | null; readonly column: number | null } {
  if (!inChecked || line !== 1 || offset === 0) return { line, column }
  // Inside the layout tag idic added: the problem is the layout, not a place in the source.
  if (column <= offset) return { line: null, column: null }
  return { line, column: column - offset }
}

/** A liquidjs parse or render error as a problem, at the place liquidjs names. */
export function problemFromError(
  error: unknown,
  part: PartSource,
  checked: string,
  set: TemplateSet,
): TemplateProblem {
  if (!LiquidError.is(error)) {
    const message = error instanceof Error ? error.message : String(error)
    return { type: 'render', part: part.part, template: checked, line: null, column: null, message }
  }
  const template = ownerOf(error.token, part, checked, set)
  const [line = 1, column = 1] = error.token.getPosition()
  const position = authorPosition(line, column, template === checked, part.offset)
  const raw = (error.originalError?.message ?? error.message).replace(
    /(, file:[^,]*)?, line:\d+, col:\d+$/,
    '',
  )
  const undefinedVariable = /^undefined variable: (.+)$/.exec(raw)
  const undefinedFilter = /^undefined filter: (.+)$/.exec(raw)
  const type: ProblemType =
    undefinedVariable !== null
      ? 'unknown_variable'
      : undefinedFilter !== null
        ? 'unknown_filter'
        : error.name === 'RenderError'
          ? 'render'
          : 'syntax'
  return {
    type,
    part: part.part,
    template,
    ...position,
    message:
      undefinedVariable !== null
        ? `unknown variable ${undefinedVariable[1]}`
        : undefinedFilter !== null
          ? `unknown filter ${undefinedFilter[1]}`
          : raw,
    ...(undefinedVariable === null ? {} : { variable: undefinedVariable[1] }),
  }
}

/**
 * The template a token is in. liquidjs names the file in parse errors but not always in render
 * errors, so the token's source text is matched against the part and the set's partials.
 */
function ownerOf(token: Token, part: PartSource, checked: string, set: TemplateSet): string {
  if (token.file !== undefined && token.file !== '') return token.file
  if (token.input === part.source) return checked
  for (const t of set.templates.values()) {
    if (t.kind !== 'message' && (t.html === token.input || t.text === token.input)) return t.name
  }
  return checked
}
