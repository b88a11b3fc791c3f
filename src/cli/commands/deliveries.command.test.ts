import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setConsent } from '../../interact/consents.repository.js'
import { sendMessage } from '../../interact/send-message.js'
import { openStore } from '../../store/engine.js'
import { migrateToLatest } from '../../store/migrate.js'
import { sendFixture } from '../../../test-support/send-fixture.js'
import { deliveriesCommand } from './deliveries.command.js'
import { importCommand } from './import.command.js'

describe('idic deliveries report', () => {
  let dir = ''
  let printed: string[] = []
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idic-deliveries-'))
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

  async function run(command: typeof deliveriesCommand, ...args: string[]): Promise<string> {
    printed = []
    await command().parseAsync([...args, '--database', `sqlite:${join(dir, 'idic.db')}`], {
      from: 'user',
    })
    return printed.join('\n')
  }

  it('counts sends and conversions from imported orders, as a table or JSON', async () => {
    const store = await openStore(`sqlite:${join(dir, 'idic.db')}`)
    await migrateToLatest(store.db)
    const fixture = await sendFixture(store)
    await setConsent(
      store.db,
      fixture.customerId,
      { channel: 'email', topic: 'news', granted: true, source: 'test' },
      fixture.clock.now(),
    )
    const sent = await sendMessage(fixture.deps, {
      identity: 'u1',
      channel: 'email',
      kind: 'marketing',
      topic: 'news',
      subject: 'Spring',
      body: 'Hello',
    })
    expect(sent.ok && sent.value.delivery.status).toBe('sent')
    await fixture.close()
    await store.close()

    const csv = join(dir, 'orders.csv')
    await writeFile(
      csv,
      'order_id,customer_id,timestamp,product_id,quantity,price\nA1,u1,2026-03-11 09:00:00,p1,2,15\n',
    )
    await run(importCommand, 'orders', csv, '--currency', 'EUR', '--json')
    expect(process.exitCode).toBe(0)

    const period = ['--from', '2026-03-10', '--to', '2026-03-11']
    const json = JSON.parse(await run(deliveriesCommand, 'report', ...period, '--json'))
    expect(json.rows).toEqual([
      expect.objectContaining({
        channel: 'email',
        topic: 'news',
        sent: 1,
        converted: 1,
        revenue: [{ currency: 'EUR', amount: 30 }],
      }),
    ])
    const table = await run(deliveriesCommand, 'report', ...period)
    expect(table).toMatch(/email \/ news\s+1\s+0\s+0\.0%\s+0\s+0\.0%\s+1\s+100\.0%\s+30\.00 EUR/)
    // Nothing left to credit.
    expect(await run(deliveriesCommand, 'attribute')).toBe('No new conversions.')

    await run(deliveriesCommand, 'report', '--from', 'last week', '--json')
    expect(process.exitCode).toBe(2)
    expect(JSON.parse(printed.join('\n')).error.message).toMatch(/^--from: /)
  })
})
