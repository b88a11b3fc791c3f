import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['test-support/global-setup.ts'],
    include: ['src/**/*.test.ts', 'test-support/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
