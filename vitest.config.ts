import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites start real daemons and real OpenSSH clients: one per core is plenty.
    maxWorkers: 2,
    // `npm run test:postgres`: the daemons of the suite on one throwaway PostgreSQL (test-store.ts).
    ...(process.env.TEST_STORE_ENGINE === 'postgres' ? { globalSetup: ['test/support/postgres-global-setup.ts'] } : {}),
  },
});
