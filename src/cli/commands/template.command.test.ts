import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useCliHarness } from '../../../test-support/cli-harness.js'
import { seedTemplateShop } from '../../../test-support/template-shop.js'
import { openStore } from '../../store/engine.js'
import { migrateToLatest } from '../../store/migrate.js'
import { templateCommand } from './template.command.js'

describe('idic template', () => {
  const cli = useCliHarness('idic-template-')
  const database = cli.database
  const run = (...args: string[]): Promise<unknown> => cli.run(templateCommand, ...args)

  async function file(name: string, content: string): Promise<string> {
    const path = join(cli.dir(), name)
    await writeFile(path, content)
    return path
  }

  it('saves, lists, shows and previews templates for a customer', async () => {
    const store = await openStore(database())
    await migrateToLatest(store.db)
    await seedTemplateShop(store)
    await store.close()
    const layout = await file('base.liquid', '<main>{% block %}{% endblock %}</main>')
    const card = await file('card.liquid', '<li>{{ item.name }}</li>')
    const picks = await file(
      'picks.liquid',
      '<p>Hi {{ customer.firstName }}, {{ value.clv | money }}</p><ul>{% for item in recommendations.forYou limit: 2 %}{% render "card", item: item %}{% endfor %}</ul>',
    )
    expect(await run('save', 'base', '--kind', 'layout', '--html', layout)).toBe(
      'Saved layout base (version 1)',
    )
    expect(await run('save', 'card', '--kind', 'partial', '--html', card)).toContain('version 1')
    expect(
      await run(
        'save',
        'picks',
        '--html',
        picks,
        '--layout',
        'base',
        '--subject',
        'For {{ customer.firstName }}',
        '--json',
      ),
    ).toMatchObject({ name: 'picks', version: 1, uses: ['base', 'card'] })
    expect(await run('list')).toMatch(/^base\s+layout\s+v1 /m)
    expect(await run('show', 'picks')).toContain('--- text: generated from the html ---')

    const html = await run('preview', 'picks', '--customer', 'ada@example.com', '--part', 'html')
    // No model trained: popularity from the store, where the kitchen items lead.
    expect(html).toMatch(/^<main><p>Hi Ada, €412\.50<\/p><ul><li>Kitchen item K\d<\/li>/)
    const all = (await run('preview', 'picks', '--customer', 'c0', '--json')) as Record<
      string,
      unknown
    >
    expect(all).toMatchObject({ template: 'picks', customerId: 'c0', subject: 'For Ada' })
    expect(all['text']).toContain('Hi Ada, €412.50')
    expect(process.exitCode).toBe(0)
  })

  it('prints each problem as part:line:column with a validation exit code', async () => {
    const bad = await file('bad.liquid', '<p>\n  Hello {{ customer.frist_name }}\n</p>')
    const out = await run('save', 'bad', '--html', bad)
    expect(out).toMatch(
      /^idic: template "bad" has 1 problem:\n {2}html:2:12 unknown variable customer\.frist_name \(known: customer\.id, customer\.email, customer\.firstName, /,
    )
    expect(process.exitCode).toBe(2)
    const json = (await run('save', 'bad', '--html', bad, '--json')) as {
      error: { code: string; details: unknown[] }
    }
    expect(json.error.code).toBe('invalid_template')
    expect(json.error.details[0]).toMatchObject({ part: 'html', line: 2, column: 12 })
    expect(await run('show', 'bad')).toBe('idic: Template "bad" not found')
    expect(process.exitCode).toBe(3)
    expect(await run('save', 'x', '--html', join(cli.dir(), 'missing.liquid'))).toContain('--html')
    expect(process.exitCode).toBe(2)
  })
})
