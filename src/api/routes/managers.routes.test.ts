import { afterEach, expect, it } from 'vitest'
import { ingestEvents } from '../../identify/ingest-events.js'
import { startInteractApp, type InteractApp } from '../../../test-support/interact-app.js'
import { describeEachEngine } from '../../../test-support/test-store.js'

interface Task {
  id: string
  customerId: string
  rule: string
}

describeEachEngine('managers API', (current) => {
  let env: InteractApp | null = null
  afterEach(async () => {
    await env?.close()
    env = null
  })

  it('assigns portfolios and keeps each manager to their own customers and tasks', async () => {
    env = await startInteractApp(current())
    const { app, admin, auth, store, clock, managerKey } = env
    await ingestEvents(
      { store, clock },
      [500, 400, 300, 200].map((total, i) => ({
        type: 'track',
        userId: `buyer${i}`,
        event: 'Order Completed',
        properties: { order_id: `o${i}`, total, products: [] },
      })),
    )
    const made = await Promise.all(
      ['Ana', 'Bo'].map((name) =>
        app.inject({
          method: 'POST',
          url: '/v1/managers',
          headers: auth(admin),
          payload: { name },
        }),
      ),
    )
    expect(made.map((m) => m.statusCode)).toEqual([201, 201])
    const [ana, bo] = made.map((m) => m.json<{ id: string }>().id) as [string, string]
    const assigned = await app.inject({
      method: 'POST',
      url: '/v1/managers/assign?mvcShare=0.5',
      headers: auth(admin),
    })
    expect(assigned.json()).toMatchObject({ tierSource: 'revenue', assigned: 2 })

    const anaKey = await managerKey(ana)
    const mine = await app.inject({ url: '/v1/managers/me/portfolio', headers: auth(anaKey) })
    expect(mine.statusCode).toBe(200)
    const customers = mine.json<{ customers: { customerId: string }[] }>().customers
    expect(customers).toHaveLength(1)
    const own = customers[0]!.customerId
    expect(
      (await app.inject({ url: `/v1/customers/${own}`, headers: auth(anaKey) })).statusCode,
    ).toBe(200)

    const theirs = await app.inject({ url: `/v1/managers/${bo}/portfolio`, headers: auth(anaKey) })
    expect(theirs.statusCode).toBe(403)
    const boCustomer = (
      await app.inject({ url: `/v1/managers/${bo}/portfolio`, headers: auth(admin) })
    ).json<{ customers: { customerId: string }[] }>().customers[0]!.customerId
    expect(
      (await app.inject({ url: `/v1/customers/${boCustomer}`, headers: auth(anaKey) })).statusCode,
    ).toBe(403)
    expect(
      (await app.inject({ method: 'POST', url: '/v1/managers/assign', headers: auth(anaKey) }))
        .statusCode,
    ).toBe(403)

    // Negative feedback from both top customers raises a task for each manager.
    for (const customer of [own, boCustomer]) {
      await app.inject({
        method: 'POST',
        url: `/v1/customers/${customer}/messages`,
        headers: auth(admin),
        payload: { kind: 'complaint', text: 'Not happy' },
      })
    }
    const run = await app.inject({
      method: 'POST',
      url: '/v1/tasks/run',
      headers: auth(admin),
      payload: {},
    })
    expect(run.json<{ rules: { rule: string; raised: number }[] }>().rules).toMatchObject([
      { rule: 'palive_drop', raised: 0 },
      { rule: 'negative_feedback', raised: 2 },
      { rule: 'unanswered_question', raised: 0 },
    ])
    const tasks = (
      await app.inject({ url: '/v1/managers/me/tasks?status=open', headers: auth(anaKey) })
    ).json<{ tasks: Task[] }>().tasks
    expect(tasks.map((t) => [t.customerId, t.rule])).toEqual([[own, 'negative_feedback']])
    const done = await app.inject({
      method: 'PATCH',
      url: `/v1/tasks/${tasks[0]!.id}`,
      headers: auth(anaKey),
      payload: { status: 'done' },
    })
    expect(done.json()).toMatchObject({ status: 'done' })
    const boTasks = (
      await app.inject({ url: `/v1/managers/${bo}/tasks`, headers: auth(admin) })
    ).json<{ tasks: Task[] }>().tasks
    const foreign = await app.inject({
      method: 'PATCH',
      url: `/v1/tasks/${boTasks[0]!.id}`,
      headers: auth(anaKey),
      payload: { status: 'done' },
    })
    expect(foreign.statusCode).toBe(403)
    expect(
      (await app.inject({ url: '/v1/managers/mgr_nope/tasks', headers: auth(admin) })).statusCode,
    ).toBe(404)

    // A customer's own manager and tasks, as the 360 page shows them.
    const care = await app.inject({ url: `/v1/customers/${own}/tasks`, headers: auth(anaKey) })
    expect(care.statusCode).toBe(200)
    expect(
      care.json<{ customerId: string; manager: { id: string; name: string }; tasks: unknown[] }>(),
    ).toMatchObject({
      customerId: own,
      manager: { id: ana, name: 'Ana' },
      tasks: [{ customerId: own, rule: 'negative_feedback', status: 'done' }],
    })
    const openOnly = await app.inject({
      url: `/v1/customers/${boCustomer}/tasks?status=open`,
      headers: auth(admin),
    })
    expect(openOnly.json<{ manager: { id: string }; tasks: Task[] }>()).toMatchObject({
      manager: { id: bo },
      tasks: [{ customerId: boCustomer, rule: 'negative_feedback' }],
    })
    expect(
      (await app.inject({ url: `/v1/customers/${boCustomer}/tasks`, headers: auth(anaKey) }))
        .statusCode,
    ).toBe(403)
    const unmanaged = await app.inject({ url: '/v1/customers/buyer3/tasks', headers: auth(admin) })
    expect(unmanaged.json()).toMatchObject({ manager: null, tasks: [] })
    expect(
      (await app.inject({ url: '/v1/customers/nobody/tasks', headers: auth(admin) })).statusCode,
    ).toBe(404)
  })
})
