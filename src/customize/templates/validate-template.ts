import type { Template } from 'liquidjs'
import { err, ok, type Result } from '../../core/result.js'
import { checkVariablePath, formatSegments, sampleTemplateContext } from './context-schema.js'
import type { SegmentArray } from './segment-array.js'
import { needsOf, type ContextNeeds } from './context-needs.js'
import { createTemplateSet, type TemplateSet } from './liquid-engine.js'
import {
  isTemplateKind,
  TEMPLATE_CHANNELS,
  TEMPLATE_KINDS,
  TEMPLATE_NAME_PATTERN,
  type TemplateDefinition,
  type TemplatePart,
} from './template-definition.js'
import { TEMPLATE_FILTERS } from './template-filters.js'
import {
  authorPosition,
  partSources,
  problemFromError,
  type PartSource,
  type TemplateInvalid,
  type TemplateProblem,
} from './template-problems.js'
import type { TemplateSettings } from './template-settings.js'

/** What saving learns about a valid template. */
export interface TemplateAnalysis {
  /** Partials and layouts it uses (directly or through other partials), sorted. */
  readonly uses: readonly string[]
  /** The parts of the context it reads. */
  readonly needs: ContextNeeds
}

/** A stored template and the partials and layouts it was found to use. */
export type KnownTemplate = TemplateDefinition & { readonly uses?: readonly string[] }

/**
 * Checks a template before it is saved, against the other stored templates:
 *
 * 1. its fields: name, kind, a subject and a layout only on messages, the layout existing;
 * 2. every part parses (syntax errors and unknown filters with line and column);
 * 3. static analysis (liquidjs `globalVariableSegments`, partials and layout included) lists
 *    every context name the parts read; each must be in the context schema (`customer.*`,
 *    `value.*`, …), else an error names the path and the names allowed there; partials and
 *    layouts may also read names their caller passes in;
 * 4. every partial and layout named in a tag exists;
 * 5. a message renders strictly against a sample context with every list filled, which catches
 *    what analysis cannot see (a misspelt loop variable: `item.nmae`);
 * 6. a partial or layout is checked in place: every stored template that uses it is checked
 *    again with the new version (so it can neither break a message nor turn into a message
 *    while one still includes it).
 *
 * Returns every problem found, not only the first.
 */
export function validateTemplate(
  template: TemplateDefinition,
  stored: readonly KnownTemplate[],
  settings: TemplateSettings,
): Result<TemplateAnalysis, TemplateInvalid> {
  const others = stored.filter((t) => t.name !== template.name)
  const set = createTemplateSet([...others, template], settings, { trackLookups: true })
  const checked = checkOne(set, template)
  const problems = [...checked.problems]
  if (problems.length === 0) {
    for (const user of others) {
      if (!(user.uses ?? []).includes(template.name)) continue
      const again = checkOne(set, user)
      for (const p of again.problems) {
        problems.push({
          ...p,
          message: `${p.message} (in ${user.kind} "${user.name}", which uses ${template.name})`,
          ...(p.template === template.name ? {} : { template: user.name }),
        })
      }
    }
  }
  if (problems.length > 0) {
    return err({ type: 'invalid_template', template: template.name, problems: dedupe(problems) })
  }
  return ok({ uses: checked.uses, needs: checked.needs })
}

interface Checked {
  readonly problems: readonly TemplateProblem[]
  readonly uses: readonly string[]
  readonly needs: ContextNeeds
}

function checkOne(set: TemplateSet, template: TemplateDefinition): Checked {
  const lookups = set.lookups!
  lookups.used.clear()
  lookups.missing.clear()
  const problems = checkFields(set, template)
  const parsed: { readonly source: PartSource; readonly templates: Template[] }[] = []
  const variables: SegmentArray[] = []
  if (!problems.some((p) => p.type === 'invalid')) {
    for (const source of partSources(set, template)) {
      try {
        const templates = source.engine.parse(source.source)
        const analysis = source.engine.analyzeSync(templates, { partials: true })
        parsed.push({ source, templates })
        for (const found of Object.values(analysis.globals)) {
          for (const variable of found) {
            const segments = variable.toArray()
            variables.push(segments)
            const problem = checkVariable(segments, variable.location, source, template)
            if (problem !== null) problems.push(problem)
          }
        }
      } catch (error) {
        problems.push(withKnownFilters(problemFromError(error, source, template.name, set)))
      }
    }
    problems.push(...missingPartials(set, template))
  }
  if (problems.length === 0 && template.kind === 'message') {
    const context = sampleTemplateContext({
      name: set.settings.shopName,
      url: set.settings.shopUrl,
      currency: set.settings.currency,
    })
    for (const { source, templates } of parsed) {
      try {
        source.engine.renderSync(templates, undefined, { globals: context })
      } catch (error) {
        problems.push(problemFromError(error, source, template.name, set))
      }
    }
  }
  const uses = new Set(lookups.used)
  if (template.kind === 'message' && template.layout !== null) uses.add(template.layout)
  uses.delete(template.name)
  return { problems, uses: [...uses].sort(), needs: needsOf(variables) }
}

function checkFields(set: TemplateSet, t: TemplateDefinition): TemplateProblem[] {
  const problems: TemplateProblem[] = []
  const field = (message: string, known?: readonly string[]): void => {
    problems.push({
      type: 'invalid',
      part: 'template',
      template: t.name,
      line: null,
      column: null,
      message,
      ...(known === undefined ? {} : { known }),
    })
  }
  if (!TEMPLATE_NAME_PATTERN.test(t.name)) {
    field(
      `name "${t.name}" must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    )
  }
  if (!isTemplateKind(t.kind)) field(`kind must be one of ${TEMPLATE_KINDS.join(', ')}`)
  if (t.channel !== null && !(TEMPLATE_CHANNELS as readonly string[]).includes(t.channel)) {
    field(`channel must be one of ${TEMPLATE_CHANNELS.join(', ')}`)
  }
  if (t.html.trim() === '') field('the html part is empty')
  if (t.kind !== 'message' && t.subject !== null) field(`a ${t.kind} has no subject`)
  if (t.kind !== 'message' && t.layout !== null) field(`a ${t.kind} has no layout`)
  if (t.kind === 'message' && t.layout !== null) {
    const layouts = [...set.templates.values()].filter((x) => x.kind === 'layout')
    const layout = set.templates.get(t.layout)
    if (!TEMPLATE_NAME_PATTERN.test(t.layout)) {
      field(`layout name "${t.layout}" is not a template name`)
    } else if (layout?.kind !== 'layout') {
      problems.push({
        type: 'missing_layout',
        part: 'template',
        template: t.name,
        line: null,
        column: null,
        message:
          layout === undefined
            ? `no layout named "${t.layout}"`
            : `"${t.layout}" is a ${layout.kind}, not a layout`,
        known: layouts.map((x) => x.name).sort(),
      })
    }
    for (const part of ['html', 'text'] as const) {
      const source = t[part]
      const at = source === null ? -1 : source.search(/\{%-?\s*layout\s/)
      if (source !== null && at >= 0) {
        const position = positionOf(source, at)
        problems.push({
          type: 'invalid',
          part,
          template: t.name,
          ...position,
          message: `the template's layout is "${t.layout}": remove this layout tag or the layout field`,
        })
      }
    }
  }
  return problems
}

function checkVariable(
  segments: SegmentArray,
  location: { readonly row: number; readonly col: number; readonly file?: string | undefined },
  source: PartSource,
  t: TemplateDefinition,
): TemplateProblem | null {
  const file = location.file
  const where = file === undefined || file === '' ? t.name : file
  const fromPartial = where !== t.name
  // In a partial, names its caller passes in are fine; the caller's analysis sees those.
  const unknown = checkVariablePath(segments, {
    allowUnknownRoots: t.kind !== 'message' || fromPartial,
  })
  if (unknown === null) return null
  return {
    type: 'unknown_variable',
    part: source.part,
    template: where,
    ...authorPosition(location.row, location.col, !fromPartial, source.offset),
    message: `unknown variable ${unknown.path}${unknown.path === formatSegments(segments) ? '' : ` (in ${formatSegments(segments)})`}`,
    variable: unknown.path,
    known: unknown.known,
  }
}

/** Names of missing partials and layouts, at each tag that names them. */
function missingPartials(set: TemplateSet, t: TemplateDefinition): TemplateProblem[] {
  const missing = set.lookups!.missing
  if (missing.size === 0) return []
  const available = [...set.templates.values()]
    .filter((x) => x.kind !== 'message')
    .map((x) => x.name)
    .sort()
  const problems: TemplateProblem[] = []
  for (const name of missing) {
    if (t.kind === 'message' && name === t.layout) continue // reported as missing_layout
    const tag = new RegExp(`\\b(include|render|layout)\\s+(['"])${escapeRegExp(name)}\\2`, 'g')
    let found = false
    const places: { template: string; part: TemplatePart; source: string }[] = [
      ...(['subject', 'html', 'text'] as const).flatMap((part) => {
        const source = t[part]
        return source === null ? [] : [{ template: t.name, part, source }]
      }),
      ...[...set.templates.values()]
        .filter((x) => x.kind !== 'message' && x.name !== t.name)
        .flatMap((x) => [
          { template: x.name, part: 'html' as const, source: x.html },
          ...(x.text === null ? [] : [{ template: x.name, part: 'text' as const, source: x.text }]),
        ]),
    ]
    for (const place of places) {
      for (const match of place.source.matchAll(tag)) {
        found = true
        problems.push({
          type: 'missing_partial',
          part: place.part,
          template: place.template,
          ...positionOf(place.source, match.index),
          message: `no partial or layout named "${name}"`,
          known: available,
        })
      }
    }
    if (!found) {
      problems.push({
        type: 'missing_partial',
        part: 'template',
        template: t.name,
        line: null,
        column: null,
        message: `no partial or layout named "${name}"`,
        known: available,
      })
    }
  }
  return problems
}

function withKnownFilters(problem: TemplateProblem): TemplateProblem {
  return problem.type === 'unknown_filter'
    ? {
        ...problem,
        message: `${problem.message} (idic adds ${TEMPLATE_FILTERS.join(', ')} to Liquid's standard filters)`,
      }
    : problem
}

function positionOf(source: string, index: number): { line: number; column: number } {
  let line = 1
  let column = 1
  for (let i = 0; i < index; i++) {
    if (source.charCodeAt(i) === 10) {
      line++
      column = 1
    } else column++
  }
  return { line, column }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function dedupe(problems: readonly TemplateProblem[]): TemplateProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.type}|${p.part}|${p.template}|${p.line}|${p.column}|${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
