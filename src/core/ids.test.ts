import { expect, it } from 'vitest'
import { newId, newIdsInOrder } from './ids.js'

it('newId: prefix, time in base 36, ten random characters', () => {
  expect(newId('cus', 1_700_000_000_000)).toMatch(/^cus_loyw3v28_[0-9a-z]{10}$/)
})

it('newIdsInOrder: distinct ids of one millisecond that sort in the order handed out', () => {
  const ids = newIdsInOrder('job', 2000, 1_700_000_000_000)
  expect(new Set(ids).size).toBe(2000)
  expect([...ids].sort()).toEqual(ids)
  // Plain newId calls within one millisecond do not sort in call order.
  const plain = Array.from({ length: 2000 }, () => newId('job', 1_700_000_000_000))
  expect([...plain].sort()).not.toEqual(plain)
})
