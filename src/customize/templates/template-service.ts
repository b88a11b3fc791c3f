import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { newId } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import { createTemplateSet, type TemplateSet } from './liquid-engine.js'
import {
  compileMessageTemplate,
  renderMessage,
  type RenderedMessage,
  type RenderFailed,
} from './render-message.js'
import {
  buildTemplateContext,
  type ContextExtras,
  type CustomerNotFound,
  type TemplateContextDeps,
} from './template-context.js'
import type { StoredTemplate, TemplateDefinition } from './template-definition.js'
import type { TemplateInvalid } from './template-problems.js'
import type { TemplateSettings } from './template-settings.js'
import {
  deleteStoredTemplate,
  findTemplate,
  insertTemplate,
  listStoredTemplates,
  updateTemplate,
} from './templates.repository.js'
import { validateTemplate } from './validate-template.js'

export interface TemplateStoreDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly settings: TemplateSettings
}

/** create: the name must be new; update: it must exist; upsert: either. */
export type SaveMode = 'create' | 'update' | 'upsert'

export type SaveTemplateError =
  | TemplateInvalid
  | { readonly type: 'template_exists'; readonly name: string }
  | { readonly type: 'template_not_found'; readonly name: string }
  | {
      readonly type: 'version_conflict'
      readonly name: string
      readonly expected: number
      readonly actual: number
    }

/**
 * Validates a template against the stored ones (see validateTemplate) and stores it: version 1
 * when new, the next version when it replaces one. Nothing is stored when it has problems.
 */
export async function saveTemplate(
  deps: TemplateStoreDeps,
  definition: TemplateDefinition,
  options: { readonly mode?: SaveMode; readonly expectedVersion?: number } = {},
): Promise<Result<StoredTemplate, SaveTemplateError>> {
  const mode = options.mode ?? 'upsert'
  const stored = await listStoredTemplates(deps.db)
  const existing = stored.find((t) => t.name === definition.name)
  if (existing !== undefined && mode === 'create') {
    return err({ type: 'template_exists', name: definition.name })
  }
  if (existing === undefined && mode === 'update') {
    return err({ type: 'template_not_found', name: definition.name })
  }
  if (
    existing !== undefined &&
    options.expectedVersion !== undefined &&
    existing.version !== options.expectedVersion
  ) {
    return err(versionConflict(definition.name, options.expectedVersion, existing.version))
  }
  const analysis = validateTemplate(definition, stored, deps.settings)
  if (!analysis.ok) return analysis
  const now = deps.clock.now()
  const uses = analysis.value.uses
  if (existing === undefined) {
    const created = await insertTemplate(deps.db, {
      id: newId('tpl', now),
      definition,
      uses,
      now,
    })
    // Another writer took the name between the read and the insert.
    return created === null ? err({ type: 'template_exists', name: definition.name }) : ok(created)
  }
  const updated = await updateTemplate(deps.db, {
    definition,
    uses,
    now,
    expectedVersion: options.expectedVersion ?? existing.version,
  })
  if (updated === null) {
    const current = await findTemplate(deps.db, definition.name)
    if (current === null) return err({ type: 'template_not_found', name: definition.name })
    const expected = options.expectedVersion ?? existing.version
    return err(versionConflict(definition.name, expected, current.version))
  }
  return ok(updated)
}

function versionConflict(name: string, expected: number, actual: number): SaveTemplateError {
  return { type: 'version_conflict', name, expected, actual }
}

export type DeleteTemplateError =
  | { readonly type: 'template_not_found'; readonly name: string }
  | { readonly type: 'template_in_use'; readonly name: string; readonly users: readonly string[] }

/** Deletes a template, unless other templates use it (they are named). */
export async function deleteTemplate(
  db: Kysely<Database>,
  name: string,
): Promise<Result<StoredTemplate, DeleteTemplateError>> {
  const stored = await listStoredTemplates(db)
  const template = stored.find((t) => t.name === name)
  if (template === undefined) return err({ type: 'template_not_found', name })
  const users = stored.filter((t) => t.name !== name && t.uses.includes(name)).map((t) => t.name)
  if (users.length > 0) return err({ type: 'template_in_use', name, users })
  if (!(await deleteStoredTemplate(db, name))) return err({ type: 'template_not_found', name })
  return ok(template)
}

/**
 * Every stored template as one set with its engines. Build it once per campaign run (or when
 * templates change) and compile each message of the run against it.
 */
export async function loadTemplateSet(
  db: Kysely<Database>,
  settings: TemplateSettings,
): Promise<TemplateSet> {
  return createTemplateSet(await listStoredTemplates(db), settings)
}

export type PreviewError =
  | { readonly type: 'template_not_found'; readonly name: string }
  | TemplateInvalid
  | CustomerNotFound
  | RenderFailed

export interface Preview {
  readonly template: string
  readonly version: number
  readonly customerId: string
  readonly rendered: RenderedMessage
}

/** Renders a stored message template for one customer, as a campaign would. */
export async function previewTemplate(
  deps: TemplateContextDeps,
  name: string,
  customerId: string,
  extras: ContextExtras = {},
): Promise<Result<Preview, PreviewError>> {
  const stored = await listStoredTemplates(deps.db)
  const template = stored.find((t) => t.name === name)
  if (template === undefined) return err({ type: 'template_not_found', name })
  const set = createTemplateSet(stored, deps.settings)
  const compiled = compileMessageTemplate(set, template)
  if (!compiled.ok) return compiled
  const context = await buildTemplateContext(deps, customerId, {
    ...extras,
    needs: compiled.value.needs,
  })
  if (!context.ok) return context
  const rendered = renderMessage(compiled.value, context.value)
  if (!rendered.ok) return rendered
  return ok({ template: name, version: template.version, customerId, rendered: rendered.value })
}
