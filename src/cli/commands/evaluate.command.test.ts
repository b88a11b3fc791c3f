import { describe, expect, it } from 'vitest'
import { useCliHarness } from '../../../test-support/cli-harness.js'
import { manualClock } from '../../core/clock.js'
import { loadDemoShop } from '../../identify/demo/load-demo-shop.js'
import { openMigratedStore } from '../../store/open-migrated.js'
import { EXIT } from '../exit-codes.js'
import { evaluateCommand } from './evaluate.command.js'

describe('idic evaluate --shop', () => {
  const cli = useCliHarness('idic-evaluate-', { muteStderr: true })
  const database = cli.database
  const run = (...args: string[]): Promise<string> => cli.output(evaluateCommand, ...args)

  it("evaluates the shop's own history, keeps the table, and refuses mixed or empty input", async () => {
    expect(await run('--shop')).toContain('no interactions')
    expect(process.exitCode).toBe(EXIT.usage)
    process.exitCode = 0

    const store = await openMigratedStore(database())
    await loadDemoShop(
      { store, clock: manualClock(Date.UTC(2026, 5, 1)) },
      { customers: 60, seed: 3 },
    )
    await store.close()

    const report = JSON.parse(
      await run('--shop', '--models', 'popularity,item-knn', '--k', '5', '--json'),
    ) as { id: string; data: string; models: Record<string, Record<string, number>> }
    expect(process.exitCode).toBe(EXIT.ok)
    expect(report.data).toBe('shop')
    expect(Object.keys(report.models)).toEqual(['popularity', 'item-knn'])
    expect(report.models['item-knn']).toHaveProperty('ndcg@5')

    const text = await run('--shop', '--models', 'popularity', '--holdout-days', '60')
    expect(text).toContain('last 60 days held out')
    expect(text).toMatch(/kept as re_/)

    const reopened = await openMigratedStore(database())
    const kept = await reopened.db.selectFrom('recommender_evaluations').select('id').execute()
    await reopened.close()
    expect(kept.map((k) => k.id)).toContain(report.id)
    expect(kept).toHaveLength(2)

    expect(await run('--shop', '--data', 'x.tsv')).toContain('leave out --data')
    expect(process.exitCode).toBe(EXIT.usage)
    process.exitCode = 0
    expect(await run('--models', 'popularity')).toContain('--data FILE with --format, or --shop')
    expect(process.exitCode).toBe(EXIT.usage)
  })
})
