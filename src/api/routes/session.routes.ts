import { z } from 'zod'
import { READ_ROLES, ROLES } from '../../core/roles.js'
import type { RouteContext, ZodApp } from '../app-deps.js'
import { COMMON_ERRORS } from '../error-body.js'

/** `GET /v1/me`: who a secret key speaks for, so the dashboard can sign in with it. */
export function registerSessionRoutes(app: ZodApp, { requireRoles }: RouteContext): void {
  app.get(
    '/v1/me',
    {
      preHandler: requireRoles(...READ_ROLES),
      schema: {
        tags: ['system'],
        summary: 'The key’s name, role and manager',
        security: [{ secretKey: [] }],
        response: {
          200: z.object({
            name: z.string(),
            role: z.enum(ROLES),
            managerId: z.string().nullable(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    (request) => {
      const key = request.apiKey
      if (key === null) throw new Error('requireRoles let a request through without a key')
      return { name: key.name, role: key.role, managerId: key.managerId }
    },
  )
}
