import { describe, expect, it } from 'vitest'
import { CONTEXT_SCHEMA, sampleTemplateContext, type SchemaNode } from './context-schema.js'
import { createTemplateSet } from './liquid-engine.js'
import { compileMessageTemplate, renderMessage } from './render-message.js'
import type { TemplateDefinition } from './template-definition.js'
import { formatProblem, type TemplateProblem } from './template-problems.js'
import type { TemplateSettings } from './template-settings.js'
import { validateTemplate, type KnownTemplate } from './validate-template.js'

const SETTINGS: TemplateSettings = {
  shopName: 'Green Thumb',
  shopUrl: 'https://green.example',
  currency: 'EUR',
  locale: 'en-GB',
  timezone: 'UTC',
}

function t(
  name: string,
  kind: TemplateDefinition['kind'],
  html: string,
  more: Partial<TemplateDefinition> = {},
): TemplateDefinition {
  return { name, kind, subject: null, html, text: null, layout: null, channel: null, ...more }
}

const LAYOUT = t('base', 'layout', '<main>{% block %}{% endblock %}</main>{{ links.unsubscribe }}')
const CARD = t('card', 'partial', '<li>{{ item.name }} {{ item.price | money }}</li>')
const STORED: KnownTemplate[] = [LAYOUT, CARD]

function problemsOf(template: TemplateDefinition, stored: readonly KnownTemplate[] = STORED) {
  const result = validateTemplate(template, stored, SETTINGS)
  if (result.ok) return []
  return result.error.problems
}

function lines(problems: readonly TemplateProblem[], checked: string): string[] {
  return problems.map((p) => formatProblem(p, checked))
}

describe('validateTemplate', () => {
  it('accepts a message using a layout and partials, and says what it uses and reads', () => {
    const result = validateTemplate(
      t(
        'welcome',
        'message',
        'Hi {{ customer.firstName | default: "there" }}\n{% for item in recommendations.forYou %}{% render "card", item: item %}{% endfor %}\n{% if offer %}{{ offer.name }}{% endif %} {{ value.clv | money }}',
        { subject: 'Welcome {{ customer.firstName }}', layout: 'base' },
      ),
      STORED,
      SETTINGS,
    )
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.value.uses).toEqual(['base', 'card'])
      expect(result.value.needs).toEqual({
        value: true,
        links: true,
        forYou: true,
        becauseYouBought: false,
        discovery: false,
      })
    }
  })

  it('names unknown variables with line, column and the names allowed there', () => {
    const problems = problemsOf(
      t(
        'typo',
        'message',
        '<p>\n  Hello {{ customer.frist_name }}, {{ shopp.name }}\n{{ recommendations.forYou[0].nmae }}</p>',
        { subject: '{{ campaign.title }}', layout: 'base' },
      ),
    )
    expect(lines(problems, 'typo')).toEqual([
      'subject:1:4 unknown variable campaign.title (known: campaign.id, campaign.name)',
      expect.stringMatching(
        /^html:2:12 unknown variable customer\.frist_name \(known: customer\.id, customer\.email, customer\.firstName, .*customer\.traits\)$/,
      ),
      'html:2:39 unknown variable shopp (in shopp.name) (known: customer, value, recommendations, offer, campaign, links, shop)',
      expect.stringMatching(
        /^html:3:4 unknown variable recommendations\.forYou\[0\]\.nmae \(known: recommendations\.forYou\[0\]\.id, .*\)$/,
      ),
    ])
    expect(problems[1]).toMatchObject({
      type: 'unknown_variable',
      part: 'html',
      template: 'typo',
      line: 2,
      column: 12,
      variable: 'customer.frist_name',
    })
  })

  it('catches a misspelt loop variable by the strict sample render', () => {
    const problems = problemsOf(
      t(
        'loop',
        'message',
        '{% for item in recommendations.discovery %}\n {{ item.nmae }}{% endfor %}',
      ),
    )
    expect(lines(problems, 'loop')).toEqual(['html:2:5 unknown variable item.nmae'])
  })

  it('reports syntax errors and unknown filters with line and column, per part', () => {
    const problems = problemsOf(
      t('bad', 'message', 'ok\n\n   {% if customer.email %}no end', {
        subject: 'Hi {{ customer.firstName | shout }}',
        text: '{{ customer.email ',
      }),
    )
    expect(problems.map((p) => [p.type, p.part, p.line, p.column])).toEqual([
      ['unknown_filter', 'subject', 1, 4],
      ['syntax', 'html', 3, 4],
      ['syntax', 'text', 1, 1],
    ])
    expect(problems[0]!.message).toContain('unknown filter shout')
    expect(problems[1]!.message).toContain('not closed')
  })

  it('reports missing partials and layouts, and problems inside a partial with its name', () => {
    const problems = problemsOf(
      t('m', 'message', 'x\n {% render "nothere" %} {% include "broken" %}', {
        layout: 'nolayout',
      }),
      [...STORED, t('broken', 'partial', 'a\n{{ customer.nope }}')],
    )
    expect(lines(problems, 'm')).toEqual([
      'template no layout named "nolayout" (known: base)',
      expect.stringMatching(/^html:2:4 \(in broken\) unknown variable customer\.nope \(known: /),
      'html:2:5 no partial or layout named "nothere" (known: base, broken, card)',
    ])
  })

  it('lets a partial use names its caller passes, but not unknown context fields', () => {
    expect(problemsOf(t('p', 'partial', '{{ item.name }} {{ shop.name }}'))).toEqual([])
    expect(lines(problemsOf(t('p', 'partial', '{{ shop.nmae }}')), 'p')).toEqual([
      'html:1:4 unknown variable shop.nmae (known: shop.name, shop.url, shop.currency)',
    ])
  })

  it('checks the messages that use a partial when the partial changes', () => {
    const stored: KnownTemplate[] = [
      ...STORED,
      {
        ...t(
          'news',
          'message',
          '{% for item in recommendations.forYou %}{% render "card", item: item %}{% endfor %}',
        ),
        uses: ['card'],
      },
    ]
    const problems = problemsOf(t('card', 'partial', '<li>{{ item.title }}</li>'), stored)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ type: 'unknown_variable', template: 'card', part: 'html' })
    expect(problems[0]!.message).toContain('in message "news"')
  })

  it('refuses fields that do not fit the kind', () => {
    const problems = problemsOf(t('Bad name!', 'partial', ' ', { subject: 'x', layout: 'base' }))
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('name "Bad name!"'),
      'the html part is empty',
      'a partial has no subject',
      'a partial has no layout',
    ])
    const twice = problemsOf(t('two', 'message', 'a\n{% layout "base" %}x', { layout: 'base' }))
    expect(twice[0]).toMatchObject({ part: 'html', line: 2, column: 1 })
  })
})

describe('context schema', () => {
  it('matches the sample context: every listed name renders under strict variables', () => {
    const paths: string[] = []
    const walk = (node: SchemaNode, path: string): void => {
      if (node.type === 'object') {
        for (const [k, child] of Object.entries(node.fields)) {
          walk(child, path === '' ? k : `${path}.${k}`)
        }
      } else if (node.type === 'list') walk(node.item, `${path}[0]`)
      else paths.push(path)
    }
    walk(CONTEXT_SCHEMA, '')
    expect(paths).toContain('recommendations.becauseYouBought.anchor.name')
    const html = paths.map((p) => `{{ ${p} | json }}`).join('\n')
    const template = t('all', 'message', html)
    const set = createTemplateSet([template], SETTINGS)
    const compiled = compileMessageTemplate(set, template)
    expect(compiled.ok).toBe(true)
    if (!compiled.ok) return
    const rendered = renderMessage(compiled.value, sampleTemplateContext())
    expect(rendered.ok ? 'ok' : rendered.error.problem.message).toBe('ok')
    expect(validateTemplate(template, [], SETTINGS).ok).toBe(true)
  })
})
