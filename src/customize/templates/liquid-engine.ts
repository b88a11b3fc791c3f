import { Liquid, type FS } from 'liquidjs'
import { escapeOutput } from './escape-output.js'
import type { TemplateDefinition } from './template-definition.js'
import { registerTemplateFilters } from './template-filters.js'
import type { TemplateSettings } from './template-settings.js'

/** Partials and layouts looked up while parsing or analysing (validation only). */
export interface TemplateLookups {
  /** Every name looked up that exists. */
  readonly used: Set<string>
  /** Every name looked up that does not exist (read as empty so analysis can go on). */
  readonly missing: Set<string>
}

/**
 * The stored templates with two configured Liquid engines: `html` escapes every output
 * (liquidjs' `escape`, as escapeOutput; write `| raw` for trusted markup), `text` escapes nothing and also
 * renders subjects. Both are strict (unknown variables and filters are errors, except under
 * `if`/`unless` and the `default` filter, which treat them as nil), resolve partials and layouts
 * by name from the set in memory (the HTML or the text part of each), cache what they parse,
 * hide prototype properties, and format dates in the settings' time zone.
 */
export interface TemplateSet {
  readonly templates: ReadonlyMap<string, TemplateDefinition>
  readonly settings: TemplateSettings
  readonly html: Liquid
  readonly text: Liquid
  /** Non-null only for sets built with `trackLookups` (validation). */
  readonly lookups: TemplateLookups | null
}

export interface TemplateSetOptions {
  /**
   * Record the partials and layouts looked up, and read missing ones as empty instead of
   * failing: validation then reports every missing name and keeps checking the rest. Turns the
   * parse cache off, so each part's lookups are seen.
   */
  readonly trackLookups?: boolean
}

/**
 * Builds a template set. Build one per version of the stored templates and reuse it: each
 * engine parses a partial or layout once and keeps it.
 */
export function createTemplateSet(
  templates: readonly TemplateDefinition[],
  settings: TemplateSettings,
  options: TemplateSetOptions = {},
): TemplateSet {
  const byName = new Map(templates.map((t) => [t.name, t]))
  const lookups: TemplateLookups | null =
    options.trackLookups === true ? { used: new Set(), missing: new Set() } : null
  const htmlSources = new Map<string, string>()
  const textSources = new Map<string, string>()
  for (const t of templates) {
    // Messages are not includable: only partials and layouts are found by name.
    if (t.kind === 'message') continue
    htmlSources.set(t.name, t.html)
    textSources.set(t.name, t.text ?? t.html)
  }
  const engine = (sources: ReadonlyMap<string, string>, escape: boolean): Liquid => {
    const liquid = new Liquid({
      fs: memoryFs(sources, lookups),
      root: ['.'],
      partials: ['.'],
      layouts: ['.'],
      relativeReference: false,
      extname: '',
      cache: lookups === null,
      strictVariables: true,
      strictFilters: true,
      lenientIf: true,
      ownPropertyOnly: true,
      timezoneOffset: settings.timezone,
      locale: settings.locale,
      ...(escape ? { outputEscape: escapeOutput } : {}),
    })
    registerTemplateFilters(liquid, settings)
    return liquid
  }
  return {
    templates: byName,
    settings,
    html: engine(htmlSources, true),
    text: engine(textSources, false),
    lookups,
  }
}

/**
 * A liquidjs file system over named sources in memory. Unknown names do not exist (liquidjs
 * then reports the lookup failure where the tag is), except when tracking lookups, where they
 * read as empty and are recorded.
 */
function memoryFs(sources: ReadonlyMap<string, string>, lookups: TemplateLookups | null): FS {
  const exists = (name: string): boolean => lookups !== null || sources.has(name)
  const read = (name: string): string => {
    const source = sources.get(name)
    if (lookups !== null) {
      if (source === undefined) lookups.missing.add(name)
      else lookups.used.add(name)
      return source ?? ''
    }
    if (source === undefined) throw new Error(`no partial or layout named "${name}"`)
    return source
  }
  return {
    exists: (name) => Promise.resolve(exists(name)),
    existsSync: exists,
    readFile: async (name) => {
      await Promise.resolve()
      return read(name)
    },
    readFileSync: read,
    resolve: (_dir, file) => file,
    contains: () => Promise.resolve(true),
    containsSync: () => true,
    sep: '/',
  }
}
