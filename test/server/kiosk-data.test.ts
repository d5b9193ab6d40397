// A kiosk sees waiting counts and ticket numbers, never the clerks: no name,
// staff number or photo from any route a kiosk token can reach, while clerks
// are signed in. A counter keeps what it needs (the staff list, who sits where).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResult, QueuePage, routes, WindowStatus, type Enrollment, type RouteName } from '../../common/http-api.ts';
import { DEMO_PASSWORD, DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { call, startTestHall, type TestHall } from './support.ts';

type DeviceRoute = { [N in RouteName]: (typeof routes)[N]['auth'] extends 'device' ? N : never }[RouteName];

const seedStaff = JSON.parse(readFileSync(join(DEMO_SEED_DIR, 'staff.json'), 'utf8')) as { staffNo: string; name: string; photo: string }[];

describe('what a kiosk token reads', () => {
  let hall: TestHall;
  let kiosk: Enrollment;
  let counter3: Enrollment;

  beforeAll(async () => {
    hall = await startTestHall({ signInDelayMs: () => 0 });
    counter3 = await hall.enroll(3);
    const counter1 = await hall.enroll(1);
    kiosk = await hall.enroll(null);
    for (const [device, staffNo] of [[counter3, '1002'], [counter1, '1006']] as const) {
      expect((await call(hall.url, 'POST', '/v1/auth/sign-in', { token: device.token, body: { staffNo, password: DEMO_PASSWORD } })).status).toBe(200);
    }
    await call(hall.url, 'POST', '/v1/tickets', { token: kiosk.token, body: { lineId: 'B' } });
    await call(hall.url, 'POST', '/v1/windows/3/call-next', { token: counter3.token, headers: { 'Idempotency-Key': 'k1' } });
  });
  afterAll(async () => {
    await hall?.close();
    if (hall) rmSync(hall.dataDir, { recursive: true, force: true });
  });

  /** The staff data that must not show: names, staff numbers as values, photos, clerk fields. */
  function staffDataIn(text: string): string[] {
    const photos = seedStaff.map((member) => readFileSync(join(DEMO_SEED_DIR, member.photo)).toString('base64').slice(0, 40));
    return [
      ...seedStaff.flatMap((member) => [member.name, `"${member.staffNo}"`]),
      ...photos,
      'data:image',
      '"staffNo"',
      '"staffId"',
      '"photo"',
    ].filter((needle) => text.includes(needle));
  }

  /** The answers of every route a device token reaches, asked with the kiosk's token: keyed by route so none is missed. */
  const kioskRequests: Record<DeviceRoute, { method: string; path: string; body?: unknown }[]> = {
    signIn: [{ method: 'POST', path: '/v1/auth/sign-in', body: { staffNo: '1002', password: DEMO_PASSWORD } }],
    signOut: [{ method: 'POST', path: '/v1/auth/sign-out' }],
    pull: ['config', 'queue', 'cases'].map((stream) => ({ method: 'GET', path: `/v1/sync/pull?stream=${stream}&cursor=0&limit=1000` })),
    push: [{ method: 'POST', path: '/v1/sync/push', body: { deviceId: 'x', mutations: [] } }],
    syncIssues: [{ method: 'GET', path: '/v1/manager/sync-issues' }],
    followUps: [{ method: 'GET', path: '/v1/manager/follow-ups' }],
    advanceFollowUp: [{ method: 'POST', path: '/v1/manager/follow-ups/r-1/advance', body: { from: 'verifying', note: '已核实' } }],
    managerUnlockSignIn: [{ method: 'POST', path: '/v1/manager/sign-in-locks/unlock', body: { staffNo: '1002' } }],
    issueTicket: [{ method: 'POST', path: '/v1/tickets', body: { lineId: 'A' } }],
    queueSummary: [{ method: 'GET', path: '/v1/queue/summary' }],
    windowStatus: [1, 2, 3, 4, 5].map((id) => ({ method: 'GET', path: `/v1/windows/${id}/state` })),
    callNext: [{ method: 'POST', path: '/v1/windows/3/call-next' }],
    recall: [{ method: 'POST', path: '/v1/windows/3/recall' }],
    noShow: [{ method: 'POST', path: '/v1/windows/3/no-show' }],
    complete: [{ method: 'POST', path: '/v1/windows/3/complete' }],
    walkInLease: [{ method: 'POST', path: '/v1/windows/3/walk-in-lease' }],
    walkInTicket: [
      {
        method: 'POST',
        path: '/v1/windows/3/walk-ins',
        body: { number: 'W03-001', day: '2026-03-05', seq: 1, lineId: 'A', staffNo: '1001', issuedAt: '2026-03-05T01:00:00.000Z' },
      },
    ],
    transferTicket: [{ method: 'POST', path: '/v1/windows/3/transfer-ticket', body: { number: 'A001', to: { lineId: 'B' } } }],
    parkTicket: [{ method: 'POST', path: '/v1/windows/3/park' }],
    callTicket: [{ method: 'POST', path: '/v1/windows/3/call-ticket', body: { number: 'A001' } }],
    pauseWindow: [{ method: 'POST', path: '/v1/windows/3/pause', body: { reason: '午休' } }],
    resumeWindow: [{ method: 'POST', path: '/v1/windows/3/resume' }],
    checkInAppointment: [{ method: 'POST', path: '/v1/windows/3/appointment-check-in', body: { code: 'NOSUCH01' } }],
    setTicketPriority: [{ method: 'POST', path: '/v1/windows/3/ticket-priority', body: { number: 'A001', priority: 'green' } }],
    queueBoard: [{ method: 'GET', path: '/v1/queue/board' }],
    events: [], // read below, while a clerk signs in
    ratingReport: [{ method: 'GET', path: '/v1/manager/reports/ratings?from=2026-07-01&to=2026-09-30&windowId=1' }],
    workloadReport: [{ method: 'GET', path: '/v1/manager/reports/workload?from=2026-07-01&to=2026-09-30&staffNo=1001' }],
    reportWorkbook: [{ method: 'GET', path: '/v1/manager/reports/workbook?from=2026-12-01&to=2026-12-07' }],
    hallOverview: [{ method: 'GET', path: '/v1/manager/overview' }],
    reportDevices: [{ method: 'POST', path: '/v1/windows/3/devices', body: { printer: { level: 'ok', message: null }, evaluator: { level: 'none', message: null }, outward: { level: 'ok', message: null } } }],
    searchCases: [{ method: 'GET', path: '/v1/manager/cases?windowId=1&from=2026-03-01&to=2026-03-31' }],
    openCaseRecord: [{ method: 'POST', path: '/v1/manager/cases/20260305030010012/open' }],
    caseAudit: [{ method: 'GET', path: '/v1/manager/case-audit' }],
  };

  it('gets no staff data from any route', async () => {
    const deviceRoutes = (Object.keys(routes) as RouteName[]).filter((name) => routes[name].auth === 'device');
    expect(Object.keys(kioskRequests).sort()).toEqual([...deviceRoutes].sort());
    for (const [name, requests] of Object.entries(kioskRequests)) {
      for (const request of requests) {
        const answer = await call(hall.url, request.method, request.path, {
          token: kiosk.token,
          body: request.body,
          headers: { 'Idempotency-Key': 'kiosk-key' },
        });
        expect(staffDataIn(JSON.stringify(answer.json)), `${name} ${request.path}: ${answer.status}`).toEqual([]);
      }
    }
  });

  it('gets no staff data from the live events, while a clerk signs in', async () => {
    const abort = new AbortController();
    const response = await fetch(`${hall.url}/v1/events`, { headers: { authorization: `Bearer ${kiosk.token}` }, signal: abort.signal });
    const reader = response.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    await call(hall.url, 'POST', '/v1/auth/sign-in', { token: counter3.token, body: { staffNo: '1003', password: DEMO_PASSWORD } });
    // A kiosk hears of a window's sign-in as a queue hint (server/events.ts), never the window event.
    await expect.poll(() => text, { timeout: 5000 }).toContain('"type":"queue"');
    abort.abort();
    await reading;
    expect(text).not.toContain('"type":"window"');
    expect(staffDataIn(text)).toEqual([]);
  });

  it('pulls the config without staff entries, the cursor past them; the queue without who sits where', async () => {
    const pull = (token: string, stream: string) =>
      call(hall.url, 'GET', `/v1/sync/pull?stream=${stream}&cursor=0&limit=1000`, { token }).then((answer) => answer.json);
    const forKiosk = PullResult.parse(await pull(kiosk.token, 'config'));
    const forCounter = PullResult.parse(await pull(counter3.token, 'config'));
    expect(forKiosk.changes.map((entry) => entry.change.kind)).not.toContain('staff');
    expect(forCounter.changes.filter((entry) => entry.change.kind === 'staff')).toHaveLength(seedStaff.length);
    expect(forKiosk.cursor).toBe(forCounter.cursor);
    expect(forKiosk.changes.length).toBe(forCounter.changes.length - seedStaff.length);

    const queueForKiosk = QueuePage.parse(await pull(kiosk.token, 'queue'));
    const queueForCounter = QueuePage.parse(await pull(counter3.token, 'queue'));
    // Tickets carry no clerk; a counter's page holds only the tickets it issued (none here).
    expect(queueForKiosk.changes.length).toBeGreaterThan(0);
    expect(queueForCounter.changes).toEqual([]);
    expect(queueForKiosk.waiting).toEqual(queueForCounter.waiting);
    expect(queueForKiosk.cursor).toBe(queueForCounter.cursor);
  });

  it('lets a counter still see who is signed in at a window', async () => {
    const state = WindowStatus.parse((await call(hall.url, 'GET', '/v1/windows/3/state', { token: counter3.token })).json);
    expect(state.clerk?.staffNo).toBe('1003');
    const forKiosk = WindowStatus.parse((await call(hall.url, 'GET', '/v1/windows/3/state', { token: kiosk.token })).json);
    expect(forKiosk).toEqual({ ...state, clerk: null });
  });

  it('refuses a kiosk that pushes records', async () => {
    const answer = await call(hall.url, 'POST', '/v1/sync/push', { token: kiosk.token, body: { deviceId: kiosk.deviceId, mutations: [] } });
    expect(answer.status).toBe(403);
  });
});
