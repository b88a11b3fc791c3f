import type { Kysely } from 'kysely'
import { newId } from '../../core/ids.js'
import { parseJsonObject, type JsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'

export interface Manager {
  readonly id: string
  readonly name: string
  readonly email: string | null
  readonly capacity: number | null
  readonly active: boolean
  readonly portfolioSize: number
}

export async function createManager(
  db: Kysely<Database>,
  input: {
    readonly name: string
    readonly email?: string | null | undefined
    readonly capacity?: number | null | undefined
  },
  nowMs: number,
): Promise<Manager> {
  const row = {
    id: newId('mgr', nowMs),
    name: input.name,
    email: input.email ?? null,
    capacity: input.capacity ?? null,
    active: 1,
    created_at: nowMs,
  }
  await db.insertInto('managers').values(row).execute()
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    capacity: row.capacity,
    active: true,
    portfolioSize: 0,
  }
}

export async function listManagers(db: Kysely<Database>): Promise<readonly Manager[]> {
  const rows = await db
    .selectFrom('managers')
    .leftJoin('customers', 'customers.manager_id', 'managers.id')
    .select((eb) => [
      'managers.id',
      'managers.name',
      'managers.email',
      'managers.capacity',
      'managers.active',
      eb.fn.count<number>('customers.id').as('portfolio'),
    ])
    .groupBy([
      'managers.id',
      'managers.name',
      'managers.email',
      'managers.capacity',
      'managers.active',
    ])
    .orderBy('managers.name')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    capacity: r.capacity,
    active: r.active === 1,
    portfolioSize: r.portfolio,
  }))
}

export async function findManager(db: Kysely<Database>, id: string): Promise<Manager | null> {
  return (await listManagers(db)).find((m) => m.id === id) ?? null
}

export interface PortfolioEntry {
  readonly customerId: string
  readonly email: string | null
  readonly traits: JsonObject
  readonly lastSeenAt: number
  readonly revenue: number
  readonly openThreads: number
  readonly openTasks: number
}

/** A manager's customers, most valuable (by revenue) first, with what needs attention. */
export async function listPortfolio(
  db: Kysely<Database>,
  managerId: string,
): Promise<readonly PortfolioEntry[]> {
  const customers = await db
    .selectFrom('customers')
    .select(['id', 'email', 'traits', 'last_seen_at'])
    .where('manager_id', '=', managerId)
    .execute()
  if (customers.length === 0) return []
  const ids = customers.map((c) => c.id)
  const [revenue, threads, tasks] = await Promise.all([
    db
      .selectFrom('orders')
      .select((eb) => [
        'customer_id',
        eb.fn.sum<number | string>(eb('total', '-', eb.ref('refunded'))).as('r'),
      ])
      .where('customer_id', 'in', ids)
      .where('status', '!=', 'cancelled')
      .groupBy('customer_id')
      .execute(),
    db
      .selectFrom('messages')
      .select((eb) => ['customer_id', eb.fn.countAll<number>().as('n')])
      .where('customer_id', 'in', ids)
      .where('status', '=', 'open')
      .groupBy('customer_id')
      .execute(),
    db
      .selectFrom('tasks')
      .select((eb) => ['customer_id', eb.fn.countAll<number>().as('n')])
      .where('customer_id', 'in', ids)
      .where('status', '=', 'open')
      .groupBy('customer_id')
      .execute(),
  ])
  const by = <T extends { customer_id: string }>(rows: T[]) =>
    new Map(rows.map((r) => [r.customer_id, r]))
  const rev = by(revenue)
  const open = by(threads)
  const todo = by(tasks)
  return customers
    .map((c) => ({
      customerId: c.id,
      email: c.email,
      traits: parseJsonObject(c.traits),
      lastSeenAt: c.last_seen_at,
      revenue: Number(rev.get(c.id)?.r ?? 0),
      openThreads: open.get(c.id)?.n ?? 0,
      openTasks: todo.get(c.id)?.n ?? 0,
    }))
    .sort((a, b) => b.revenue - a.revenue || a.customerId.localeCompare(b.customerId))
}
