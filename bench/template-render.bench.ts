/**
 * Raw template rendering: one realistic one-to-one email (bench/one-to-one-template.ts: layout,
 * greeting, tier, five recommended items with money, offer block) rendered for N prepared
 * contexts (default 10,000), in one process, no database:
 *
 * - `renderMessage`: idic's compiled message (parsed once): subject, HTML (escaped) and the
 *   text part generated from the HTML, synchronously;
 * - `renderMessageNoText`: the same without generating the text part (subject + HTML);
 * - `liquidRenderSync` / `liquidRender`: liquidjs rendering the parsed HTML part (layout and
 *   partial included) with renderSync / the async render, context as scope;
 * - `liquidParseAndRender`: liquidjs `parseAndRender` of the HTML part for each context (what
 *   a naive integration does).
 *
 *   npx tsx bench/template-render.bench.ts [--json] [--n=10000] [--rounds=3]
 *
 * Each mode renders all N contexts once to warm up, then the modes take turns for `rounds`
 * rounds; the best round of each is reported (contexts per second of wall time, and per second of the process's CPU time, which
 * is steadier on a shared machine) with the median. Output bytes are summed so nothing is optimized
 * away, and the first context's output is checked equal across modes.
 */
import { cpus, loadavg } from 'node:os'
import { createTemplateSet } from '../src/customize/templates/liquid-engine.js'
import {
  compileMessageTemplate,
  renderMessage,
  type CompiledMessage,
} from '../src/customize/templates/render-message.js'
import type { TemplateContext } from '../src/customize/templates/template-context.js'
import type { TemplateSettings } from '../src/customize/templates/template-settings.js'
import { benchContexts, ONE_TO_ONE_MESSAGE, ONE_TO_ONE_TEMPLATES } from './one-to-one-template.js'

const args = process.argv.slice(2)
const asJson = args.includes('--json')
const arg = (name: string, fallback: number): number => {
  const found = args.find((a) => a.startsWith(`--${name}=`))
  const value = found === undefined ? fallback : Number(found.slice(name.length + 3))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`)
  return value
}
const N = arg('n', 10_000)
const ROUNDS = arg('rounds', 3)

const SETTINGS: TemplateSettings = {
  shopName: 'Green Thumb',
  shopUrl: 'https://green.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}

interface ModeResult {
  /** Contexts per second of wall time, best round. */
  readonly perSecond: number
  readonly medianPerSecond: number
  readonly usPerRender: number
  /** Contexts per second of this process's CPU time (user + system), best round. */
  readonly perCpuSecond: number
  readonly bytes: number
}

type Render = (context: TemplateContext) => number | Promise<number>

interface Round {
  readonly perSecond: number
  readonly perCpuSecond: number
  readonly bytes: number
}

async function pass(contexts: readonly TemplateContext[], render: Render): Promise<Round> {
  let bytes = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (const c of contexts) bytes += await render(c)
  const used = process.cpuUsage(cpu)
  const ms = performance.now() - started
  return {
    perSecond: (contexts.length / ms) * 1000,
    perCpuSecond: (contexts.length / (used.user + used.system)) * 1e6,
    bytes,
  }
}

/**
 * Every mode warms up on all contexts, then the rounds go round-robin over the modes, so a
 * change in the machine's load touches every mode alike.
 */
async function measure(
  contexts: readonly TemplateContext[],
  modes: Readonly<Record<string, Render>>,
): Promise<Record<string, ModeResult>> {
  for (const render of Object.values(modes)) await pass(contexts, render)
  const rounds: Record<string, Round[]> = {}
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, render] of Object.entries(modes)) {
      ;(rounds[name] ??= []).push(await pass(contexts, render))
    }
  }
  const results: Record<string, ModeResult> = {}
  for (const [name, list] of Object.entries(rounds)) {
    const rates = list.map((x) => x.perSecond).sort((a, b) => a - b)
    const best = rates[rates.length - 1]!
    results[name] = {
      perSecond: Math.round(best),
      medianPerSecond: Math.round(rates[rates.length >> 1]!),
      usPerRender: Math.round((1e6 / best) * 10) / 10,
      perCpuSecond: Math.round(Math.max(...list.map((x) => x.perCpuSecond))),
      bytes: list[list.length - 1]!.bytes,
    }
  }
  return results
}

function compile(): CompiledMessage {
  const set = createTemplateSet(ONE_TO_ONE_TEMPLATES, SETTINGS)
  const compiled = compileMessageTemplate(set, ONE_TO_ONE_MESSAGE)
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.error.problems))
  return compiled.value
}

async function main(): Promise<void> {
  const contexts = benchContexts(N, {
    name: SETTINGS.shopName,
    url: SETTINGS.shopUrl,
    currency: SETTINGS.currency,
  })
  const compiled = compile()
  const liquid = compiled.set.html
  const htmlTemplates = compiled.html.templates
  const htmlSource = compiled.html.source.source

  const first = contexts[0]!
  const reference = renderMessage(compiled, first)
  if (!reference.ok) throw new Error(JSON.stringify(reference.error))
  const check = (label: string, html: string): void => {
    if (html !== reference.value.html) throw new Error(`${label} renders different HTML`)
  }
  check('liquidRenderSync', liquid.renderSync(htmlTemplates, first) as string)
  check('liquidParseAndRender', (await liquid.parseAndRender(htmlSource, first)) as string)

  const results = await measure(contexts, {
    renderMessage: (c) => {
      const r = renderMessage(compiled, c)
      if (!r.ok) throw new Error(r.error.problem.message)
      return r.value.html.length + r.value.text.length + r.value.subject.length
    },
    renderMessageNoText: (c) => {
      const subject = compiled.set.text.renderSync(compiled.subject!.templates, undefined, {
        globals: c,
      }) as string
      const html = liquid.renderSync(htmlTemplates, undefined, { globals: c }) as string
      return subject.length + html.length
    },
    liquidRenderSync: (c) => (liquid.renderSync(htmlTemplates, c) as string).length,
    liquidRender: async (c) => ((await liquid.render(htmlTemplates, c)) as string).length,
    liquidParseAndRender: async (c) =>
      ((await liquid.parseAndRender(htmlSource, c)) as string).length,
  })

  const ratio = (a: string, b: string): number =>
    Math.round((results[a]!.perCpuSecond / results[b]!.perCpuSecond) * 100) / 100
  const report = {
    bench: 'template-render',
    contexts: N,
    rounds: ROUNDS,
    template: ONE_TO_ONE_MESSAGE.name,
    htmlBytesFirst: reference.value.html.length,
    textBytesFirst: reference.value.text.length,
    modes: results,
    /** Ratios of the per-CPU-second rates. */
    ratios: {
      renderMessageVsLiquidRenderSync: ratio('renderMessage', 'liquidRenderSync'),
      renderMessageVsLiquidRender: ratio('renderMessage', 'liquidRender'),
      renderMessageVsParseAndRender: ratio('renderMessage', 'liquidParseAndRender'),
      compiledVsParseAndRender: ratio('liquidRenderSync', 'liquidParseAndRender'),
    },
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      loadavg1: Math.round(loadavg()[0]! * 100) / 100,
    },
  }
  if (asJson) {
    console.log(JSON.stringify(report, null, 2))
    return
  }
  console.log(`Template render, ${N} contexts, best of ${ROUNDS} rounds (contexts/s):`)
  for (const [mode, r] of Object.entries(results)) {
    console.log(
      `  ${mode.padEnd(22)} ${String(r.perSecond).padStart(8)}/s  (median ${r.medianPerSecond}/s, ${r.usPerRender} µs each; ${r.perCpuSecond}/CPU s)`,
    )
  }
  console.log(
    `  renderMessage / liquid renderSync ${report.ratios.renderMessageVsLiquidRenderSync}, / liquid render ${report.ratios.renderMessageVsLiquidRender}, / parseAndRender ${report.ratios.renderMessageVsParseAndRender}`,
  )
}

await main()
