import { describe, expect, it } from 'vitest'
import { useCliHarness } from '../../../test-support/cli-harness.js'
import { managerCommand } from './manager.command.js'

describe('idic manager', () => {
  const cli = useCliHarness('idic-manager-')
  const run = (...args: string[]): Promise<unknown> => cli.run(managerCommand, ...args)

  it('creates, lists and assigns managers, and names unknown ones', async () => {
    const created = (await run('create', '--name', 'Ana', '--capacity', '50', '--json')) as {
      id: string
    }
    expect(created).toMatchObject({ name: 'Ana', capacity: 50, portfolioSize: 0 })
    expect(await run('list', '--json')).toMatchObject([{ id: created.id, name: 'Ana' }])
    expect(await run('assign', '--json')).toMatchObject({ tierSource: 'revenue', assigned: 0 })
    expect(await run('rules')).toContain('palive_drop')
    expect(await run('portfolio', created.id)).toContain('No customers yet')
    expect(await run('tasks', 'mgr_nobody')).toContain('Manager "mgr_nobody" not found')
    expect(process.exitCode).toBe(3)
  })
})
