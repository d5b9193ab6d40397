// Which database a test hall runs on: the test matrix (issue 19). The server
// suite (test/server/**) runs twice — vitest project "sqlite" (everything, the
// hall on a SQLite file) and "server-postgres" (HALLDESK_TEST_BACKEND=postgres,
// the hall in a fresh DATABASE of the run's throwaway cluster, started by
// test/helpers/postgres-global-setup.ts).
//
//   const target = await freshHallDatabase(dataDir);   // a file path or a postgres:// URL
//   onlyOnSqlite('WAL checkpoints are SQLite’s')('checkpoints', () => { … });
//   onlyOnSqlite('file modes of hall.sqlite').it('is 0600', () => { … });
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, inject, it } from 'vitest';
import { createDatabaseAt } from './postgres.ts';
import './postgres-global-setup.ts';

export type TestBackend = 'sqlite' | 'postgres';

/** The backend this test run's hall servers use: HALLDESK_TEST_BACKEND (default sqlite). */
export function testBackend(env: NodeJS.ProcessEnv = process.env): TestBackend {
  const backend = env.HALLDESK_TEST_BACKEND ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres') {
    throw new Error(`HALLDESK_TEST_BACKEND must be sqlite or postgres, not ${JSON.stringify(backend)}`);
  }
  return backend;
}

/** The run's PostgreSQL cluster (maintenance database URL), from the globalSetup. */
export function testPostgresUrl(): string {
  const url = inject('halldeskPostgresUrl');
  if (!url) {
    throw new Error(
      'HALLDESK_TEST_BACKEND=postgres but no PostgreSQL cluster was provided: run the tests through the ' +
        '"server-postgres" vitest project (npx vitest run --project server-postgres …), whose globalSetup starts it.',
    );
  }
  return url;
}

/**
 * Where a new test hall keeps its data: SQLite — `<dataDir>/hall.sqlite`;
 * PostgreSQL — the URL of a new, empty database (hall_<random>) in the run's
 * cluster. Each call gives a hall of its own; nothing is shared between tests.
 */
export async function freshHallDatabase(dataDir: string): Promise<string> {
  if (testBackend() === 'sqlite') return join(dataDir, 'hall.sqlite');
  // FILE_COPY: the test cluster runs with fsync off (postgres-global-setup.ts).
  return createDatabaseAt(testPostgresUrl(), `hall_${randomBytes(6).toString('hex')}`, { fileCopy: true });
}

type Body = () => void | Promise<void>;
export interface SqliteOnly {
  /** A describe block that runs on SQLite only; on PostgreSQL it is skipped, the reason in its title. */
  (name: string, body: () => void): void;
  /** The same for one test. */
  it(name: string, body: Body, timeout?: number): void;
}

/**
 * For tests of what only the SQLite backend has (its migrations, group
 * commit, WAL checkpoints, file modes): skipped in the PostgreSQL run, with
 * `reason` in the skipped title so the report says why.
 */
export function onlyOnSqlite(reason: string): SqliteOnly {
  const skip = testBackend() === 'postgres';
  const title = (name: string) => (skip ? `${name} [SQLite only: ${reason}]` : name);
  const block = (name: string, body: () => void): void => {
    describe.skipIf(skip)(title(name), body);
  };
  return Object.assign(block, {
    it: (name: string, body: Body, timeout?: number): void => {
      it.skipIf(skip)(title(name), body, timeout);
    },
  });
}
