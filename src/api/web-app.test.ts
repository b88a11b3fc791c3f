import { describe, expect, it } from 'vitest'
import { buildApp } from './app.js'
import { loadConfig } from '../config/config.js'
import { manualClock } from '../core/clock.js'
import { closeTestStore, openTestStore } from '../../test-support/test-store.js'

describe('dashboard serving without a build', () => {
  it('answers / with how to build it, and leaves the API alone', async () => {
    const store = await openTestStore('sqlite')
    const app = await buildApp(
      { store, clock: manualClock(0), config: loadConfig({}) },
      { webRoot: '/nonexistent/idic-web' },
    )
    try {
      const root = await app.inject({ method: 'GET', url: '/' })
      expect(root.statusCode).toBe(503)
      expect(root.body).toContain('npm run build')
      const api = await app.inject({ method: 'GET', url: '/v1/stats' })
      expect(api.statusCode).toBe(401)
      const openapi = await app.inject({ method: 'GET', url: '/openapi.json' })
      expect(openapi.statusCode).toBe(200)
    } finally {
      await app.close()
      await closeTestStore(store)
    }
  })
})
