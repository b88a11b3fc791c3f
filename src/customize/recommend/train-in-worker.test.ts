import { describe, expect, it } from 'vitest'
import { buildCsrFromCoo } from '../../numeric/csr-matrix.js'
import { fitRecommender } from './fit-recommender.js'
import { restoreRecommender } from './model-codec.js'
import { trainInWorker } from './train-in-worker.js'

describe('training in a worker thread', () => {
  const rows: number[] = []
  const cols: number[] = []
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 30; i++) {
      if ((u * 7 + i * 3) % 5 < 2) {
        rows.push(u)
        cols.push(i)
      }
    }
  }
  const x = buildCsrFromCoo(
    60,
    30,
    Int32Array.from(rows),
    Int32Array.from(cols),
    new Float64Array(rows.length).fill(1),
  )
  const history = { items: Int32Array.from([1, 2, 3]), values: Float64Array.from([1, 1, 1]) }

  it('fits the same model as in process, reports progress, and the main thread stays free', async () => {
    const progress: string[] = []
    let ticks = 0
    const timer = setInterval(() => ticks++, 5)
    const state = await trainInWorker(
      'ials',
      x,
      { factors: 8, iterations: 20, regularization: 1 },
      (phase, done, total) => progress.push(`${phase} ${done}/${total}`),
    )
    clearInterval(timer)
    expect(progress.at(-1)).toBe('iteration 20/20')
    const inWorker = restoreRecommender(state)
    const local = fitRecommender('ials', x, { factors: 8, iterations: 20, regularization: 1 })
    const a = new Float64Array(30)
    const b = new Float64Array(30)
    inWorker.score(history, a)
    local.score(history, b)
    expect(Array.from(a)).toEqual(Array.from(b))
    // The main thread kept running timers while the worker trained.
    expect(ticks).toBeGreaterThan(0)
  })

  it('reports a failed fit as a rejection', async () => {
    await expect(trainInWorker('ials', x, { factors: -1 })).rejects.toThrow(/training ials failed/)
  })
})
