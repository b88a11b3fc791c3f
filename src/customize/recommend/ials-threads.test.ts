import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { buildCsrFromCoo, transposeCsr } from '../../numeric/csr-matrix.js'
import { balancedRowRanges } from './ials-sweep.js'
import { IALS_TASK, runIalsTask, sumPartialGrams, type IalsShared } from './ials-tasks.js'
import { defaultIalsThreads, openIalsThreadPool, sharedCsr, sharedFloat64 } from './ials-threads.js'

describe('iALS helper threads', () => {
  const users = 50
  const items = 20
  const k = 6
  const rows: number[] = []
  const cols: number[] = []
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if ((u * 5 + i * 3) % 7 < 2) {
        rows.push(u)
        cols.push(i)
      }
    }
  }
  const x = buildCsrFromCoo(
    users,
    items,
    Int32Array.from(rows),
    Int32Array.from(cols),
    new Float64Array(rows.length).fill(1),
  )
  const xt = transposeCsr(x)
  const start = (n: number): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 0.1)

  function state(threads: number): IalsShared {
    return {
      k,
      alpha: 2,
      cgSteps: 3,
      threads,
      userSide: { m: sharedCsr(x), rowReg: sharedFloat64(users).fill(1) },
      itemSide: { m: sharedCsr(xt), rowReg: sharedFloat64(items).fill(1) },
      userFactors: sharedFloat64(users * k, start(users * k)),
      itemFactors: sharedFloat64(items * k, start(items * k)),
      userRanges: balancedRowRanges(x, k, threads),
      itemRanges: balancedRowRanges(xt, k, threads),
      gram: sharedFloat64(k * k),
      partialGrams: sharedFloat64(threads * k * k),
      eigenbasis: false,
      rotation: sharedFloat64(k * k),
    }
  }

  it('a helper does its share of each task in shared memory, as the caller would alone', () => {
    const two = state(2)
    const pool = openIalsThreadPool(two)
    expect(pool).not.toBeNull()
    const one = state(1)
    const work = new Float64Array(3 * k)
    try {
      pool!.run(IALS_TASK.gramOfItems)
      // The helper's partial Gramian (its half of the items) is in its own slot.
      expect(two.partialGrams.subarray(k * k).some((v) => v !== 0)).toBe(true)
      sumPartialGrams(two)
      runIalsTask(one, IALS_TASK.gramOfItems, 0, work)
      sumPartialGrams(one)
      for (let i = 0; i < k * k; i++) expect(two.gram[i]).toBeCloseTo(one.gram[i]!, 12)
      pool!.run(IALS_TASK.sweepUsers)
      runIalsTask(one, IALS_TASK.sweepUsers, 0, work)
      // The helper's rows (the second range) were solved too.
      const from = two.userRanges[1]! * k
      expect(from).toBeGreaterThan(0)
      expect(from).toBeLessThan(users * k)
      for (let i = 0; i < users * k; i++) {
        expect(two.userFactors[i], `user factor ${i}`).toBeCloseTo(one.userFactors[i]!, 10)
      }
      // A turn (here a cyclic shift of each row's factors) reaches the helper's rows too.
      two.rotation.fill(0)
      for (let f = 0; f < k; f++) two.rotation[f * k + ((f + 1) % k)] = 1
      const users0 = Float64Array.from(two.userFactors)
      const items0 = Float64Array.from(two.itemFactors)
      pool!.run(IALS_TASK.rotate)
      for (const [after, before] of [
        [two.userFactors, users0],
        [two.itemFactors, items0],
      ] as const) {
        for (let i = 0; i < before.length; i++) {
          const row = i - (i % k)
          expect(after[row + ((i + 1) % k)], `factor ${i}`).toBe(before[i])
        }
      }
    } finally {
      pool?.close()
    }
  })

  it('by default a tiny fit stays on one thread and a large one takes at most two', () => {
    expect(defaultIalsThreads(1000, 16)).toBe(1)
    expect(defaultIalsThreads(1_000_000, 64)).toBe(Math.min(2, availableParallelism()))
  })
})
