import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { TasksTable } from '../../store/tables/interact.table.js'

export const TASK_RULES = ['palive_drop', 'negative_feedback', 'unanswered_question'] as const
export type TaskRule = (typeof TASK_RULES)[number]

export const TASK_STATUSES = ['open', 'done', 'dismissed'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]

export interface Task {
  readonly id: string
  readonly customerId: string
  readonly managerId: string | null
  readonly rule: string
  readonly status: string
  readonly reason: string
  readonly dueAt: number
  readonly createdAt: number
}

function toTask(row: TasksTable): Task {
  return {
    id: row.id,
    customerId: row.customer_id,
    managerId: row.manager_id,
    rule: row.rule,
    status: row.status,
    reason: row.reason,
    dueAt: row.due_at,
    createdAt: row.created_at,
  }
}

export async function listTasks(
  db: Kysely<Database>,
  filter: {
    readonly managerId?: string
    readonly customerId?: string
    readonly status?: TaskStatus
  } = {},
): Promise<readonly Task[]> {
  let query = db.selectFrom('tasks').selectAll()
  if (filter.managerId !== undefined) query = query.where('manager_id', '=', filter.managerId)
  if (filter.customerId !== undefined) query = query.where('customer_id', '=', filter.customerId)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  const rows = await query.orderBy('due_at').orderBy('id').limit(1000).execute()
  return rows.map(toTask)
}

export async function getTask(db: Kysely<Database>, id: string): Promise<Task | null> {
  const row = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? null : toTask(row)
}

export async function setTaskStatus(
  db: Kysely<Database>,
  task: Task,
  status: TaskStatus,
  nowMs: number,
): Promise<Task> {
  await db
    .updateTable('tasks')
    .set({ status, updated_at: nowMs })
    .where('customer_id', '=', task.customerId)
    .where('id', '=', task.id)
    .execute()
  return { ...task, status }
}
