// `npm run server:postgres [-- --workers 4 …]`: the hall server on a
// PostgreSQL of this machine, in one command (issue 19, point 4).
//
// The cluster is Debian's postgresql (apt-get install postgresql), started by
// the same code the tests use (test/helpers/postgres.ts) in .halldesk-postgres/
// — initialised on first use, kept between runs, fsync on — with a database
// `halldesk` in it. The hall server runs with HALL_DATABASE_URL pointing
// there; every argument after `--` goes to it (`node server/main.ts --help`).
// Ctrl-C stops the server, then the cluster. A hall with a PostgreSQL of its
// own sets HALL_DATABASE_URL and runs `npm run server` instead.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import pg from 'pg';
import { startPostgresCluster } from '../test/helpers/postgres.ts';

const root = resolve(import.meta.dirname, '..');
const cluster = await startPostgresCluster({ dir: resolve(root, '.halldesk-postgres'), fsync: true });
const maintenance = new pg.Client({ connectionString: cluster.url });
await maintenance.connect();
try {
  await maintenance.query('CREATE DATABASE halldesk');
} catch (error) {
  // 42P04: it is there from an earlier run.
  if ((error as { code?: string }).code !== '42P04') throw error;
} finally {
  await maintenance.end();
}
const url = new URL(cluster.url);
url.pathname = '/halldesk';
console.log(`PostgreSQL：${url.toString()}（数据在 .halldesk-postgres/，Ctrl-C 停止服务器和数据库）`);

const server = spawn(process.execPath, ['server/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HALL_DATABASE_URL: url.toString() },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.kill(signal));
}
const [code] = (await once(server, 'exit')) as [number | null];
await cluster.stop();
process.exitCode = code ?? 1;
