import { describe, expect, it } from 'vitest'
import { matchConversions, type CandidateOrder } from './match-conversions.js'

const DAY = 86_400_000
const order = (orderId: string, placedAt: number, customerId = 'c1'): CandidateOrder => ({
  customerId,
  orderId,
  placedAt,
  revenue: 10,
  currency: 'EUR',
})

describe('matchConversions', () => {
  it('credits the most recent delivery sent within the window before the order', () => {
    const deliveries = [
      { id: 'd1', customerId: 'c1', sentAt: 0 },
      { id: 'd2', customerId: 'c1', sentAt: 2 * DAY },
      { id: 'd3', customerId: 'c1', sentAt: 5 * DAY },
      { id: 'd4', customerId: 'c2', sentAt: 3 * DAY },
    ]
    const matches = matchConversions(deliveries, [order('o1', 4 * DAY)], 7 * DAY)
    expect(matches.map((m) => m.deliveryId)).toEqual(['d2'])
  })

  it('gives a second order the next unconverted delivery, in order time not arrival order', () => {
    const deliveries = [
      { id: 'd1', customerId: 'c1', sentAt: 0 },
      { id: 'd2', customerId: 'c1', sentAt: DAY },
    ]
    const matches = matchConversions(
      deliveries,
      [order('late', 3 * DAY), order('early', 2 * DAY), order('third', 4 * DAY)],
      7 * DAY,
    )
    expect(matches.map((m) => [m.order.orderId, m.deliveryId])).toEqual([
      ['early', 'd2'],
      ['late', 'd1'],
    ])
  })

  it('ignores orders before the send, after the window, and of other customers', () => {
    const deliveries = [{ id: 'd1', customerId: 'c1', sentAt: 10 * DAY }]
    expect(
      matchConversions(
        deliveries,
        [
          order('before', 10 * DAY - 1),
          order('after', 17 * DAY + 1),
          order('other', 11 * DAY, 'c2'),
        ],
        7 * DAY,
      ),
    ).toEqual([])
    // The window's edge is inside it.
    expect(matchConversions(deliveries, [order('edge', 17 * DAY)], 7 * DAY)).toHaveLength(1)
    expect(() => matchConversions(deliveries, [], Number.NaN)).toThrow(/NaN/)
  })
})
