import { sql } from 'kysely'
import { z } from 'zod'
import type { RouteContext, ZodApp } from '../app-deps.js'

export function registerHealthRoutes(app: ZodApp, { deps }: RouteContext): void {
  app.get(
    '/health',
    {
      config: { ingestBarrier: false },
      schema: {
        tags: ['system'],
        summary: 'Liveness and database reachability',
        response: {
          200: z.object({ status: z.literal('ok'), engine: z.string() }),
        },
      },
    },
    async () => {
      await sql`SELECT 1`.execute(deps.store.db)
      return { status: 'ok' as const, engine: deps.store.capabilities.engine }
    },
  )
}
