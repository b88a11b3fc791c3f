import type { Kysely } from 'kysely'
import { err, ok, type Result } from '../../core/result.js'
import type { Database } from '../../store/database.js'
import { refreshSegment } from '../segments/segment-service.js'
import { findSegment, memberIds } from '../segments/segments.repository.js'
import { createTemplateSet } from '../templates/liquid-engine.js'
import { compileMessageTemplate, renderMessage } from '../templates/render-message.js'
import { buildTemplateContexts, type TemplateContextDeps } from '../templates/template-context.js'
import { formatProblem } from '../templates/template-problems.js'
import { listStoredTemplates } from '../templates/templates.repository.js'
import { validateTemplate } from '../templates/validate-template.js'
import type {
  CampaignProblem,
  PreparedTemplate,
  RenderedContent,
  RenderFailure,
  SegmentSource,
  TemplateSource,
} from './campaign-ports.js'

/**
 * Campaigns over the stored Liquid templates (customize/templates): a template is checked the
 * way saving checks it (syntax, unknown names in strict mode, partials and layouts, a strict
 * sample render), compiled once per worker run, and rendered per batch over contexts built for
 * the whole batch (`buildTemplateContexts`, only the parts the template reads).
 */
export function storedTemplateSource(deps: TemplateContextDeps): TemplateSource {
  return {
    check: async (name, path, personal) => {
      const stored = await listStoredTemplates(deps.db)
      const template = stored.find((t) => t.name === name)
      if (template === undefined) {
        const messages = stored.filter((t) => t.kind === 'message').map((t) => t.name)
        return [
          {
            path,
            code: 'unknown_template',
            message: `no template "${name}"`,
            details: { known: messages },
          },
        ]
      }
      const problems: CampaignProblem[] = []
      const analysis = validateTemplate(template, stored, deps.settings)
      if (!analysis.ok) {
        for (const p of analysis.error.problems) {
          problems.push({
            path,
            code: 'invalid_template',
            message: `template "${name}": ${formatProblem(p, name)}`,
            details: p,
          })
        }
        return problems
      }
      if (template.kind !== 'message') {
        problems.push({
          path,
          code: 'invalid_template',
          message: `template "${name}" is a ${template.kind}; a campaign sends a message`,
        })
      }
      const needs = analysis.value.needs
      if (!personal && (needs.forYou || needs.becauseYouBought || needs.discovery)) {
        problems.push({
          path,
          code: 'invalid_template',
          message: `template "${name}" shows recommendation lists: only one-to-one campaigns send per-customer content; mass, concentrated and differentiated campaigns send one message`,
        })
      }
      return problems
    },
    prepare: async (name) => {
      const stored = await listStoredTemplates(deps.db)
      const template = stored.find((t) => t.name === name)
      if (template === undefined) {
        return err({
          type: 'invalid_campaign',
          problems: [
            { path: 'template', code: 'unknown_template', message: `no template "${name}"` },
          ],
        })
      }
      const compiled = compileMessageTemplate(createTemplateSet(stored, deps.settings), template)
      if (!compiled.ok) {
        return err({
          type: 'invalid_campaign',
          problems: compiled.error.problems.map((p) => ({
            path: 'template',
            code: 'invalid_template' as const,
            message: `template "${name}": ${formatProblem(p, name)}`,
          })),
        })
      }
      const message = compiled.value
      const prepared: PreparedTemplate = {
        renderBatch: async (customerIds, extras) => {
          const offers = extras.offers
          const { contexts } = await buildTemplateContexts(deps, customerIds, {
            campaign: extras.campaign,
            channel: extras.channel,
            topic: extras.topic,
            needs: message.needs,
            ...(offers === undefined ? {} : { offerFor: (id: string) => offers.get(id) ?? null }),
          })
          const out = new Map<string, Result<RenderedContent, RenderFailure>>()
          for (const id of customerIds) {
            const context = contexts.get(id)
            if (context === undefined) {
              out.set(id, err({ type: 'customer_not_found', message: `no customer ${id}` }))
              continue
            }
            const rendered = renderMessage(message, context)
            out.set(
              id,
              rendered.ok
                ? ok({
                    subject: rendered.value.subject,
                    text: rendered.value.text,
                    html: rendered.value.html,
                  })
                : err({
                    type: 'render_failed',
                    message: formatProblem(rendered.error.problem, name),
                  }),
            )
          }
          return out
        },
      }
      return ok(prepared)
    },
  }
}

/** Campaigns over the stored segments (customize/segments), named by id or by name. */
export function storedSegmentSource(db: Kysely<Database>): SegmentSource {
  return {
    find: async (idOrName) => {
      const segment = await findSegment(db, idOrName)
      return segment === null ? null : { id: segment.id, name: segment.name }
    },
    members: async (idOrName) => {
      const segment = await findSegment(db, idOrName)
      return segment === null ? new Set() : memberIds(db, segment.id)
    },
    refresh: async (idOrName, nowMs) => {
      const segment = await findSegment(db, idOrName)
      if (segment !== null) await refreshSegment(db, segment, nowMs)
    },
  }
}
