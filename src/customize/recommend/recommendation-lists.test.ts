import { describe, expect, it } from 'vitest'
import { buildInteractionMatrix, type InteractionRow } from './interaction-matrix.js'
import { fitIals } from './ials.js'
import { fitItemKnn } from './item-knn.js'
import { fitPopularity } from './popularity.js'
import type { Recommender } from './recommender.js'
import {
  recommendList,
  type ActivityEvent,
  type CustomerActivity,
  type ListRequest,
  type ProductFacts,
  type RecommendationList,
  type RecommendationModel,
} from './recommendation-lists.js'

/**
 * A small shop: two families of products that are bought together (a1..a4 garden, b1..b4
 * kitchen), plus z1 that few buy. Customers buy within one family.
 */
const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 23, 12) // Monday of ISO week 2026-W48
const families = { a: ['a1', 'a2', 'a3', 'a4'], b: ['b1', 'b2', 'b3', 'b4'] }
const rows: InteractionRow[] = []
for (let c = 0; c < 40; c++) {
  const fam = c % 2 === 0 ? families.a : families.b
  fam.forEach((item, k) => {
    if ((c + k) % 4 !== 3)
      rows.push({ customer: `c${c}`, item, kind: 'purchase', value: 1, time: k })
  })
  if (c % 10 === 5)
    rows.push({ customer: `c${c}`, item: 'z1', kind: 'purchase', value: 1, time: 9 })
}
const data = buildInteractionMatrix(rows, { binary: true })
const rm: RecommendationModel = {
  model: fitItemKnn(data.matrix, { neighbours: 10, shrinkage: 0 }),
  itemIds: data.itemIds,
  itemIndex: data.itemIndex,
  popularity: (() => {
    const p = new Float64Array(data.itemIds.length)
    fitPopularity(data.matrix).score({ items: new Int32Array(0), values: new Float64Array(0) }, p)
    return p
  })(),
  segmentPopularity: new Map([
    [
      'GB',
      Float64Array.from(
        data.itemIds.map((id) => (id === 'z1' ? 100 : id.startsWith('b') ? 10 : 1)),
      ),
    ],
  ]),
}

function product(id: string, over: Partial<ProductFacts> = {}): ProductFacts {
  return {
    id,
    name: id.toUpperCase(),
    inStock: true,
    repeatable: false,
    category: id.startsWith('a') ? 'Garden > Tools' : 'Kitchen',
    price: Number(id.slice(1)) * 10,
    ...over,
  }
}
const catalog = new Map(data.itemIds.map((id) => [id, product(id)]))

const bought = (...ids: string[]): ActivityEvent[] =>
  ids.map((productId, k) => ({ productId, kind: 'purchase', time: NOW - (10 - k) * DAY }))

function run(
  activity: Partial<CustomerActivity>,
  request: Partial<ListRequest>,
  products: ReadonlyMap<string, ProductFacts> = catalog,
): RecommendationList {
  const res = recommendList(
    rm,
    products,
    { customerId: 'x', events: [], ...activity },
    { list: 'for-you', n: 5, now: NOW, ...request },
  )
  if (!res.ok) throw new Error(`unexpected error ${JSON.stringify(res.error)}`)
  return res.value
}

const ids = (l: RecommendationList): string[] => l.items.map((i) => i.productId)

describe('recommendation lists', () => {
  it('for-you suggests the rest of the family, not what was bought, each with its reason', () => {
    const l = run({ events: bought('a1', 'a2') }, { n: 2 })
    expect(ids(l).sort()).toEqual(['a3', 'a4'])
    for (const item of l.items) {
      expect(item.reason.code).toBe('because-you-bought')
      expect(['a1', 'a2']).toContain(item.reason.seedProductId)
      expect(item.reason.text).toMatch(/^Because you bought A[12]$/)
    }
  })

  it('repeatable products may come back; out-of-stock ones never', () => {
    const products = new Map(catalog)
    products.set('a1', product('a1', { repeatable: true }))
    products.set('a3', product('a3', { inStock: false }))
    const l = run({ events: bought('a1', 'a2') }, { n: 3 }, products)
    expect(ids(l)).toContain('a1')
    expect(ids(l)).not.toContain('a3')
    expect(ids(l)).not.toContain('a2')
  })

  it('because-you-bought starts from the latest purchase and names it', () => {
    const l = run({ events: bought('b1', 'a1') }, { list: 'because-you-bought', n: 3 })
    expect(ids(l).sort()).toEqual(['a2', 'a3', 'a4'])
    expect(l.items[0]!.reason).toEqual({
      code: 'because-you-bought',
      text: 'Because you bought A1',
      seedProductId: 'a1',
    })
    const fromB = run(
      { events: bought('b1', 'a1') },
      { list: 'because-you-bought', seedProductId: 'b1', n: 1 },
    )
    expect(ids(fromB)[0]).toMatch(/^b/)
  })

  it('a skip removes the item at once and pushes its close neighbours down', () => {
    const before = run({ events: bought('a1') }, { n: 8 })
    expect(ids(before).slice(0, 3).sort()).toEqual(['a2', 'a3', 'a4'])
    const after = run(
      {
        events: [
          ...bought('a1'),
          { productId: 'a2', kind: 'dismiss', time: NOW - DAY },
          { productId: 'a3', kind: 'skip', time: NOW - DAY },
        ],
      },
      { n: 8 },
    )
    expect(ids(after)).not.toContain('a2')
    expect(ids(after)).not.toContain('a3')
    const a4Before = before.items.find((i) => i.productId === 'a4')!.score
    const a4After = after.items.find((i) => i.productId === 'a4')?.score ?? -Infinity
    expect(a4After).toBeLessThan(a4Before)
  })

  it('iALS scores and finds the skipped items neighbours in one pass, to the same list', () => {
    const ials = fitIals(data.matrix, {
      factors: 4,
      regularization: 1,
      alpha: 2,
      iterations: 8,
      threads: 1,
    })
    expect(typeof ials.scoreAndSimilar).toBe('function')
    // The same model without the fused pass: score, then similar per negative item.
    const separate: Recommender = {
      kind: ials.kind,
      itemCount: ials.itemCount,
      params: ials.params,
      score: (h, out) => {
        ials.score(h, out)
      },
      similar: (item, out) => {
        ials.similar(item, out)
      },
      pairSimilarity: (a, b) => ials.pairSimilarity(a, b),
      exportState: () => ials.exportState(),
    }
    const activity: CustomerActivity = {
      customerId: 'x',
      events: [
        ...bought('a1', 'b1'),
        { productId: 'a3', kind: 'skip', time: NOW - DAY },
        { productId: 'b2', kind: 'dismiss', time: NOW - DAY },
      ],
    }
    const listOf = (model: Recommender): RecommendationList => {
      const res = recommendList({ ...rm, model }, catalog, activity, {
        list: 'for-you',
        n: 5,
        now: NOW,
      })
      if (!res.ok) throw new Error(JSON.stringify(res.error))
      return res.value
    }
    const fused = listOf(ials)
    // Nine products less two bought, one skipped and one dismissed.
    expect(fused.items).toHaveLength(5)
    expect(ids(fused)).not.toContain('a3')
    expect(fused).toEqual(listOf(separate))
    // The fused similarities equal similar() bit for bit.
    const n = ials.itemCount
    const scores = new Float64Array(n)
    const sims = new Float64Array(n)
    const want = new Float64Array(n)
    const history = { items: Int32Array.from([0, 1]), values: Float64Array.from([1, 1]) }
    ials.scoreAndSimilar!(history, scores, 2, sims)
    ials.similar(2, want)
    expect(Array.from(sims)).toEqual(Array.from(want))
    ials.score(history, want)
    expect(Array.from(scores)).toEqual(Array.from(want))
  })

  it('a liked item becomes a seed', () => {
    const l = run({ events: [{ productId: 'b2', kind: 'like', time: NOW - DAY }] }, { n: 3 })
    expect(ids(l).every((id) => id.startsWith('b'))).toBe(true)
    expect(l.items[0]!.reason.code).toBe('because-you-liked')
    const byb = run(
      { events: [{ productId: 'b2', kind: 'like', time: NOW - DAY }] },
      { list: 'because-you-bought', n: 1 },
    )
    expect(byb.items[0]!.reason.text).toBe('Because you liked B2')
  })

  it('filters by category (with sub-categories) and price', () => {
    const l = run({ events: bought('a1', 'b1') }, { n: 10, category: 'Garden', maxPrice: 30 })
    expect(ids(l).sort()).toEqual(['a2', 'a3'])
  })

  it('discovery holds only new items, is stable within a week and renewed across weeks', () => {
    const activity = { customerId: 'c7', events: bought('a1') }
    const w1 = run(activity, { list: 'discovery', n: 4 })
    const w1Later = run(activity, { list: 'discovery', n: 4, now: NOW + 5 * DAY })
    expect(w1.week).toBe('2026-W48')
    expect(ids(w1)).not.toContain('a1')
    expect(ids(w1Later)).toEqual(ids(w1))
    const weeks = new Set<string>()
    for (let w = 0; w < 12; w++)
      weeks.add(ids(run(activity, { list: 'discovery', n: 4, now: NOW + w * 7 * DAY })).join())
    expect(weeks.size).toBeGreaterThan(1)
    expect(w1.items[0]!.reason.code).toBe('discovery')
  })

  it('newcomers get popular items, in their segment when known', () => {
    const l = run({ customerId: null }, { n: 1 })
    expect(l.items[0]!.reason.code).toBe('popular')
    const seg = run({ customerId: null, segment: 'GB' }, { n: 1 })
    expect(seg.items[0]).toMatchObject({ productId: 'z1', reason: { code: 'popular-in-segment' } })
  })

  it('anonymous visitors get suggestions from the session views', () => {
    const l = run({ customerId: null, sessionViews: ['b3'] }, { n: 2 })
    expect(ids(l).every((id) => id.startsWith('b') && id !== 'b3')).toBe(true)
    expect(l.items[0]!.reason).toMatchObject({ code: 'because-you-viewed', seedProductId: 'b3' })
  })

  it('a customer who bought everything gets an honest empty list', () => {
    const l = run({ events: bought(...data.itemIds) }, { n: 5 })
    expect(l.items).toEqual([])
    expect(l.note).toMatch(/nothing left/)
  })

  it('an empty catalog gives an empty list with the reason', () => {
    const l = run({ events: bought('a1') }, {}, new Map())
    expect(l).toEqual({ list: 'for-you', items: [], note: 'the catalog is empty' })
  })

  it('rejects n out of range and unknown seed products', () => {
    const base = { customerId: 'x', events: [] }
    for (const n of [0, -1, 101, 1.5]) {
      const r = recommendList(rm, catalog, base, { list: 'popular', n, now: NOW })
      expect(r).toEqual({ ok: false, error: { type: 'invalid_n', n } })
    }
    const r = recommendList(rm, catalog, base, {
      list: 'because-you-bought',
      n: 3,
      seedProductId: 'nope',
      now: NOW,
    })
    expect(r).toEqual({ ok: false, error: { type: 'unknown_product', productId: 'nope' } })
  })
})
