// The throwaway PostgreSQL cluster of tests and benches (test/helpers/postgres.ts):
// a real cluster, started, crashed, restarted and removed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findPostgresBinDir,
  PostgresNotInstalledError,
  startPostgresCluster,
  type PostgresCluster,
} from '../helpers/postgres.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const postmasterPid = (cluster: PostgresCluster) =>
  Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('a throwaway PostgreSQL cluster', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('listens on 127.0.0.1 and a port of its own, with its socket and data in its folder', async () => {
    expect(cluster.host).toBe('127.0.0.1');
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    expect(existsSync(join(cluster.socketDir, `.s.PGSQL.${cluster.port}`))).toBe(true);
    expect(existsSync(join(cluster.dataDir, 'PG_VERSION'))).toBe(true);
    const [settings] = await query<{ fsync: string; listen: string; encoding: string }>(
      cluster.url,
      "SELECT current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = 'postgres'",
    );
    expect(settings).toEqual({ fsync: 'off', listen: '127.0.0.1', encoding: 'UTF8' });
  });

  it('creates databases that are fresh, empty and apart from each other', async () => {
    const first = await cluster.createDatabase();
    const second = await cluster.createDatabase();
    expect(first).not.toBe(second);
    await query(first, 'CREATE TABLE marker (id integer PRIMARY KEY); INSERT INTO marker VALUES (1)');
    const [a] = await query<{ db: string }>(first, 'SELECT current_database() AS db');
    const [b] = await query<{ db: string }>(second, 'SELECT current_database() AS db');
    expect(a!.db).not.toBe(b!.db);
    expect(await query(first, 'SELECT id FROM marker')).toEqual([{ id: 1 }]);
    expect(await query(second, "SELECT * FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
    await expect(cluster.createDatabase(a!.db)).rejects.toThrow(/already exists/);
    await expect(cluster.createDatabase('Robert"; DROP DATABASE postgres; --')).rejects.toThrow(/数据库名不正确/);
  });

  it('keeps its data across stop and start, on the same port', async () => {
    const url = await cluster.createDatabase('kept_across_stop');
    await query(url, "CREATE TABLE t (v text); INSERT INTO t VALUES ('叫号')");
    const port = cluster.port;
    const pid = postmasterPid(cluster);
    await cluster.stop();
    expect(cluster.running).toBe(false);
    expect(alive(pid)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow();
    await cluster.start();
    expect(cluster.running).toBe(true);
    expect(cluster.port).toBe(port);
    expect(await query(url, 'SELECT v FROM t')).toEqual([{ v: '叫号' }]);
  });

  it('recovers after kill -9 of the postmaster, with every committed row', async () => {
    const url = await cluster.createDatabase();
    await query(url, 'CREATE TABLE t (n integer)');
    // Committed just before the crash: written to the WAL, never flushed (fsync off).
    await query(url, 'INSERT INTO t SELECT generate_series(1, 1000)');
    const pid = postmasterPid(cluster);
    await cluster.kill();
    expect(alive(pid)).toBe(false);
    expect(cluster.running).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow();
    await cluster.start();
    expect(await query(url, 'SELECT count(*)::int AS n, sum(n)::int AS total FROM t')).toEqual([{ n: 1000, total: 500500 }]);
    const log = readFileSync(join(cluster.dir, 'postgres.log'), 'utf8');
    expect(log).toMatch(/was not properly shut down; automatic recovery in progress/);
  });
});

describe('when it cannot start', () => {
  it('says PostgreSQL is not installed, in Chinese and English, with the command to install it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'halldesk-no-pg-'));
    try {
      mkdirSync(join(empty, '15', 'bin'), { recursive: true }); // a version folder without the binaries
      expect(() => findPostgresBinDir([empty], {})).toThrow(PostgresNotInstalledError);
      expect(() => findPostgresBinDir([empty], {})).toThrow(/PostgreSQL 未安装.*apt-get install postgresql.*PostgreSQL is not installed/s);
      await expect(startPostgresCluster({ binDir: join(empty, '15', 'bin') })).rejects.toThrow(/PostgreSQL 未安装/);
      expect(() => findPostgresBinDir(['/usr/lib/postgresql'], { HALLDESK_POSTGRES_BIN: empty })).toThrow(
        new RegExp(`PostgreSQL 未安装：在 ${empty} 找不到`),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('takes the newest installed version', () => {
    const root = mkdtempSync(join(tmpdir(), 'halldesk-pg-versions-'));
    try {
      for (const version of ['9.6', '13', '15', '16']) {
        const bin = join(root, version, 'bin');
        mkdirSync(bin, { recursive: true });
        if (version !== '16') for (const name of ['initdb', 'postgres']) writeFileSync(join(bin, name), '');
      }
      expect(findPostgresBinDir([root], {})).toBe(join(root, '15', 'bin'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a port that is in use when asked for that port, saying why', async () => {
    // (With no port asked for, a port taken between its choice and the bind is replaced by another.)
    const holder = await startPostgresCluster();
    try {
      await expect(startPostgresCluster({ port: holder.port })).rejects.toThrow(/PostgreSQL 没有启动.*Address already in use/s);
    } finally {
      await holder.destroy();
    }
  });
});

describe('nothing outlives the process that started it', () => {
  it('a cluster whose starter is killed with SIGKILL is stopped and its folder removed', async () => {
    const script = `
      import { startPostgresCluster } from ${JSON.stringify(join(import.meta.dirname, '../helpers/postgres.ts'))};
      const cluster = await startPostgresCluster();
      const pid = (await import('node:fs')).readFileSync(cluster.dataDir + '/postmaster.pid', 'utf8').split('\\n')[0];
      console.log(JSON.stringify({ dir: cluster.dir, pid: Number(pid) }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`starter exited ${code} before the cluster was up`)));
    });
    const { dir, pid } = JSON.parse(line) as { dir: string; pid: number };
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    // The watchdog notices the closed pipe, stops the postmaster and removes the folder.
    await expect.poll(() => alive(pid), { timeout: 20_000, interval: 50 }).toBe(false);
    await expect.poll(() => existsSync(dir), { timeout: 20_000, interval: 50 }).toBe(false);
  });
});
