// The hall server under a CI-sized fuzz run (test/helpers/http-fuzz.ts): bad
// escapes, huge and odd headers, bad and oversize bodies, bad methods and
// request lines, truncated, pipelined, slow and stalled requests, first
// without a valid token, then with a kiosk's, a counter's and the admin's.
// Afterwards the server is up, nothing crashed or answered 5xx, every answer
// was JSON with nosniff, and requests without the right token changed nothing.
// The big run is `npm run fuzz:http` (scripts/fuzz-http.ts).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enrollment } from '../../common/http-api.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { httpFuzzRequests, runFuzz, type FuzzAnswer, type FuzzCredential, type FuzzRequest, type FuzzTarget } from '../helpers/http-fuzz.ts';
import { answerProblem, hallFuzzRoutes } from './hall-fuzz.ts';
import { ADMIN_TOKEN, call, startTestHall, tableDigests, type TestHall } from './support.ts';

const bearer = (label: string, token: string): FuzzCredential => ({ label, header: { name: 'Authorization', value: `Bearer ${token}` } });

describe('hall server fuzz (CI size)', () => {
  let hall: TestHall;
  let target: FuzzTarget;
  let counter: Enrollment;
  let kiosk: Enrollment;
  const errorLines: string[] = [];
  /** Every exchange that broke a rule, described. */
  const problems: string[] = [];

  beforeAll(async () => {
    hall = await startTestHall({
      // Stalled clients are cut off within about two seconds.
      timeouts: { headersMs: 1_000, requestMs: 2_000 },
      signInDelayMs: () => 0,
      log: (line) => {
        if (line.includes('"level":"error"')) errorLines.push(line);
      },
    });
    const { port } = new URL(hall.url);
    target = { host: '127.0.0.1', port: Number(port) };
    counter = await hall.enroll(3);
    kiosk = await hall.enroll(null);
    expect((await call(hall.url, 'POST', '/v1/auth/sign-in', { token: counter.token, body: { staffNo: '1003', password: DEMO_PASSWORD } })).status).toBe(200);
    for (const lineId of ['A', 'B', 'B']) {
      await call(hall.url, 'POST', '/v1/tickets', { token: kiosk.token, body: { lineId, priority: 'normal' } });
    }
  });
  afterAll(async () => {
    await hall?.close();
    if (hall) rmSync(hall.dataDir, { recursive: true, force: true });
  });

  const check = (request: FuzzRequest, answer: FuzzAnswer) => {
    const problem = answerProblem(request, answer);
    if (problem) problems.push(problem);
  };

  async function fuzz(seed: number, count: number, credentials: FuzzCredential[]) {
    const requests = httpFuzzRequests({
      random: createSeededRandom(seed),
      target,
      routes: hallFuzzRoutes({ counter: { deviceId: counter.deviceId, window: 3 } }),
      credentials,
      slowPauseMs: 100,
    });
    const figures = await runFuzz(target, requests, { count, concurrency: 24, timeoutMs: 15_000, onAnswer: check });
    expect(problems).toEqual([]);
    expect(figures.requests).toBe(count);
    return figures;
  }

  async function stillUp() {
    expect((await call(hall.url, 'GET', '/v1/health')).status).toBe(200);
    expect((await call(hall.url, 'GET', '/v1/openapi.json')).status).toBe(200);
    expect((await call(hall.url, 'GET', '/v1/queue/summary', { token: kiosk.token })).status).toBe(200);
  }

  const changed = (before: Record<string, string>, after: Record<string, string>) =>
    Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);

  it('without a valid token: stays up and changes nothing', async () => {
    const before = tableDigests(hall.dbPath);
    const figures = await fuzz(1, 1000, [
      { label: 'none' },
      bearer('random', 'x'.repeat(43)),
      bearer('admin-typo', `${ADMIN_TOKEN}x`),
      { label: 'token-in-query', query: { name: 'token', value: counter.token } },
      { label: 'basic', header: { name: 'Authorization', value: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } },
    ]);
    await stillUp();
    expect(changed(before, tableDigests(hall.dbPath))).toEqual([]);
    expect(figures.byStatus['401']).toBeGreaterThan(50);
    expect(figures.byStatus['200']).toBeGreaterThan(20); // health, openapi
  });

  it("with a kiosk's token: stays up, and touches nothing but tickets", async () => {
    const before = tableDigests(hall.dbPath);
    await fuzz(2, 500, [{ label: 'none' }, bearer('kiosk', kiosk.token)]);
    await stillUp();
    expect(changed(before, tableDigests(hall.dbPath)).filter((table) => !['tickets', 'hall_log', 'sqlite_sequence', 'queue_waiting', 'ticket_day_counts'].includes(table))).toEqual([]);
  });

  it("with a counter's token: stays up, and touches nothing only the admin may change", async () => {
    const before = tableDigests(hall.dbPath);
    await fuzz(3, 500, [{ label: 'none' }, bearer('counter', counter.token)]);
    await stillUp();
    const adminOnly = ['config_changes', 'devices', 'enrollment_codes', 'staff_credentials', 'case_changes'];
    expect(changed(before, tableDigests(hall.dbPath)).filter((table) => adminOnly.includes(table))).toEqual([]);
  });

  it("with the admin's token: stays up", async () => {
    await fuzz(4, 500, [{ label: 'none' }, bearer('admin', ADMIN_TOKEN), bearer('counter', counter.token)]);
    await stillUp();
  });

  it('logged no internal error', () => {
    expect(errorLines).toEqual([]);
  });
});
