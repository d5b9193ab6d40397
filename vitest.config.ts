import { defineConfig } from 'vitest/config';

// Two projects (issue 19's test matrix): "sqlite" is every test as before (the
// hall server on SQLite files); "server-postgres" runs the hall server's suite
// again with each test hall in a PostgreSQL database of a throwaway cluster
// (test/helpers/postgres.ts, started once by the globalSetup). One project:
// `npx vitest run --project server-postgres test/server/x.test.ts`.
// The projects run one after the other (groupOrder): the PostgreSQL run's
// several-process tests would otherwise share the 2 cores of CI with the
// Chromium tests and make their waits flaky.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A page or a device updates over real transports: on CI's two loaded cores
    // that can take seconds (the default 1 s made a Chromium test fail there).
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'server-postgres',
          include: ['test/server/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          env: { HALLDESK_TEST_BACKEND: 'postgres' },
          globalSetup: ['./test/helpers/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
