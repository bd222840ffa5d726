import { defineConfig } from 'vitest/config'

// Three projects, run in this order by `npm test` (scripts/test.mjs):
// unit (pure, in-process), integration (real relay and peer processes), browser (real Chromium).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 20_000,
          pool: 'forks'
        }
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          pool: 'forks',
          fileParallelism: false
        }
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
          globalSetup: ['tests/browser/global-setup.ts']
        }
      }
    ]
  }
})
