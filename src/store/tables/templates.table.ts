/** Tables of the Customize stage's Liquid templates. Times are epoch milliseconds. */

/** A Liquid template: a message (subject, HTML and text parts), a partial or a layout. */
export interface TemplatesTable {
  id: string
  /** Unique; partials and layouts are referred to by it (`{% render 'name' %}`). */
  name: string
  /** message | partial | layout */
  kind: string
  /** Messages only. */
  subject: string | null
  html: string
  /** Null: a message's text part is generated from its HTML. */
  text: string | null
  /** Name of the layout a message is wrapped in. */
  layout: string | null
  /** Channel the template is written for (email, webhook, in_app), a hint only. */
  channel: string | null
  /** JSON array of the partial and layout names the template uses. */
  uses: string
  created_at: number
  updated_at: number
  /** 1 on creation, +1 on every save. */
  version: number
}
