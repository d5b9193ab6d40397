// vitest globalSetup of the "server-postgres" project (vitest.config.ts): ONE
// throwaway PostgreSQL cluster for the whole run, started in vitest's main
// process before any test file of the project runs, its maintenance URL handed
// to the tests with provide/inject (test/helpers/test-database.ts makes each
// test hall a fresh DATABASE in it), destroyed at teardown. vitest runs a
// project's globalSetup only when that project has test files to run, so a
// run of counter tests alone starts no PostgreSQL.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster, type PostgresCluster } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://postgres@127.0.0.1:<port>/postgres of the run's cluster (superuser, trust). */
    halldeskPostgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const backend = project.config.env?.HALLDESK_TEST_BACKEND ?? process.env.HALLDESK_TEST_BACKEND;
  if (backend !== 'postgres') return undefined;
  // fsync off: see PostgresClusterOptions.fsync (throwaway data, speed).
  const cluster: PostgresCluster = await startPostgresCluster({ fsync: false });
  project.provide('halldeskPostgresUrl', cluster.url);
  return () => cluster.destroy();
}
