import type { Template } from 'liquidjs'
import { err, ok, type Result } from '../../core/result.js'
import type { SegmentArray } from './segment-array.js'
import { needsOf, type ContextNeeds } from './context-needs.js'
import { htmlToText } from './html-to-text.js'
import type { TemplateSet } from './liquid-engine.js'
import type { TemplateContext } from './template-context.js'
import type { TemplateDefinition, TemplatePart } from './template-definition.js'
import {
  partSources,
  problemFromError,
  type PartSource,
  type TemplateInvalid,
  type TemplateProblem,
} from './template-problems.js'

interface CompiledPart {
  readonly source: PartSource
  readonly templates: Template[]
}

/** A message template parsed once, ready to render for many customers. */
export interface CompiledMessage {
  readonly name: string
  readonly set: TemplateSet
  readonly subject: CompiledPart | null
  readonly html: CompiledPart
  /** Null: the text part is generated from the rendered HTML. */
  readonly text: CompiledPart | null
  /** What the template reads; pass it to buildTemplateContexts to build only that. */
  readonly needs: ContextNeeds
}

/** A message rendered for one customer. */
export interface RenderedMessage {
  /** Empty when the template has no subject. */
  readonly subject: string
  readonly html: string
  readonly text: string
}

/** A render that failed for one customer's context (a strict name missing from their data). */
export interface RenderFailed {
  readonly type: 'render_failed'
  readonly template: string
  readonly problem: TemplateProblem
}

/**
 * Parses a message template's parts once (its layout and the partials it uses are parsed and
 * cached by the set's engines on first render), and finds which parts of the context it needs.
 * Templates were validated when saved; this still reports parse errors (a partial changed
 * since) as TemplateInvalid.
 */
export function compileMessageTemplate(
  set: TemplateSet,
  template: TemplateDefinition,
): Result<CompiledMessage, TemplateInvalid> {
  if (template.kind !== 'message') {
    return err({
      type: 'invalid_template',
      template: template.name,
      problems: [
        {
          type: 'invalid',
          part: 'template',
          template: template.name,
          line: null,
          column: null,
          message: `"${template.name}" is a ${template.kind}; only messages are rendered`,
        },
      ],
    })
  }
  const problems: TemplateProblem[] = []
  const compiled: Partial<Record<TemplatePart, CompiledPart>> = {}
  const variables: SegmentArray[] = []
  for (const source of partSources(set, template)) {
    try {
      const templates = source.engine.parse(source.source)
      variables.push(...source.engine.globalVariableSegmentsSync(templates, { partials: true }))
      compiled[source.part] = { source, templates }
    } catch (error) {
      problems.push(problemFromError(error, source, template.name, set))
    }
  }
  if (problems.length > 0 || compiled.html === undefined) {
    return err({ type: 'invalid_template', template: template.name, problems })
  }
  return ok({
    name: template.name,
    set,
    subject: compiled.subject ?? null,
    html: compiled.html,
    text: compiled.text ?? null,
    needs: needsOf(variables),
  })
}

/**
 * Renders a compiled message for one customer's context: the subject and text parts without
 * escaping, the HTML part with every output escaped, the text generated from the HTML when the
 * template has no text part (see htmlToText). Synchronous: partials and layouts are in memory.
 */
export function renderMessage(
  compiled: CompiledMessage,
  context: TemplateContext,
): Result<RenderedMessage, RenderFailed> {
  const options = { globals: context }
  let current: CompiledPart = compiled.html
  try {
    let subject = ''
    if (compiled.subject !== null) {
      current = compiled.subject
      subject = compiled.set.text.renderSync(current.templates, undefined, options) as string
    }
    current = compiled.html
    const html = compiled.set.html.renderSync(current.templates, undefined, options) as string
    let text: string
    if (compiled.text === null) {
      text = htmlToText(html)
    } else {
      current = compiled.text
      text = compiled.set.text.renderSync(current.templates, undefined, options) as string
    }
    // A subject is one line: newlines from the template or the data would break the header.
    return ok({ subject: subject.replace(/\s+/g, ' ').trim(), html, text })
  } catch (error) {
    return err({
      type: 'render_failed',
      template: compiled.name,
      problem: problemFromError(error, current.source, compiled.name, compiled.set),
    })
  }
}
