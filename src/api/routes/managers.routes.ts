import { z } from 'zod'
import { notFound, RequestError } from '../../core/errors.js'
import type { ApiKey } from '../../store/api-keys.repository.js'
import { assignManagers } from '../../interact/managers/assign-managers.js'
import {
  createManager,
  findManager,
  listManagers,
  listPortfolio,
} from '../../interact/managers/managers.repository.js'
import { runTaskRules } from '../../interact/managers/task-rules.js'
import {
  getTask,
  listTasks,
  setTaskStatus,
  TASK_STATUSES,
} from '../../interact/managers/tasks.repository.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS, ErrorBodySchema } from '../error-body.js'
import { accessibleCustomerId } from '../customer-access.js'

const ManagerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    capacity: z.number().nullable(),
    active: z.boolean(),
    portfolioSize: z.number(),
  })
  .meta({ id: 'Manager' })

const TaskSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    managerId: z.string().nullable(),
    rule: z.string().describe('palive_drop, negative_feedback or unanswered_question'),
    status: z.string(),
    reason: z.string(),
    dueAt: z.number(),
    createdAt: z.number(),
  })
  .meta({ id: 'Task' })

const ERRORS = { ...COMMON_ERRORS, 404: ErrorBodySchema }
const ManagerParams = z.object({
  managerId: z.string().min(1).max(200).describe('a manager id, or `me` with a manager key'),
})

/**
 * A manager key may only name its own manager (`me` or its id); admins and analysts name any.
 */
async function resolveManager(
  deps: RouteContext['deps'],
  key: ApiKey | null,
  managerId: string,
): Promise<string> {
  if (key?.role === 'manager') {
    if (key.managerId !== null && (managerId === 'me' || managerId === key.managerId)) {
      return key.managerId
    }
    throw new RequestError('forbidden', 403, 'A manager sees only their own portfolio and tasks')
  }
  if (managerId === 'me') {
    throw new RequestError('invalid_input', 400, '`me` needs a manager key; name a manager id')
  }
  if ((await findManager(deps.store.db, managerId)) === null)
    throw notFound(`Manager "${managerId}"`)
  return managerId
}

export function registerManagerRoutes(app: ZodApp, { deps, requireRoles }: RouteContext): void {
  const { db } = deps.store
  const security = [{ secretKey: [] }]

  app.post(
    '/v1/managers',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags: ['managers'],
        summary: 'Add a customer manager (then: idic keys create --role manager --manager ID)',
        security,
        body: z.object({
          name: z.string().min(1).max(200),
          email: z.email().nullish(),
          capacity: z.number().int().min(1).max(1_000_000).nullish(),
        }),
        response: { 201: ManagerSchema, ...COMMON_ERRORS },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createManager(db, request.body, deps.clock.now())),
  )

  app.get(
    '/v1/managers',
    {
      preHandler: requireRoles('admin', 'analyst'),
      schema: {
        tags: ['managers'],
        summary: 'Managers with the size of their portfolios',
        security,
        response: {
          200: z.object({ managers: z.array(ManagerSchema).readonly() }),
          ...COMMON_ERRORS,
        },
      },
    },
    async () => ({ managers: await listManagers(db) }),
  )

  app.post(
    '/v1/managers/assign',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags: ['managers'],
        summary: 'Assign most valuable and most growable customers to managers, balanced',
        description:
          'Tiers come from the scores table when the value models have run, else from revenue (top share as MVC). Existing relationships are kept.',
        security,
        querystring: z.object({ mvcShare: z.coerce.number().min(0.001).max(1).default(0.2) }),
        response: {
          200: z.object({
            tierSource: z.enum(['scores', 'revenue']),
            assigned: z.number(),
            kept: z.number(),
            unassigned: z.array(z.string()).readonly(),
            perManager: z.record(z.string(), z.number()),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => assignManagers(db, { mvcShare: request.query.mvcShare }),
  )

  app.post(
    '/v1/tasks/run',
    {
      preHandler: requireRoles('admin'),
      schema: {
        tags: ['managers'],
        summary: 'Run the task rules (P(alive) drop, negative feedback, unanswered questions)',
        security,
        body: z
          .object({
            pAliveThreshold: z.number().min(0).max(1).optional(),
            negativeRating: z.number().min(1).max(5).optional(),
            unansweredHours: z
              .number()
              .min(0)
              .max(24 * 90)
              .optional(),
          })
          .default({}),
        response: {
          200: z.object({
            rules: z
              .array(
                z.object({ rule: z.string(), raised: z.number(), skipped: z.string().nullable() }),
              )
              .readonly(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (request) => ({ rules: await runTaskRules(db, deps.clock.now(), request.body) }),
  )

  app.get(
    '/v1/managers/:managerId/portfolio',
    {
      preHandler: requireRoles('admin', 'analyst', 'manager'),
      schema: {
        tags: ['managers'],
        summary: "A manager's customers, most valuable first, with open threads and tasks",
        security,
        params: ManagerParams,
        response: {
          200: z.object({
            managerId: z.string(),
            customers: z
              .array(
                z.object({
                  customerId: z.string(),
                  email: z.string().nullable(),
                  traits: z.record(z.string(), z.unknown()),
                  lastSeenAt: z.number(),
                  revenue: z.number(),
                  openThreads: z.number(),
                  openTasks: z.number(),
                }),
              )
              .readonly(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const managerId = await resolveManager(deps, request.apiKey, request.params.managerId)
      return { managerId, customers: await listPortfolio(db, managerId) }
    },
  )

  app.get(
    '/v1/managers/:managerId/tasks',
    {
      preHandler: requireRoles('admin', 'analyst', 'manager'),
      schema: {
        tags: ['managers'],
        summary: "A manager's tasks, soonest due first",
        security,
        params: ManagerParams,
        querystring: z.object({ status: z.enum(TASK_STATUSES).optional() }),
        response: { 200: z.object({ tasks: z.array(TaskSchema).readonly() }), ...ERRORS },
      },
    },
    async (request) => {
      const managerId = await resolveManager(deps, request.apiKey, request.params.managerId)
      const tasks = await listTasks(db, {
        managerId,
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
      })
      return { tasks }
    },
  )

  app.get(
    '/v1/customers/:identity/tasks',
    {
      preHandler: requireRoles('admin', 'analyst', 'manager'),
      schema: {
        tags: ['managers'],
        summary: "A customer's manager and tasks, open first and soonest due first",
        security,
        params: z.object({ identity: z.string().min(1).max(500) }),
        querystring: z.object({ status: z.enum(TASK_STATUSES).optional() }),
        response: {
          200: z.object({
            customerId: z.string(),
            manager: ManagerSchema.nullable().describe('null when nobody manages this customer'),
            tasks: z.array(TaskSchema).readonly(),
          }),
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const customerId = await accessibleCustomerId(db, request.apiKey, request.params.identity)
      const row = await db
        .selectFrom('customers')
        .select('manager_id')
        .where('id', '=', customerId)
        .executeTakeFirst()
      const managerId = row?.manager_id ?? null
      const tasks = await listTasks(db, {
        customerId,
        ...(request.query.status === undefined ? {} : { status: request.query.status }),
      })
      const open = (t: { status: string }): number => (t.status === 'open' ? 0 : 1)
      return {
        customerId,
        manager: managerId === null ? null : await findManager(db, managerId),
        tasks: [...tasks].sort((a, b) => open(a) - open(b)),
      }
    },
  )

  app.patch(
    '/v1/tasks/:taskId',
    {
      preHandler: requireRoles('admin', 'manager'),
      schema: {
        tags: ['managers'],
        summary: 'Mark a task done or dismissed (a manager only their own)',
        security,
        params: z.object({ taskId: z.string().min(1).max(200) }),
        body: z.object({ status: z.enum(TASK_STATUSES) }),
        response: { 200: TaskSchema, ...ERRORS },
      },
    },
    async (request) => {
      const task = await getTask(db, request.params.taskId)
      if (task === null) throw notFound(`Task "${request.params.taskId}"`)
      const key = request.apiKey
      if (key?.role === 'manager' && (key.managerId === null || task.managerId !== key.managerId)) {
        throw new RequestError('forbidden', 403, 'This task belongs to another manager')
      }
      return setTaskStatus(db, task, request.body.status, deps.clock.now())
    },
  )
}
