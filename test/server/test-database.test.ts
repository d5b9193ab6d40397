// The test matrix's plumbing (test/helpers/test-database.ts): in the "sqlite"
// project a test hall gets a file in its data folder; in "server-postgres" a
// fresh, empty database of the run's cluster of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshHallDatabase, onlyOnSqlite, testBackend } from '../helpers/test-database.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-test-database-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the test backend', () => {
  it('is the one this vitest project runs', () => {
    expect(testBackend()).toBe(process.env.HALLDESK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite');
    expect(testBackend({ HALLDESK_TEST_BACKEND: 'postgres' })).toBe('postgres');
    expect(testBackend({})).toBe('sqlite');
    expect(() => testBackend({ HALLDESK_TEST_BACKEND: 'mysql' })).toThrow(/sqlite or postgres/);
  });

  it.runIf(testBackend() === 'sqlite')('gives a SQLite hall the file hall.sqlite in its data folder', async () => {
    expect(await freshHallDatabase(dataDir)).toBe(join(dataDir, 'hall.sqlite'));
  });

  it.runIf(testBackend() === 'postgres')('gives each PostgreSQL hall a fresh, empty database of the run’s cluster', async () => {
    const cluster = new URL(inject('halldeskPostgresUrl'));
    const first = await freshHallDatabase(dataDir);
    const second = await freshHallDatabase(dataDir);
    expect(first).not.toBe(second);
    for (const target of [first, second]) {
      const url = new URL(target);
      expect(url.protocol).toBe('postgres:');
      expect(url.host).toBe(cluster.host);
      const client = new pg.Client(target);
      await client.connect();
      try {
        const { rows } = await client.query<{ db: string; tables: number }>(
          "SELECT current_database() AS db, (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables",
        );
        expect(rows).toEqual([{ db: url.pathname.slice(1), tables: 0 }]);
      } finally {
        await client.end();
      }
    }
  });
});

onlyOnSqlite('a test of the SQLite run itself')('onlyOnSqlite', () => {
  it('runs its tests on SQLite only', () => {
    expect(testBackend()).toBe('sqlite');
  });
});

describe('onlyOnSqlite().it', () => {
  onlyOnSqlite('a test of the SQLite run itself').it('runs on SQLite only', () => {
    expect(testBackend()).toBe('sqlite');
  });
});
