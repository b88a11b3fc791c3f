import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test-support/test-store.js'
import type { Store } from '../../store/engine.js'
import { PerRunCache } from './per-run-cache.js'

async function addRun(store: Store, id: string, createdAt: number): Promise<void> {
  await store.db
    .insertInto('model_runs')
    .values({ id, kind: 'value', params: '{}', metrics: '{}', created_at: createdAt })
    .execute()
}

describeEachEngine('PerRunCache', (current) => {
  it('recomputes after a new model run or when the entry is too old, not in between', async () => {
    const store = current()
    let nowMs = 1_000_000
    const cache = new PerRunCache(store.db, () => nowMs, 60_000)
    let computed = 0
    const compute = (): Promise<number> => Promise.resolve(++computed)

    expect(await cache.get('summary', compute)).toBe(1)
    expect(await cache.get('summary', compute)).toBe(1)
    expect(await cache.get('other', compute)).toBe(2)

    await addRun(store, 'run_1', 1)
    expect(await cache.get('summary', compute)).toBe(3)
    nowMs += 59_999
    expect(await cache.get('summary', compute)).toBe(3)
    nowMs += 1
    expect(await cache.get('summary', compute)).toBe(4)

    await addRun(store, 'run_2', 2)
    expect(await cache.get('summary', compute)).toBe(5)
  })
})
