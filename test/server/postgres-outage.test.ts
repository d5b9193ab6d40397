// PostgreSQL stopped for 10 s under a working counter (issue 19, point 6): the
// real counter core (main/counter.ts, its SQLite store) against the hall
// server on a PostgreSQL cluster of this test's own, over real HTTP. While the
// database is down the hall server stays up and answers 503
// SERVER_UNREACHABLE; the counter keeps taking cases (counted unsent for the
// clerk) and, once the database is back, its outbox drains: every case
// arrives once, none lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseRecord, type CaseDraft } from '../../common/cases.ts';
import type { ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { HallClient } from '../../main/hall-client.ts';
import { createHallServer } from '../../server/hall-server.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { startPostgresCluster } from '../helpers/postgres.ts';
import { testBackend } from '../helpers/test-database.ts';
import { memoryLogger, until } from '../sync/support.ts';
import { openHallDatabaseAt } from './support.ts';

const onPostgres = testBackend() === 'postgres';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FIRST17 = '32010219850312004';
const draft = (n: number): CaseDraft => ({
  itemCode: 'GA-ZM-006',
  applicant: { type: 'person', name: '王小明', idNumber: FIRST17 + residentIdCheckChar(FIRST17), phone: `1381234${String(n).padStart(4, '0')}` },
  provided: [true, true, true],
  ticketNumber: null,
});
const submit = async (counter: Counter, n: number) =>
  CaseRecord.parse(
    await counter.call('submitCase', { draft: draft(n), decision: 'accept', refuseReason: null, refuseDetail: null, instantOutcome: null }),
  );
const state = async (counter: Counter) => (await counter.call('getClerkState', {})) as ClerkState;

describe.skipIf(!onPostgres)(`the hall's PostgreSQL stopped for 10 s${onPostgres ? '' : ' [PostgreSQL only]'}`, () => {
  it('the counter works on, its cases wait in its outbox, and all arrive once after', { timeout: 120_000 }, async () => {
    // A cluster of its own: the run's shared one serves the other test files meanwhile.
    const cluster = await startPostgresCluster({ fsync: false });
    cleanups.push(() => cluster.destroy());
    const databaseUrl = await cluster.createDatabase('hall_outage_counter');
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-pg-outage-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const adminToken = 'outage-admin-token-0123456789';
    const server = createHallServer({
      dbPath: databaseUrl,
      applicantKeyPath: join(dir, 'applicant-key'),
      adminToken,
      seedDir: DEMO_SEED_DIR,
      signInDelayMs: () => 0,
    });
    const url = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());

    const admin = new HallClient({ baseUrl: url, token: adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const counter = await openCounter(
      { dataDir: join(dir, 'counter'), deviceName: 'outage test', log: memoryLogger([]), autoEnroll: { serverUrl: url, code } },
      { push: { baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 3000 }, retryDelay: () => 100 },
    );
    cleanups.push(() => counter.close());
    await until(() => state(counter), (s) => s.connection.state === 'online', 'online', 15_000);
    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });

    const hallCases = () => {
      const db = openHallDatabaseAt(databaseUrl);
      try {
        return db.prepare<[], string>('SELECT case_no FROM cases ORDER BY case_no').pluck().all();
      } finally {
        db.close();
      }
    };
    const before = [await submit(counter, 1), await submit(counter, 2)];
    await until(() => state(counter), (s) => s.unsent === 0, 'the first cases pushed', 15_000);
    expect(hallCases()).toEqual(before.map((c) => c.caseNo).sort());

    await cluster.stop();
    const downSince = Date.now();
    // The hall server answers, saying its database is out of reach: what the counter reads as "offline".
    const answer = await fetch(`${url}/v1/queue/summary`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ code: 'SERVER_UNREACHABLE', message: expect.stringMatching(/大厅数据库暂时无法访问/) });
    // The clerk goes on: three cases taken, kept in the counter's outbox, counted as unsent.
    const during = [await submit(counter, 3), await submit(counter, 4), await submit(counter, 5)];
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - downSince))));
    expect((await state(counter)).unsent).toBe(3);

    await cluster.start();
    await until(() => state(counter), (s) => s.unsent === 0, 'drained after the database returned', 60_000);
    expect(hallCases()).toEqual([...before, ...during].map((c) => c.caseNo).sort());
  });
});
