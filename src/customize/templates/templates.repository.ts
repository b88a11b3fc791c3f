import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../../store/database.js'
import type { TemplatesTable } from '../../store/tables/templates.table.js'
import {
  isTemplateKind,
  TEMPLATE_CHANNELS,
  type StoredTemplate,
  type TemplateChannel,
  type TemplateDefinition,
} from './template-definition.js'

function toTemplate(row: Selectable<TemplatesTable>): StoredTemplate {
  if (!isTemplateKind(row.kind)) {
    throw new Error(`template ${row.name}: unknown kind "${row.kind}" in the store`)
  }
  const uses: unknown = JSON.parse(row.uses)
  const channel = (TEMPLATE_CHANNELS as readonly string[]).includes(row.channel ?? '')
    ? (row.channel as TemplateChannel)
    : null
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    subject: row.subject,
    html: row.html,
    text: row.text,
    layout: row.layout,
    channel,
    uses: Array.isArray(uses) ? uses.filter((u): u is string => typeof u === 'string') : [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  }
}

export async function findTemplate(
  db: Kysely<Database>,
  name: string,
): Promise<StoredTemplate | null> {
  const row = await db
    .selectFrom('templates')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  return row === undefined ? null : toTemplate(row)
}

/** Every template, by name. */
export async function listStoredTemplates(db: Kysely<Database>): Promise<StoredTemplate[]> {
  const rows = await db.selectFrom('templates').selectAll().orderBy('name').execute()
  return rows.map(toTemplate)
}

/** Inserts a new template (version 1); null when the name is taken. */
export async function insertTemplate(
  db: Kysely<Database>,
  input: {
    readonly id: string
    readonly definition: TemplateDefinition
    readonly uses: readonly string[]
    readonly now: number
  },
): Promise<StoredTemplate | null> {
  const d = input.definition
  const row = await db
    .insertInto('templates')
    .values({
      id: input.id,
      name: d.name,
      kind: d.kind,
      subject: d.subject,
      html: d.html,
      text: d.text,
      layout: d.layout,
      channel: d.channel,
      uses: JSON.stringify(input.uses),
      created_at: input.now,
      updated_at: input.now,
      version: 1,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? null : toTemplate(row)
}

/**
 * Replaces a template's sources and bumps its version; with `expectedVersion`, only if the
 * stored version is that one. Null when there is no such template (or the version moved on).
 */
export async function updateTemplate(
  db: Kysely<Database>,
  input: {
    readonly definition: TemplateDefinition
    readonly uses: readonly string[]
    readonly now: number
    readonly expectedVersion?: number
  },
): Promise<StoredTemplate | null> {
  const d = input.definition
  let query = db
    .updateTable('templates')
    .set((eb) => ({
      kind: d.kind,
      subject: d.subject,
      html: d.html,
      text: d.text,
      layout: d.layout,
      channel: d.channel,
      uses: JSON.stringify(input.uses),
      updated_at: input.now,
      version: eb('version', '+', 1),
    }))
    .where('name', '=', d.name)
  if (input.expectedVersion !== undefined) {
    query = query.where('version', '=', input.expectedVersion)
  }
  const row = await query.returningAll().executeTakeFirst()
  return row === undefined ? null : toTemplate(row)
}

/** Deletes a template; false when there was none. */
export async function deleteStoredTemplate(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('templates').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}
