import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useCliHarness, type CommandFactory } from '../../../test-support/cli-harness.js'
import { setConsent } from '../../interact/consents.repository.js'
import { sendMessage } from '../../interact/send-message.js'
import { openStore } from '../../store/engine.js'
import { migrateToLatest } from '../../store/migrate.js'
import { sendFixture } from '../../../test-support/send-fixture.js'
import { deliveriesCommand } from './deliveries.command.js'
import { importCommand } from './import.command.js'

describe('idic deliveries report', () => {
  const cli = useCliHarness('idic-deliveries-')
  const run = (command: CommandFactory, ...args: string[]): Promise<string> =>
    cli.output(command, ...args)

  it('counts sends and conversions from imported orders, as a table or JSON', async () => {
    const store = await openStore(cli.database())
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

    const csv = join(cli.dir(), 'orders.csv')
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
    expect(JSON.parse(cli.printed()).error.message).toMatch(/^--from: /)
  })
})
