/** What a template is: a message, or a partial or layout that messages use. */
export const TEMPLATE_KINDS = ['message', 'partial', 'layout'] as const
export type TemplateKind = (typeof TEMPLATE_KINDS)[number]

export function isTemplateKind(value: string): value is TemplateKind {
  return (TEMPLATE_KINDS as readonly string[]).includes(value)
}

/** The parts of a template Liquid is written in. */
export const TEMPLATE_PARTS = ['subject', 'html', 'text'] as const
export type TemplatePart = (typeof TEMPLATE_PARTS)[number]

/** Channels a template may be written for (a hint; sending picks the channel). */
export const TEMPLATE_CHANNELS = ['email', 'webhook', 'in_app'] as const
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number]

/** Names of partials and layouts appear in tags (`{% render 'name' %}`): no spaces or quotes. */
export const TEMPLATE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/

/** A template as written: its Liquid sources and what it is. */
export interface TemplateDefinition {
  readonly name: string
  readonly kind: TemplateKind
  /** Messages only. */
  readonly subject: string | null
  readonly html: string
  /** Null: a message's text part is generated from its rendered HTML. */
  readonly text: string | null
  /** Messages only: the layout the HTML (and text, when both have one) is wrapped in. */
  readonly layout: string | null
  readonly channel: TemplateChannel | null
}

/** A template as stored. */
export interface StoredTemplate extends TemplateDefinition {
  readonly id: string
  /** Partials and layouts it uses, found when it was saved. */
  readonly uses: readonly string[]
  readonly createdAt: number
  readonly updatedAt: number
  readonly version: number
}
