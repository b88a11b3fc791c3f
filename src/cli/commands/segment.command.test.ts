import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useCliHarness } from '../../../test-support/cli-harness.js'
import { openMigratedStore } from '../../store/open-migrated.js'
import { loadSegmentFixture } from '../../customize/segments/segment-fixture.js'
import { segmentCommand } from './segment.command.js'

// The fixture's activity is dated around early 2026; the CLI reads the system clock, so rules
// here avoid windows relative to now.
describe('idic segment', () => {
  const cli = useCliHarness('idic-segment-', {
    seed: async (database) => {
      const store = await openMigratedStore(database)
      await loadSegmentFixture(store.db)
      await store.close()
    },
  })
  const run = (...args: string[]): Promise<unknown> => cli.run(segmentCommand, ...args)

  it('previews, creates, lists, shows, refreshes and deletes', async () => {
    const rule = JSON.stringify({ taste: { category: 'Books', minShare: 0.5 } })
    expect(await run('preview', '--rule', rule)).toContain(
      '1 customers match (membership would be live)',
    )
    expect(cli.printed()).toContain('ana  ana@gmail.com')
    const file = join(cli.dir(), 'rule.json')
    await writeFile(
      file,
      JSON.stringify({ score: 'tier', op: 'in', value: ['mvc', 'low_maintenance'] }),
    )
    const created = (await run('create', '--name', 'Valuable', '--file', file, '--json')) as {
      id: string
      memberCount: number
      sample: unknown[]
    }
    expect(created).toMatchObject({ name: 'Valuable', memberCount: 2, refreshMode: 'live' })
    expect(created.sample).toHaveLength(2)
    expect(await run('list')).toMatch(/Valuable\s+2 members\s+live/)
    expect(await run('show', 'Valuable')).toContain('ana  ana@gmail.com')
    expect(await run('refresh', '--all', '--json')).toMatchObject([
      { ok: true, name: 'Valuable', added: 0, removed: 0, count: 2 },
    ])
    expect(await run('refresh', '--json')).toEqual([])
    await run('update', 'Valuable', '--rule', rule)
    expect(cli.printed()).toContain('Valuable: 1 members, live')
    expect(await run('delete', created.id)).toContain('Deleted segment Valuable')
    expect(await run('show', 'Valuable')).toContain('Segment "Valuable" not found')
    expect(process.exitCode).toBe(3)
  })

  it('prints every problem of a bad rule with its path and exits with the usage code', async () => {
    const text = await run(
      'create',
      '--name',
      'Broken',
      '--rule',
      JSON.stringify({
        any: [
          { field: 'age', op: 'gt', value: 1 },
          { score: 'tier', op: 'eq', value: 'gold' },
        ],
      }),
    )
    expect(text).toContain('any[0].field: unknown customer field "age"')
    expect(text).toContain('any[1].value: not a known tier')
    expect(process.exitCode).toBe(2)
    const json = (await run(
      'preview',
      '--rule',
      '{"trait": "plna", "op": "exists"}',
      '--json',
    )) as {
      error: { code: string; details: { errors: { path: string }[] } }
    }
    expect(json.error.code).toBe('invalid_segment_rule')
    expect(json.error.details.errors[0]?.path).toBe('trait')
    expect(await run('preview', '--rule', '{not json')).toContain('--rule is not valid JSON')
    expect(process.exitCode).toBe(2)
    expect(await run('preview')).toContain('Give the rule with --rule JSON or --file rule.json')
  })
})
