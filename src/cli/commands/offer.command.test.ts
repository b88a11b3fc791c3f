import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useCliHarness } from '../../../test-support/cli-harness.js'
import { loadOfferFixture } from '../../customize/offers/offer-fixture.js'
import { openMigratedStore } from '../../store/open-migrated.js'
import { offerCommand } from './offer.command.js'

describe('idic offer', () => {
  const cli = useCliHarness('idic-offer-', {
    seed: async (database) => {
      const store = await openMigratedStore(database)
      await loadOfferFixture(store.db)
      await store.close()
    },
  })
  const run = (...args: string[]): Promise<unknown> => cli.run(offerCommand, ...args)

  it('creates offers, refusing a negative margin with the field named', async () => {
    expect(await run('create', '--name', 'Loss', '--kind', 'content', '--margin', '-3')).toBe(
      'idic: Offer is invalid at margin: margin must not be negative',
    )
    expect(process.exitCode).toBe(2)
    process.exitCode = 0
    const tea = (await run(
      'create',
      '--name',
      'Tea',
      '--kind',
      'product',
      '--product',
      'tea',
      '--margin',
      '5',
      '--cost',
      '0.2',
      '--cap-presentations',
      '2',
      '--cap-window-days',
      '14',
      '--json',
    )) as { id: string; caps: unknown }
    expect(tea.caps).toEqual({
      presentations: 2,
      windowDays: 14,
      acceptancesPerCustomer: null,
      acceptanceBudget: null,
    })
    const file = join(cli.dir(), 'vip.json')
    await writeFile(
      file,
      JSON.stringify({
        name: 'VIP',
        kind: 'discount',
        discountPercent: 10,
        margin: 3,
        eligibility: { score: 'tier', op: 'eq', value: 'mvc' },
      }),
    )
    expect(await run('create', '--file', file)).toContain('Created offer\nVIP')
    const bad = (await run(
      'create',
      '--name',
      'Bad rule',
      '--kind',
      'content',
      '--margin',
      '1',
      '--eligibility',
      '{"score":"tier","op":"eq","value":"gold"}',
      '--json',
    )) as { error: { code: string; details: { errors: { path: string }[] } } }
    expect(bad.error.code).toBe('invalid_offer')
    expect(bad.error.details.errors[0]!.path).toMatch(/^eligibility\./)
    process.exitCode = 0

    expect(((await run('list', '--json')) as unknown[]).length).toBe(2)
    expect(await run('show', 'Tea')).toContain('caps: 2 per 14 days')
    expect(await run('show', 'nothing')).toBe('idic: Offer "nothing" not found')
    expect(process.exitCode).toBe(3)
  })

  it('chooses, explains, attributes and calibrates', async () => {
    await run('create', '--name', 'Tea', '--kind', 'product', '--product', 'tea', '--margin', '5')
    await run('create', '--name', 'News', '--kind', 'content', '--margin', '1')
    const text = (await run('best', '--customer', 'ana@example.com', '--exploit')) as string
    expect(text).toContain('ana (tier mvc), posterior mean:')
    expect(text).toContain('→ Tea')
    expect(text).toMatch(/News\s+0\.500/)
    const sampled = (await run('best', '--customer', 'ana', '--seed', '3', '--json')) as {
      mode: string
      considered: { sampledValue: number | null }[]
    }
    expect(sampled.mode).toBe('thompson')
    expect(sampled.considered.every((c) => c.sampledValue !== null)).toBe(true)
    expect(await run('best', '--customer', 'nobody')).toBe('idic: Customer "nobody" not found')
    expect(process.exitCode).toBe(3)
    process.exitCode = 0
    expect(await run('attribute', '--json')).toMatchObject({ attributed: 0, windowDays: 7 })
    expect(await run('calibration')).toContain('No resolved presentations yet')
    expect(await run('calibration', '--json')).toMatchObject({ presentations: 0, folds: 5 })
  })
})
