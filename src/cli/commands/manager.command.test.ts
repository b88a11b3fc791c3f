import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { managerCommand } from './manager.command.js'

describe('idic manager', () => {
  let dir = ''
  let printed: string[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idic-manager-'))
    printed = []
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      printed.push(String(line))
    })
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
      printed.push(String(line))
    })
    process.exitCode = 0
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    process.exitCode = 0
    await rm(dir, { recursive: true, force: true })
  })

  async function run(...args: string[]): Promise<unknown> {
    printed = []
    await managerCommand().parseAsync([...args, '--database', `sqlite:${join(dir, 'idic.db')}`], {
      from: 'user',
    })
    const text = printed.join('\n')
    return args.includes('--json') ? JSON.parse(text) : text
  }

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
