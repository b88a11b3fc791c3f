import { describe, expect, it } from 'vitest'
import { RecentValue } from './recent-value.js'

describe('RecentValue', () => {
  it('computes once per period, shares a computation in flight, and retries after a failure', async () => {
    let clock = 0
    let calls = 0
    let fail = false
    const value = new RecentValue(
      () => {
        calls += 1
        return fail ? Promise.reject(new Error('down')) : Promise.resolve(calls)
      },
      1000,
      () => clock,
    )
    const [a, b] = await Promise.all([value.get(), value.get()])
    expect([a, b, calls]).toEqual([1, 1, 1])
    clock = 999
    expect(await value.get()).toBe(1)
    clock = 1000
    expect(await value.get()).toBe(2)
    fail = true
    clock = 2500
    await expect(value.get()).rejects.toThrow('down')
    fail = false
    expect(await value.get()).toBe(4)
    expect(calls).toBe(4)
  })
})
