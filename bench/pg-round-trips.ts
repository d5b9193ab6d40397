// The PostgreSQL driver's round trips (issue 19): what one costs, and how many
// each hot route makes. Printed, never asserted.
//
//  1. One round trip of the synchronous driver (server/storage/postgres.ts:
//     libpq called synchronously on the main thread) against
//     the same statements with plain async `pg` on the main thread: a prepared
//     `SELECT 1`, and a small UPDATE in a write transaction (BEGIN + the
//     hall's write lock, UPDATE, COMMIT). Wall time and this process's CPU
//     (all threads) per statement / transaction.
//  2. The round trips each hot route makes (the real hall server, in this
//     process, on the demo hall): issue a ticket, call-next, complete (办结),
//     transfer (转业务) — in all, and while holding the hall's write lock.
//     Statements sent together (a transaction's opening with its first
//     statement) are one round trip.
//
// The cluster is a throwaway one with fsync off (test/helpers/postgres.ts's
// default), so a COMMIT measures the round trip, not the disk.
//
//   node bench/pg-round-trips.ts [--iterations 3000]
//   DUMP_STATEMENTS=1 node bench/pg-round-trips.ts --iterations 10   (also prints each statement of part 2)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createHallServer } from '../server/hall-server.ts';
import { openPostgresHallDatabase, PostgresLink } from '../server/storage/postgres.ts';
import { startPostgresCluster } from '../test/helpers/postgres.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../test/helpers/hall-server.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '3000' } } });
const N = Number(values.iterations);

interface Timing {
  wallUs: number;
  cpuUs: number;
}

/** Mean wall and CPU time of one call of `fn`, over N calls after N/10 to warm up. */
async function measure(fn: () => unknown): Promise<Timing> {
  for (let i = 0; i < N / 10; i++) await fn();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallUs: (wall * 1000) / N, cpuUs: (used.user + used.system) / N };
}

const show = (what: string, t: Timing) =>
  console.log(
    `  ${what.padEnd(44)} ${t.wallUs.toFixed(1).padStart(7)} µs wall  ${t.cpuUs.toFixed(1).padStart(7)} µs CPU`,
  );

const cluster = await startPostgresCluster();
const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-pg-round-trips-'));
try {
  console.log(
    `pg-round-trips: ${N} iterations; machine load ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // ---- 1. one round trip ----------------------------------------------------
  const url = await cluster.createDatabase();
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    'CREATE TABLE bench_counter (id integer PRIMARY KEY, n integer NOT NULL); INSERT INTO bench_counter VALUES (1, 0)',
  );

  const db = openPostgresHallDatabase(url);
  const selectOne = db.prepare('SELECT 1 AS one');
  const bump = db.prepare('UPDATE bench_counter SET n = n + 1 WHERE id = ?');
  const write = db.transaction(() => bump.run(1)).immediate;
  console.log('the synchronous driver (libpq on the main thread):');
  show('prepared SELECT 1', await measure(() => selectOne.get()));
  show('write transaction (BEGIN+lock, UPDATE, COMMIT)', await measure(() => write()));
  db.close();

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  console.log('plain async pg (same statements, awaited one by one):');
  show(
    'prepared SELECT 1',
    await measure(() => client.query({ name: 's1', text: 'SELECT 1 AS one', rowMode: 'array' })),
  );
  show(
    'write transaction (BEGIN+lock, UPDATE, COMMIT)',
    await measure(async () => {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${0x4844}, hashtext(current_schema()))`);
      await client.query({
        name: 'u1',
        text: 'UPDATE bench_counter SET n = n + 1 WHERE id = $1',
        values: [1],
      });
      await client.query('COMMIT');
    }),
  );
  await client.end();
  await setup.end();

  // ---- 2. statements a route sends -----------------------------------------
  // Every round trip of the hall's handles is one PostgresLink.query: count them there (a blind write,
  // PostgresLink.later, goes with the next one). The write lock is taken by the round trip that carries
  // the transaction's held opening, `BEGIN` + `SELECT pg_advisory_xact_lock(…)`, and held to COMMIT.
  let statements = 0;
  let underLock = 0;
  let locked = false;
  let lockHeld = false;
  const isLock = (text: string) => text.includes(`pg_advisory_xact_lock(${0x4844}`);
  const link = PostgresLink.prototype as unknown as {
    query: (schema: string | null, text: string, ...rest: unknown[]) => unknown;
    hold?: (schema: string | null, statements: string[]) => object;
  };
  const { query, hold } = link;
  link.query = function (this: PostgresLink, schema, text, ...rest) {
    statements++;
    if (isLock(text) || lockHeld) locked = true;
    lockHeld = false;
    if (locked) underLock++;
    if (process.env.DUMP_STATEMENTS)
      console.log(`    ${locked ? 'locked' : '      '} ${text.replace(/\s+/g, ' ').slice(0, 150)}`);
    if (/^(COMMIT|ROLLBACK)\b/.test(text)) locked = false;
    return query.call(this, schema, text, ...rest);
  };
  if (hold) {
    link.hold = function (this: PostgresLink, schema, statements) {
      if (statements.some(isLock)) lockHeld = true;
      return hold.call(this, schema, statements);
    };
  }

  const hallUrl = await cluster.createDatabase();
  const server = createHallServer({
    dbPath: hallUrl,
    adminToken: 'bench-admin',
    seedDir: DEMO_SEED_DIR,
    applicantKeyPath: join(dataDir, 'applicant-key'),
    signInDelayMs: () => 0,
    log: () => {},
  });
  const base = await server.listen(0, '127.0.0.1');
  const post = async (path: string, token: string, body?: unknown) => {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': crypto.randomUUID(),
      },
      body: JSON.stringify(body ?? {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path} → ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const enroll = async (role: 'kiosk' | 'counter', windowId: number | null) => {
    const { code } = (await post('/v1/admin/enrollment-codes', 'bench-admin', { role, windowId })) as {
      code: string;
    };
    return (
      (await post('/v1/devices/enroll', '', { code, deviceName: `bench ${role}` })) as { token: string }
    ).token;
  };
  const kiosk = await enroll('kiosk', null);
  const counter = await enroll('counter', 1);
  await post('/v1/auth/sign-in', counter, { staffNo: '1001', password: DEMO_PASSWORD });
  // Window 1 serves A and C.
  for (let i = 0; i < 20; i++) await post('/v1/tickets', kiosk, { lineId: i % 2 ? 'A' : 'C' });

  const counts = new Map<string, string[]>();
  const counted = async (route: string, action: () => Promise<unknown>) => {
    statements = 0;
    underLock = 0;
    await action();
    const list = counts.get(route) ?? [];
    list.push(`${statements} (${underLock} locked)`);
    counts.set(route, list);
  };
  for (let round = 0; round < 5; round++) {
    await counted('issue ticket (kiosk)', () => post('/v1/tickets', kiosk, { lineId: 'A' }));
    await counted('call-next, nothing in hand', () => post('/v1/windows/1/call-next', counter));
    await counted('complete (办结)', () => post('/v1/windows/1/complete', counter));
    await counted('call-next, nothing in hand', () => post('/v1/windows/1/call-next', counter));
    await counted('call-next, ending the one in hand', () => post('/v1/windows/1/call-next', counter));
    const { ticket } = (await post('/v1/windows/1/call-next', counter)) as { ticket: { number: string } };
    await counted('transfer (转业务, place keep)', () =>
      post('/v1/windows/1/transfer-ticket', counter, {
        number: ticket.number,
        to: { lineId: 'B' },
        place: 'keep',
      }),
    );
  }
  await server.close();
  Object.assign(link, { query, hold });
  console.log(
    'round trips a route makes (5 rounds each; in parentheses: those while holding the hall write lock):',
  );
  for (const [route, list] of counts) console.log(`  ${route.padEnd(36)} ${list.join(', ')}`);
} finally {
  await cluster.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
