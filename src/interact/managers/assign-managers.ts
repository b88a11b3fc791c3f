import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import { assignPortfolios } from './assign-portfolios.js'
import { loadTieredCustomers } from './customer-tiers.js'

export interface AssignmentReport {
  readonly tierSource: 'scores' | 'revenue'
  readonly assigned: number
  readonly kept: number
  readonly unassigned: readonly string[]
  readonly perManager: Readonly<Record<string, number>>
}

/** Reads tiers, plans balanced portfolios over the active managers, and records the plan. */
export async function assignManagers(
  db: Kysely<Database>,
  options: { readonly mvcShare?: number } = {},
): Promise<AssignmentReport> {
  const tiers = await loadTieredCustomers(db, options)
  const managers = await db
    .selectFrom('managers')
    .select(['id', 'capacity'])
    .where('active', '=', 1)
    .orderBy('id')
    .execute()
  const plan = assignPortfolios(tiers.customers, managers)
  const byManager = new Map<string, string[]>()
  for (const a of plan.assignments) {
    if (a.action !== 'assigned') continue
    byManager.set(a.managerId, [...(byManager.get(a.managerId) ?? []), a.customerId])
  }
  await db.transaction().execute(async (trx) => {
    for (const [managerId, ids] of byManager) {
      for (let start = 0; start < ids.length; start += 1000) {
        await trx
          .updateTable('customers')
          .set({ manager_id: managerId })
          .where('id', 'in', ids.slice(start, start + 1000))
          .execute()
      }
    }
  })
  const perManager: Record<string, number> = {}
  for (const a of plan.assignments) perManager[a.managerId] = (perManager[a.managerId] ?? 0) + 1
  return {
    tierSource: tiers.source,
    assigned: plan.assignments.filter((a) => a.action === 'assigned').length,
    kept: plan.assignments.filter((a) => a.action === 'kept').length,
    unassigned: plan.unassigned,
    perManager,
  }
}
