import { readFile } from 'node:fs/promises'
import { Command, InvalidArgumentError } from 'commander'
import { invalidInput } from '../../core/errors.js'
import { requireCustomerId } from '../../identify/customer-profile.js'
import { createMessageLinks, resolveSigningSecret } from '../../interact/message-links.js'
import { withLiveRecommendations } from '../../customize/templates/recommendation-source.js'
import {
  isTemplateKind,
  TEMPLATE_CHANNELS,
  TEMPLATE_KINDS,
  type StoredTemplate,
  type TemplateChannel,
  type TemplateKind,
} from '../../customize/templates/template-definition.js'
import { formatProblem } from '../../customize/templates/template-problems.js'
import { templateRequestError } from '../../customize/templates/template-request-error.js'
import {
  deleteTemplate,
  previewTemplate,
  saveTemplate,
  type DeleteTemplateError,
  type PreviewError,
  type SaveTemplateError,
} from '../../customize/templates/template-service.js'
import {
  findTemplate,
  listStoredTemplates,
} from '../../customize/templates/templates.repository.js'
import {
  printResult,
  runWithStore,
  type CommandContext,
  type GlobalOptions,
} from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

interface SaveOptions extends GlobalOptions {
  readonly html: string
  readonly text?: string
  readonly subject?: string
  readonly layout?: string
  readonly kind: TemplateKind
  readonly channel?: TemplateChannel
}

interface PreviewOptions extends GlobalOptions {
  readonly customer: string
  readonly part?: 'html' | 'text' | 'subject'
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16)

async function readSource(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw invalidInput(`${flag} ${path}: cannot read the file (${reason})`, { [flag]: path })
  }
}

/**
 * Prints a template error: for people, each problem on its own line
 * (`html:3:14 unknown variable customer.frist_name (known: …)`); with --json, the API's error
 * body. Exit code: usage (2) for invalid templates and refusals, not found (3).
 */
function fail(
  ctx: CommandContext,
  error: SaveTemplateError | DeleteTemplateError | PreviewError,
): ExitCode {
  const request = templateRequestError(error)
  if (ctx.json) {
    const { code, message, details } = request
    console.log(JSON.stringify({ error: { code, message, details } }))
  } else if (error.type === 'invalid_template') {
    const n = error.problems.length
    console.error(`idic: template "${error.template}" has ${n} problem${n === 1 ? '' : 's'}:`)
    for (const p of error.problems) console.error(`  ${formatProblem(p, error.template)}`)
  } else if (error.type === 'render_failed') {
    console.error(`idic: template "${error.template}" does not render for this customer:`)
    console.error(`  ${formatProblem(error.problem, error.template)}`)
  } else {
    console.error(`idic: ${request.message}`)
  }
  return request.status === 404 ? EXIT.notFound : request.status < 500 ? EXIT.usage : EXIT.failure
}

function describeTemplate(t: StoredTemplate): string {
  return [
    `${t.name}  ${t.kind}  v${t.version}  updated ${when(t.updatedAt)}`,
    ...(t.layout === null ? [] : [`layout: ${t.layout}`]),
    ...(t.channel === null ? [] : [`channel: ${t.channel}`]),
    ...(t.uses.length === 0 ? [] : [`uses: ${t.uses.join(', ')}`]),
    ...(t.subject === null ? [] : [`subject: ${t.subject}`]),
    '--- html ---',
    t.html,
    ...(t.text === null ? ['--- text: generated from the html ---'] : ['--- text ---', t.text]),
  ].join('\n')
}

/** `idic template save|list|show|preview|delete`: Liquid message templates. */
export function templateCommand(): Command {
  const template = new Command('template').description(
    'Liquid message templates, partials and layouts: validated on save, previewed per customer',
  )

  template
    .command('save')
    .description('create or replace a template (validated first; its version goes up)')
    .argument('<name>', 'template name (partials are rendered by it: {% render "name" %})')
    .requiredOption('--html <file>', 'file with the HTML part (Liquid)')
    .option('--text <file>', 'file with the text part (default: generated from the HTML)')
    .option('--subject <subject>', 'subject line (Liquid; messages only)')
    .option('--layout <layout>', 'layout to wrap the message in (messages only)')
    .option(
      '--kind <kind>',
      TEMPLATE_KINDS.join('|'),
      (v) => {
        if (!isTemplateKind(v)) {
          throw new InvalidArgumentError(`--kind must be one of ${TEMPLATE_KINDS.join(', ')}`)
        }
        return v
      },
      'message',
    )
    .option('--channel <channel>', `channel hint: ${TEMPLATE_CHANNELS.join('|')}`, (v) => {
      if (!(TEMPLATE_CHANNELS as readonly string[]).includes(v)) {
        throw new InvalidArgumentError(`--channel must be one of ${TEMPLATE_CHANNELS.join(', ')}`)
      }
      return v
    })
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (name: string, options: SaveOptions) => {
      await runWithStore(options, async (ctx) => {
        const [html, text] = await Promise.all([
          readSource(options.html, '--html'),
          options.text === undefined ? Promise.resolve(null) : readSource(options.text, '--text'),
        ])
        const settings = ctx.config.templates
        const saved = await saveTemplate(
          { db: ctx.store.db, clock: ctx.clock, settings },
          {
            name,
            kind: options.kind,
            subject: options.subject ?? null,
            html,
            text,
            layout: options.layout ?? null,
            channel: options.channel ?? null,
          },
        )
        if (!saved.ok) return fail(ctx, saved.error)
        const t = saved.value
        printResult(ctx, t, () =>
          [
            `Saved ${t.kind} ${t.name} (version ${t.version})`,
            ...(t.uses.length === 0 ? [] : [`  uses ${t.uses.join(', ')}`]),
          ].join('\n'),
        )
        return EXIT.ok
      })
    })

  template
    .command('list')
    .description('list templates')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const all = await listStoredTemplates(ctx.store.db)
        printResult(ctx, all, () =>
          all.length === 0
            ? 'No templates yet. Add one with: idic template save welcome --html welcome.liquid'
            : all
                .map(
                  (t) =>
                    `${t.name.padEnd(24)} ${t.kind.padEnd(8)} v${String(t.version).padEnd(4)} ` +
                    `${when(t.updatedAt)}${t.layout === null ? '' : `  layout ${t.layout}`}` +
                    (t.uses.length === 0 ? '' : `  uses ${t.uses.join(', ')}`),
                )
                .join('\n'),
        )
        return EXIT.ok
      })
    })

  template
    .command('show')
    .description('show a template with its sources')
    .argument('<name>', 'template name')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (name: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const t = await findTemplate(ctx.store.db, name)
        if (t === null) {
          return fail(ctx, { type: 'template_not_found', name })
        }
        printResult(ctx, t, () => describeTemplate(t))
        return EXIT.ok
      })
    })

  template
    .command('preview')
    .description("render a message template for one customer, with that customer's data")
    .argument('<name>', 'template name')
    .requiredOption('--customer <identity>', 'customer id, userId, email or anonymousId')
    .option('--part <part>', 'print only this part: subject|html|text', (v) => {
      if (v !== 'html' && v !== 'text' && v !== 'subject') {
        throw new InvalidArgumentError('--part must be subject, html or text')
      }
      return v
    })
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (name: string, options: PreviewOptions) => {
      await runWithStore(options, async (ctx) => {
        const customerId = await requireCustomerId(ctx.store.db, options.customer)
        const settings = ctx.config.templates
        const secret = await resolveSigningSecret(ctx.store.db, ctx.config.secret)
        const result = await previewTemplate(
          withLiveRecommendations({
            db: ctx.store.db,
            clock: ctx.clock,
            settings,
            links: createMessageLinks(ctx.config.publicUrl, secret, ctx.clock),
          }),
          name,
          customerId,
        )
        if (!result.ok) return fail(ctx, result.error)
        const p = result.value
        const r = p.rendered
        const value =
          options.part === undefined ? { ...p, ...r } : { [options.part]: r[options.part] }
        printResult(ctx, value, () =>
          options.part === undefined
            ? [`Subject: ${r.subject}`, '', r.text, '', '--- html ---', r.html].join('\n')
            : r[options.part],
        )
        return EXIT.ok
      })
    })

  template
    .command('delete')
    .description('delete a template (refused while other templates use it)')
    .argument('<name>', 'template name')
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (name: string, options: GlobalOptions) => {
      await runWithStore(options, async (ctx) => {
        const result = await deleteTemplate(ctx.store.db, name)
        if (!result.ok) return fail(ctx, result.error)
        printResult(ctx, { deleted: name }, () => `Deleted ${name}`)
        return EXIT.ok
      })
    })

  return template
}
