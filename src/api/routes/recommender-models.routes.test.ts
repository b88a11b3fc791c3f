import { afterEach, expect, it } from 'vitest'
import { openTestApp, type TestApp } from '../../../test-support/test-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'
import { manualClock } from '../../core/clock.js'
import { evaluateShopAndStore } from '../../customize/recommend/evaluations.repository.js'
import { trainAndStoreRecommender } from '../../customize/recommend/recommendation-service.js'
import { ingestEvents } from '../../identify/ingest-events.js'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 2, 1)

describeEachEngine('GET /v1/recommendations/models and /evaluations', (current) => {
  let t: TestApp | null = null
  afterEach(async () => {
    await t?.app.close()
    t = null
  })

  it("lists model versions and the kept evaluations of the shop's own history", async () => {
    const app = (t = await openTestApp(current()))
    const store = current()
    const clock = manualClock(T0 + 60 * DAY)
    const headers = { authorization: app.bearer }
    const empty = await app.app.inject({ url: '/v1/recommendations/evaluations', headers })
    expect(empty.json()).toEqual({ evaluations: [] })

    // 30 customers, two tastes; three orders in the first month, one in the last ten days.
    const events = []
    for (let c = 0; c < 30; c++) {
      const group = c % 2 === 0 ? 'g' : 'k'
      const picks = [0, 1 + (c % 5), 1 + ((c + 2) % 5), 1 + ((c + 4) % 5)]
      for (const [n, item] of picks.entries()) {
        const day = n < 3 ? n * 7 : 45
        events.push({
          type: 'track' as const,
          userId: `u${c}`,
          event: 'Order Completed',
          timestamp: new Date(T0 + day * DAY).toISOString(),
          messageId: `m-${c}-${n}`,
          properties: {
            order_id: `o-${c}-${n}`,
            total: 10,
            currency: 'EUR',
            products: [{ product_id: `${group}${item}`, price: 10, quantity: 1 }],
          },
        })
      }
    }
    await ingestEvents({ store, clock }, events)

    const stored = await evaluateShopAndStore(
      { db: store.db, clock },
      { holdoutDays: 10, models: ['popularity', 'item-knn'] },
    )
    await trainAndStoreRecommender({ db: store.db, clock }, { kind: 'popularity' })

    const listed = await app.app.inject({ url: '/v1/recommendations/evaluations', headers })
    expect(listed.statusCode).toBe(200)
    const [evaluation, ...rest] = listed.json<{
      evaluations: {
        id: string
        split: string
        customers: number
        evaluatedCustomers: number
        models: Record<string, Record<string, number>>
      }[]
    }>().evaluations
    expect(rest).toEqual([])
    expect(evaluation).toMatchObject({
      id: stored.id,
      customers: 30,
      evaluatedCustomers: stored.report.evaluatedCustomers,
    })
    expect(evaluation!.split).toContain('last 10 days')
    expect(evaluation!.evaluatedCustomers).toBeGreaterThan(0)
    expect(Object.keys(evaluation!.models).sort()).toEqual(['item-knn', 'popularity'])
    expect(evaluation!.models['item-knn']!['ndcg@10']).toBeGreaterThan(
      evaluation!.models['popularity']!['ndcg@10']!,
    )

    const models = await app.app.inject({ url: '/v1/recommendations/models', headers })
    expect(models.json<{ models: { kind: string; version: number }[] }>().models).toMatchObject([
      { kind: 'popularity', version: 1 },
    ])
    const refused = await app.app.inject({
      url: '/v1/recommendations/evaluations',
      headers: { authorization: app.basic },
    })
    expect(refused.statusCode).toBe(403)
    const badLimit = await app.app.inject({
      url: '/v1/recommendations/evaluations?limit=0',
      headers,
    })
    expect(badLimit.statusCode).toBe(400)
  })
})
