import { z } from 'zod'
import { requireCustomerId } from '../../identify/customer-profile.js'
import { createMessageLinks, resolveSigningSecret } from '../../interact/message-links.js'
import { CONTEXT_ROOTS } from '../../customize/templates/context-schema.js'
import { withLiveRecommendations } from '../../customize/templates/recommendation-source.js'
import type { TemplateContextDeps } from '../../customize/templates/template-context.js'
import {
  TEMPLATE_CHANNELS,
  TEMPLATE_KINDS,
  TEMPLATE_NAME_PATTERN,
  TEMPLATE_PARTS,
  type StoredTemplate,
  type TemplateDefinition,
} from '../../customize/templates/template-definition.js'
import { TEMPLATE_FILTERS } from '../../customize/templates/template-filters.js'
import { PROBLEM_TYPES } from '../../customize/templates/template-problems.js'
import { templateRequestError } from '../../customize/templates/template-request-error.js'
import {
  deleteTemplate,
  previewTemplate,
  saveTemplate,
  type SaveMode,
} from '../../customize/templates/template-service.js'
import type { TemplateSettings } from '../../customize/templates/template-settings.js'
import {
  findTemplate,
  listStoredTemplates,
} from '../../customize/templates/templates.repository.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'

const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(TEMPLATE_KINDS),
    subject: z.string().nullable(),
    html: z.string(),
    text: z.string().nullable().describe('null: generated from the rendered HTML'),
    layout: z.string().nullable(),
    channel: z.enum(TEMPLATE_CHANNELS).nullable(),
    uses: z.array(z.string()).describe('partials and layouts it uses'),
    createdAt: z.number(),
    updatedAt: z.number(),
    version: z.number().int(),
  })
  .meta({ id: 'Template' })

const TemplateSummarySchema = TemplateSchema.omit({ subject: true, html: true, text: true }).meta({
  id: 'TemplateSummary',
})

export const TemplateProblemSchema = z
  .object({
    type: z.enum(PROBLEM_TYPES),
    part: z.enum([...TEMPLATE_PARTS, 'template']),
    template: z.string().describe('the template the problem is in (a partial or layout it uses)'),
    line: z.number().int().nullable(),
    column: z.number().int().nullable(),
    message: z.string(),
    variable: z.string().optional(),
    known: z.array(z.string()).optional().describe('names that would fit there'),
  })
  .meta({ id: 'TemplateProblem' })

const Name = z.string().regex(TEMPLATE_NAME_PATTERN, 'letters, digits, ".", "_" or "-"')
const Sources = {
  kind: z.enum(TEMPLATE_KINDS),
  subject: z.string().max(2_000).nullish(),
  html: z.string().min(1).max(200_000),
  text: z.string().max(200_000).nullish(),
  layout: Name.nullish(),
  channel: z.enum(TEMPLATE_CHANNELS).nullish(),
}
const Params = z.object({ name: Name })
const ERRORS = {
  ...COMMON_ERRORS,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
}

const CONTEXT_DOC =
  `Liquid (liquidjs), strict: every name must be in the context (${CONTEXT_ROOTS.join(', ')}) ` +
  `and every filter known (Liquid's plus ${TEMPLATE_FILTERS.join(', ')}). The HTML part escapes ` +
  'every output (`| raw` for trusted markup); partials by `{% render "name", item: item %}`, ' +
  'layouts by the `layout` field (`{% block %}{% endblock %}` in the layout takes the message). ' +
  'A template with problems is refused with 400 `invalid_template`, `details` listing each ' +
  'problem with its part, line, column and message.'

function templateBody(t: StoredTemplate): z.infer<typeof TemplateSchema> {
  return { ...t, uses: [...t.uses] }
}

/**
 * `/v1/templates`: Liquid message templates, partials and layouts, validated on save, with a
 * per-customer preview. `settings` default to the configuration's (IDIC_SHOP_NAME, IDIC_SHOP_URL,
 * IDIC_CURRENCY, IDIC_LOCALE, IDIC_TIMEZONE).
 */
export function registerTemplateRoutes(
  app: ZodApp,
  { deps, requireRoles }: RouteContext,
  settings: TemplateSettings = deps.config.templates,
): void {
  const { db } = deps.store
  const auth = requireRoles('admin', 'analyst')
  const security = [{ secretKey: [] }]
  const store = { db, clock: deps.clock, settings }
  // The signing secret may have to be read from (or created in) the database: built on first use.
  let contextDeps: Promise<TemplateContextDeps> | null = null
  const previewDeps = (): Promise<TemplateContextDeps> => {
    contextDeps ??= resolveSigningSecret(db, deps.config.secret).then(
      (secret) =>
        withLiveRecommendations({
          ...store,
          links: createMessageLinks(deps.config.publicUrl, secret, deps.clock),
        }),
      (error: unknown) => {
        contextDeps = null
        throw error
      },
    )
    return contextDeps
  }

  const save = async (definition: TemplateDefinition, mode: SaveMode, expectedVersion?: number) => {
    const result = await saveTemplate(store, definition, {
      mode,
      ...(expectedVersion === undefined ? {} : { expectedVersion }),
    })
    if (!result.ok) throw templateRequestError(result.error)
    return templateBody(result.value)
  }

  app.post(
    '/v1/templates',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'Create a message template, partial or layout',
        description: CONTEXT_DOC,
        security,
        body: z.object({ name: Name, ...Sources, kind: Sources.kind.default('message') }),
        response: { 201: TemplateSchema, ...ERRORS },
      },
    },
    async (request, reply) => {
      const b = request.body
      const created = await save(
        {
          name: b.name,
          kind: b.kind,
          subject: b.subject ?? null,
          html: b.html,
          text: b.text ?? null,
          layout: b.layout ?? null,
          channel: b.channel ?? null,
        },
        'create',
      )
      return reply.status(201).send(created)
    },
  )

  app.get(
    '/v1/templates',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'Every template, without its sources',
        security,
        response: { 200: z.object({ templates: z.array(TemplateSummarySchema) }), ...ERRORS },
      },
    },
    async () => {
      const all = await listStoredTemplates(db)
      return {
        templates: all.map((t) => ({
          id: t.id,
          name: t.name,
          kind: t.kind,
          layout: t.layout,
          channel: t.channel,
          uses: [...t.uses],
          createdAt: t.createdAt,
          updatedAt: t.updatedAt,
          version: t.version,
        })),
      }
    },
  )

  app.get(
    '/v1/templates/:name',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'One template with its sources',
        security,
        params: Params,
        response: { 200: TemplateSchema, ...ERRORS },
      },
    },
    async (request) => {
      const found = await findTemplate(db, request.params.name)
      if (found === null) {
        throw templateRequestError({ type: 'template_not_found', name: request.params.name })
      }
      return templateBody(found)
    },
  )

  app.put(
    '/v1/templates/:name',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'Replace a template (its version goes up by one)',
        description: `${CONTEXT_DOC} With \`expectedVersion\`, refused (409) when another save came first.`,
        security,
        params: Params,
        body: z.object({
          ...Sources,
          kind: Sources.kind.optional().describe('default: the stored kind'),
          expectedVersion: z.number().int().min(1).optional(),
        }),
        response: { 200: TemplateSchema, ...ERRORS },
      },
    },
    async (request) => {
      const b = request.body
      const stored = await findTemplate(db, request.params.name)
      if (stored === null) {
        throw templateRequestError({ type: 'template_not_found', name: request.params.name })
      }
      return save(
        {
          name: request.params.name,
          kind: b.kind ?? stored.kind,
          subject: b.subject ?? null,
          html: b.html,
          text: b.text ?? null,
          layout: b.layout ?? null,
          channel: b.channel ?? null,
        },
        'update',
        b.expectedVersion,
      )
    },
  )

  app.delete(
    '/v1/templates/:name',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'Delete a template; refused (409) while other templates use it',
        security,
        params: Params,
        response: { 200: z.object({ deleted: z.string() }), ...ERRORS },
      },
    },
    async (request) => {
      const result = await deleteTemplate(db, request.params.name)
      if (!result.ok) throw templateRequestError(result.error)
      return { deleted: result.value.name }
    },
  )

  app.post(
    '/v1/templates/:name/preview',
    {
      preHandler: auth,
      schema: {
        tags: ['customize'],
        summary: 'Render a message template for one customer',
        description:
          "The customer's context as a campaign builds it: profile and traits, latest value " +
          'scores, recommendation lists from the live model, signed preference and unsubscribe ' +
          'links; no offer unless the campaign gives one. 422 `render_failed` when this ' +
          "customer's data lacks a name the template reads.",
        security,
        params: Params,
        body: z.object({
          identity: z
            .string()
            .min(1)
            .max(512)
            .describe('customer id, userId, email or anonymousId'),
          campaign: z.object({ id: z.string().min(1), name: z.string().min(1) }).optional(),
        }),
        response: {
          200: z.object({
            template: z.string(),
            version: z.number().int(),
            customerId: z.string(),
            subject: z.string(),
            html: z.string(),
            text: z.string(),
          }),
          ...ERRORS,
          422: ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const customerId = await requireCustomerId(db, request.body.identity)
      const result = await previewTemplate(
        await previewDeps(),
        request.params.name,
        customerId,
        request.body.campaign === undefined ? {} : { campaign: request.body.campaign },
      )
      if (!result.ok) throw templateRequestError(result.error)
      const p = result.value
      return { template: p.template, version: p.version, customerId, ...p.rendered }
    },
  )
}
