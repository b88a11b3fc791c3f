import type { Kysely } from 'kysely'
import { err, ok } from '../../core/result.js'
import { createMessageLinks } from '../../interact/message-links.js'
import type { Database } from '../../store/database.js'
import { refreshSegment } from '../segments/segment-service.js'
import { findSegment, memberIds } from '../segments/segments.repository.js'
import { createTemplateSet } from '../templates/liquid-engine.js'
import type { ContextNeeds } from '../templates/context-needs.js'
import {
  renderBatchItems,
  type RenderBatchInput,
  type RenderedItem,
} from '../templates/render-batch.js'
import type { RenderThread } from '../templates/render-batches-in-worker.js'
import { compileMessageTemplate } from '../templates/render-message.js'
import {
  CONTEXT_CHUNK_SIZE,
  DEFAULT_LIST_LENGTH,
  type RecommendationServing,
  type TemplateContextDeps,
} from '../templates/template-context.js'
import { readActivityColumns, readContextRows } from '../templates/template-context.repository.js'
import { formatProblem } from '../templates/template-problems.js'
import { listStoredTemplates } from '../templates/templates.repository.js'
import { validateTemplate } from '../templates/validate-template.js'
import type {
  CampaignProblem,
  PreparedTemplate,
  RenderedBatch,
  RenderExtras,
  SegmentSource,
  TemplateSource,
} from './campaign-ports.js'

export interface StoredTemplateOptions {
  /**
   * Renders on this thread's second thread (recommendation lists, contexts, Liquid) while the
   * caller goes on with the database; absent or null: rendered in this thread, the same way.
   */
  readonly renderThread?: RenderThread | null
}

/**
 * Campaigns over the stored Liquid templates (customize/templates): a template is checked the
 * way saving checks it (syntax, unknown names in strict mode, partials and layouts, a strict
 * sample render), compiled once per worker run, and rendered per batch over contexts built for
 * the whole batch (`buildTemplateContexts`, only the parts the template reads).
 */
export function storedTemplateSource(
  deps: TemplateContextDeps,
  options: StoredTemplateOptions = {},
): TemplateSource {
  let prepared = 0
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
      const thread = options.renderThread ?? null
      thread?.warm()
      const threadTemplate = {
        key: `${name}\u0000${String(prepared++)}`,
        name,
        templates: stored,
        settings: deps.settings,
        signing: { baseUrl: deps.links.baseUrl, secret: deps.links.secret },
      }
      const renderChunk = (
        serving: RecommendationServing | null,
        input: RenderBatchInput,
      ): Promise<RenderedItem[]> =>
        thread === null
          ? Promise.resolve(
              renderBatchItems(
                message,
                serving,
                input,
                deps.settings,
                // Signed as of the time the chunk was read, as the render thread signs them.
                createMessageLinks(deps.links.baseUrl, deps.links.secret, { now: () => input.now }),
              ),
            )
          : thread.render(threadTemplate, serving, input)
      const preparedTemplate: PreparedTemplate = {
        startRender: async (customerIds, extras) => {
          const chunks: Promise<RenderedItem[]>[] = []
          const needs = message.needs
          const wantsLists = needs.forYou || needs.becauseYouBought || needs.discovery
          const serving = wantsLists ? await deps.recommendations.serving() : null
          const unique = [...new Set(customerIds)]
          for (let start = 0; start < unique.length; start += CONTEXT_CHUNK_SIZE) {
            const input = await readRenderInput(
              deps,
              unique.slice(start, start + CONTEXT_CHUNK_SIZE),
              extras,
              needs,
            )
            const chunk = renderChunk(serving, input)
            // Awaited in `rendered`; until then a failure must not count as unhandled.
            chunk.catch(() => undefined)
            chunks.push(chunk)
          }
          const rendered = Promise.all(chunks).then((parts) => {
            const out: RenderedBatch = new Map()
            for (const item of parts.flat()) {
              out.set(
                item.customerId,
                item.ok
                  ? ok({ subject: item.subject, text: item.text, html: item.html })
                  : err({ type: 'render_failed', message: item.message }),
              )
            }
            for (const id of customerIds) {
              if (!out.has(id)) {
                out.set(id, err({ type: 'customer_not_found', message: `no customer ${id}` }))
              }
            }
            return out
          })
          rendered.catch(() => undefined)
          return { rendered }
        },
      }
      return ok(preparedTemplate)
    },
  }
}

/** One chunk's rows, activity and offers: the database side of rendering. */
async function readRenderInput(
  deps: TemplateContextDeps,
  customerIds: readonly string[],
  extras: RenderExtras,
  needs: ContextNeeds,
): Promise<RenderBatchInput> {
  const wantsLists = needs.forYou || needs.becauseYouBought || needs.discovery
  const sqlite = deps.sqlite ?? null
  const [rows, activity] = await Promise.all([
    readContextRows(deps.db, customerIds, needs.value),
    readActivityColumns(deps.db, wantsLists ? customerIds : [], sqlite),
  ])
  return {
    customerIds: wantsLists ? customerIds : [],
    customers: rows.customers,
    scores: [...rows.scores.values()],
    activity,
    offers: rows.customers.map((c) => extras.offers?.get(c.id) ?? null),
    unsubscribe: needs.links ? { channel: extras.channel, topic: extras.topic } : null,
    campaign: extras.campaign,
    listLength: DEFAULT_LIST_LENGTH,
    now: deps.clock.now(),
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
