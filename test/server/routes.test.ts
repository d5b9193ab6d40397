import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CALENDAR_2026 } from '../../common/calendar.ts';
import { ApiError } from '../../common/errors.ts';
import {
  CallNextResult,
  Enrollment,
  EnrollmentCode,
  Health,
  IssuedTicket,
  PullResult,
  QueueSummary,
  routes,
  SignInResult,
  TicketResult,
  WindowStatus,
} from '../../common/http-api.ts';
import type { Priority, Ticket } from '../../common/model.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { openEventStream } from './support.ts';

interface Call {
  token?: string;
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
}

function client(hall: TestHallServer) {
  async function call(method: 'GET' | 'POST', path: string, options: Call = {}) {
    const response = await fetch(hall.url + path, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined || options.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...options.headers,
      },
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  }
  return {
    call,
    /** Calls and parses a 200 answer with the route's schema. */
    async ok<S extends z.ZodType>(
      schema: S,
      method: 'GET' | 'POST',
      path: string,
      options?: Call,
    ): Promise<z.output<S>> {
      const { status, json } = await call(method, path, options);
      expect(status, JSON.stringify(json)).toBe(200);
      return schema.parse(json);
    },
    /** Calls and expects a refusal with this status and code, whose message is in Chinese. */
    async refused(
      status: number,
      code: ApiError['code'],
      method: 'GET' | 'POST',
      path: string,
      options?: Call,
    ) {
      const answer = await call(method, path, options);
      expect(answer.status, JSON.stringify(answer.json)).toBe(status);
      const error = ApiError.parse(answer.json);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/[\u4e00-\u9fff]/);
      return error;
    },
  };
}

let keyCounter = 0;
const freshKey = () => `key-${++keyCounter}`;

describe('hall server routes', () => {
  let hall: TestHallServer;
  let api: ReturnType<typeof client>;
  let counter3: Enrollment;
  let kiosk: Enrollment;

  beforeAll(async () => {
    hall = await startHallServer();
    api = client(hall);
    counter3 = await hall.enroll(3);
    kiosk = await hall.enroll(null);
  });
  afterAll(() => hall.close());

  const signIn = (token: string, staffNo = '1002', password = DEMO_PASSWORD) =>
    api.call('POST', '/v1/auth/sign-in', { token, body: { staffNo, password } });
  const issue = (lineId: string, priority: Priority = 'normal') =>
    api.ok(IssuedTicket, 'POST', '/v1/tickets', { token: kiosk.token, body: { lineId, priority } });
  const callNext = (token: string, windowId: number, key = freshKey()) =>
    api.ok(CallNextResult, 'POST', `/v1/windows/${windowId}/call-next`, {
      token,
      headers: { 'Idempotency-Key': key },
    });
  /** Calls until the queue is empty, so a test starts from nobody waiting. */
  async function drainQueue(token: string, windowId: number) {
    while ((await callNext(token, windowId)).ticket) {
      // keep calling
    }
  }

  describe('public routes', () => {
    it('GET /v1/health', async () => {
      await api.ok(Health, 'GET', '/v1/health');
    });

    it('GET /v1/openapi.json describes every route of the table', async () => {
      const doc = await api.ok(routes.openapi.response, 'GET', '/v1/openapi.json');
      const paths = doc.paths as Record<string, Record<string, { operationId: string }>>;
      for (const [name, spec] of Object.entries(routes)) {
        expect(paths[spec.path]?.[spec.method.toLowerCase()]?.operationId, name).toBe(name);
      }
    });

    it('answers an unknown route with 404 in Chinese', async () => {
      await api.refused(404, 'NOT_FOUND', 'GET', '/v1/no-such-route');
      await api.refused(404, 'NOT_FOUND', 'GET', '/v1/tickets');
    });
  });

  describe('enrollment', () => {
    it('makes a one-time code for the admin only', async () => {
      const body = { role: 'counter', windowId: 1 };
      await api.refused(401, 'UNAUTHORIZED', 'POST', '/v1/admin/enrollment-codes', { body });
      await api.refused(401, 'UNAUTHORIZED', 'POST', '/v1/admin/enrollment-codes', {
        body,
        token: 'not-the-admin',
      });
      await api.refused(401, 'UNAUTHORIZED', 'POST', '/v1/admin/enrollment-codes', {
        body,
        token: counter3.token,
      });
      const code = await api.ok(EnrollmentCode, 'POST', '/v1/admin/enrollment-codes', {
        body,
        token: hall.adminToken,
      });
      expect(Date.parse(code.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    });

    it('refuses codes for a counter without a window or for a window that does not exist', async () => {
      const token = hall.adminToken;
      await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/admin/enrollment-codes', {
        token,
        body: { role: 'counter', windowId: null },
      });
      await api.refused(404, 'NOT_FOUND', 'POST', '/v1/admin/enrollment-codes', {
        token,
        body: { role: 'counter', windowId: 99 },
      });
    });

    it('enrolls with a code exactly once', async () => {
      const { code } = await api.ok(EnrollmentCode, 'POST', '/v1/admin/enrollment-codes', {
        token: hall.adminToken,
        body: { role: 'counter', windowId: 2 },
      });
      const enrollment = await api.ok(Enrollment, 'POST', '/v1/devices/enroll', {
        body: { code, deviceName: '2号窗口柜台' },
      });
      expect(enrollment).toMatchObject({ role: 'counter', windowId: 2 });
      expect(enrollment.deviceId).toMatch(/^[0-9a-f-]{36}$/);
      // counter3 and the kiosk were enrolled first: device numbers go on from there.
      expect([counter3.deviceNo, kiosk.deviceNo]).toEqual([1, 2]);
      expect(enrollment.deviceNo).toBeGreaterThan(2);
      const again = await api.refused(400, 'ENROLLMENT_CODE_INVALID', 'POST', '/v1/devices/enroll', {
        body: { code, deviceName: '另一台' },
      });
      expect(again.message).toContain('注册码无效或已使用');
    });

    it('numbers devices 1, 2, 3… in enrollment order, counters and kiosks alike', async () => {
      const first = await hall.enroll(4);
      const second = await hall.enroll(null);
      const third = await hall.enroll(4);
      expect([second.deviceNo - first.deviceNo, third.deviceNo - first.deviceNo]).toEqual([1, 2]);
    });

    it('refuses a malformed body with 400 and a Chinese message', async () => {
      const malformed = await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/devices/enroll', {
        rawBody: '{"code": ',
      });
      expect(malformed.message).toContain('JSON');
      const shape = await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/devices/enroll', {
        body: { code: '123' },
      });
      expect(shape.message).toContain('注册码应为 8 位数字');
      await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/devices/enroll', { body: [] });
    });

    it('refuses a body over 64 KiB with 413', async () => {
      await api.refused(413, 'BAD_REQUEST', 'POST', '/v1/devices/enroll', {
        body: { code: '12345678', deviceName: 'x'.repeat(70_000) },
      });
    });
  });

  describe('device authentication', () => {
    it('refuses a missing or unknown device token with 401', async () => {
      await api.refused(401, 'UNAUTHORIZED', 'GET', '/v1/queue/summary');
      await api.refused(401, 'UNAUTHORIZED', 'GET', '/v1/queue/summary', { token: 'x'.repeat(43) });
      await api.refused(401, 'UNAUTHORIZED', 'GET', '/v1/queue/summary', { token: hall.adminToken });
    });
  });

  describe('sign-in', () => {
    it('refuses a wrong password or an unknown staff number alike', async () => {
      for (const [staffNo, password] of [
        ['1002', 'wrong-password'],
        ['9999', DEMO_PASSWORD],
      ] as const) {
        const { status, json } = await signIn(counter3.token, staffNo, password);
        expect(status).toBe(401);
        expect(json).toEqual({ code: 'SIGN_IN_FAILED', message: expect.stringContaining('工号或密码错误') });
      }
    });

    it('refuses a device that has no window', async () => {
      const { status } = await signIn(kiosk.token);
      expect(status).toBe(403);
    });

    it('binds the clerk to the window, with photo, until sign-out', async () => {
      const { status, json } = await signIn(counter3.token);
      expect(status).toBe(200);
      const { staff } = SignInResult.parse(json);
      expect(staff).toMatchObject({ staffNo: '1002', name: '陈建国', department: '不动产登记中心' });
      expect(staff.photo).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(JSON.stringify(json)).not.toMatch(/scrypt|password/);

      const state = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      expect(state.clerk?.staffNo).toBe('1002');
      expect(state.window).toMatchObject({ id: 3, code: '03', lineIds: ['B', 'A'] });
      // A kiosk is never told who works at a window.
      const seenByKiosk = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: kiosk.token });
      expect(seenByKiosk).toEqual({ ...state, clerk: null });

      await api.ok(routes.signOut.response, 'POST', '/v1/auth/sign-out', { token: counter3.token });
      const after = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      expect(after.clerk).toBeNull();
    });

    it('moves a clerk who signs in at another window', async () => {
      const counter1 = await hall.enroll(1);
      expect((await signIn(counter3.token, '1001')).status).toBe(200);
      expect((await signIn(counter1.token, '1001')).status).toBe(200);
      const window3 = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      const window1 = await api.ok(WindowStatus, 'GET', '/v1/windows/1/state', { token: counter1.token });
      expect(window3.clerk).toBeNull();
      expect(window1.clerk?.staffNo).toBe('1001');
    });
  });

  describe('window calls', () => {
    it('refuses devices of other windows (403), unknown windows (404) and bad ids (400)', async () => {
      const key = { 'Idempotency-Key': freshKey() };
      await api.refused(403, 'FORBIDDEN', 'POST', '/v1/windows/1/call-next', {
        token: counter3.token,
        headers: key,
      });
      await api.refused(403, 'FORBIDDEN', 'POST', '/v1/windows/3/recall', { token: kiosk.token });
      await api.refused(404, 'NOT_FOUND', 'POST', '/v1/windows/99/complete', { token: counter3.token });
      await api.refused(400, 'BAD_REQUEST', 'GET', '/v1/windows/abc/state', { token: counter3.token });
      await api.refused(401, 'UNAUTHORIZED', 'POST', '/v1/windows/3/call-next', { headers: key });
    });

    it('needs a signed-in clerk', async () => {
      await api.call('POST', '/v1/auth/sign-out', { token: counter3.token });
      const error = await api.refused(409, 'NOT_SIGNED_IN', 'POST', '/v1/windows/3/call-next', {
        token: counter3.token,
        headers: { 'Idempotency-Key': freshKey() },
      });
      expect(error.message).toContain('请先登录');
      expect((await signIn(counter3.token)).status).toBe(200);
    });

    it('issues numbers per line in order and says how many are ahead', async () => {
      await drainQueue(counter3.token, 3);
      const first = await issue('B');
      const second = await issue('B');
      expect(second.ticket.number).toBe(
        `B${String(Number(first.ticket.number.slice(1)) + 1).padStart(3, '0')}`,
      );
      expect(second.ahead).toBe(first.ahead + 1);
      const green = await issue('B', 'green');
      expect(green.ahead).toBe(0);
      await api.refused(404, 'NOT_FOUND', 'POST', '/v1/tickets', {
        token: kiosk.token,
        body: { lineId: 'Z' },
      });
      await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/tickets', {
        token: kiosk.token,
        body: { lineId: 'b' },
      });
    });

    it('call-next needs an Idempotency-Key, and a retry returns the same ticket without taking another', async () => {
      await drainQueue(counter3.token, 3);
      await api.refused(400, 'BAD_REQUEST', 'POST', '/v1/windows/3/call-next', { token: counter3.token });
      const a = (await issue('B')).ticket;
      const b = (await issue('B')).ticket;

      const key = freshKey();
      const first = await callNext(counter3.token, 3, key);
      const retry = await callNext(counter3.token, 3, key);
      expect(first.ticket?.id).toBe(a.id);
      expect(retry).toEqual(first);
      const summary = await api.ok(QueueSummary, 'GET', '/v1/queue/summary', { token: counter3.token });
      expect(summary.lines.find((line) => line.lineId === 'B')?.waiting).toBe(1);

      const next = await callNext(counter3.token, 3);
      expect(next.ticket?.id).toBe(b.id);
      const state = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      expect(state.current?.id).toBe(b.id);
    });

    it('calls by priority, then the window’s line preference, then issue order', async () => {
      await drainQueue(counter3.token, 3);
      // Window 3 serves B before A, and not C.
      const issued = {
        aNormal: (await issue('A')).ticket,
        bNormal: (await issue('B')).ticket,
        aAppointment: (await issue('A', 'appointment')).ticket,
        bAppointment: (await issue('B', 'appointment')).ticket,
        cGreen: (await issue('C', 'green')).ticket,
        aGreen: (await issue('A', 'green')).ticket,
        aPriority: (await issue('A', 'priority')).ticket,
      };
      const called: Ticket[] = [];
      for (
        let ticket = (await callNext(counter3.token, 3)).ticket;
        ticket;
        ticket = (await callNext(counter3.token, 3)).ticket
      ) {
        called.push(ticket);
      }
      expect(called.map((ticket) => ticket.number)).toEqual(
        [
          issued.aGreen,
          issued.aPriority,
          issued.bAppointment,
          issued.aAppointment,
          issued.bNormal,
          issued.aNormal,
        ].map((ticket) => ticket.number),
      );
      expect(
        called.every((ticket) => ticket.status === 'called' && ticket.windowId === 3 && ticket.calledAt),
      ).toBe(true);
    });

    it('answers {ticket: null} when nobody is waiting, and completes the current ticket', async () => {
      await drainQueue(counter3.token, 3);
      expect(await callNext(counter3.token, 3)).toEqual({ ticket: null });
      const state = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      expect(state.current).toBeNull();
    });

    it('recalls, and allows a no-show only after the hall’s minimum of recalls', async () => {
      await drainQueue(counter3.token, 3);
      const none = await api.refused(409, 'NO_CURRENT_TICKET', 'POST', '/v1/windows/3/recall', {
        token: counter3.token,
      });
      expect(none.message).toContain('当前没有正在办理的号');
      await api.refused(409, 'NO_CURRENT_TICKET', 'POST', '/v1/windows/3/complete', {
        token: counter3.token,
      });

      await issue('B');
      const { ticket } = await callNext(counter3.token, 3);
      const early = await api.refused(409, 'RECALLS_REQUIRED', 'POST', '/v1/windows/3/no-show', {
        token: counter3.token,
      });
      expect(early.message).toContain('请至少重呼 1 次后再过号');

      const recalled = await api.ok(TicketResult, 'POST', '/v1/windows/3/recall', { token: counter3.token });
      expect(recalled.ticket).toMatchObject({ id: ticket?.id, recallCount: 1, status: 'called' });
      const noShow = await api.ok(TicketResult, 'POST', '/v1/windows/3/no-show', { token: counter3.token });
      expect(noShow.ticket).toMatchObject({ id: ticket?.id, status: 'no_show' });
      expect(noShow.ticket.endedAt).not.toBeNull();
    });

    it('completes the current ticket', async () => {
      await issue('A');
      const { ticket } = await callNext(counter3.token, 3);
      const done = await api.ok(TicketResult, 'POST', '/v1/windows/3/complete', { token: counter3.token });
      expect(done.ticket).toMatchObject({ id: ticket?.id, status: 'completed', windowId: 3 });
      const state = await api.ok(WindowStatus, 'GET', '/v1/windows/3/state', { token: counter3.token });
      expect(state.current).toBeNull();
    });

    it('summarises the waiting count of every line with a version that grows', async () => {
      const before = await api.ok(QueueSummary, 'GET', '/v1/queue/summary', { token: kiosk.token });
      expect(before.lines.map((line) => line.lineId)).toEqual(['A', 'B', 'C']);
      await issue('C');
      const after = await api.ok(QueueSummary, 'GET', '/v1/queue/summary', { token: kiosk.token });
      expect(after.version).toBeGreaterThan(before.version);
      const waitingC = (summary: QueueSummary) =>
        summary.lines.find((line) => line.lineId === 'C')?.waiting ?? -1;
      expect(waitingC(after)).toBe(waitingC(before) + 1);
    });
  });

  describe('config pull', () => {
    it('pages through the config stream by cursor', async () => {
      const changes: PullResult['changes'] = [];
      let cursor = 0;
      for (let page = 0; page < 20; page++) {
        const result = await api.ok(
          PullResult,
          'GET',
          `/v1/sync/pull?stream=config&cursor=${cursor}&limit=7`,
          {
            token: counter3.token,
          },
        );
        expect(result.changes.length).toBeLessThanOrEqual(7);
        changes.push(...result.changes);
        cursor = result.cursor;
        if (!result.hasMore) break;
      }
      const versions = changes.map((entry) => entry.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(new Set(versions).size).toBe(versions.length);
      expect(cursor).toBe(versions.at(-1));
      const count = (kind: string) => changes.filter((entry) => entry.change.kind === kind).length;
      expect([
        count('settings'),
        count('calendar'),
        count('line'),
        count('window'),
        count('staff'),
        count('item'),
      ]).toEqual([1, 1, 3, 5, 6, 12]);
      expect(changes.find((entry) => entry.change.kind === 'calendar')?.change).toEqual({
        kind: 'calendar',
        key: '2026',
        value: CALENDAR_2026,
      });
      const items = changes.flatMap((entry) => (entry.change.kind === 'item' ? [entry.change.value] : []));
      expect(items.find((item) => item?.code === 'SCJG-DJ-002')?.initials).toBe('yyzzbgdjyxzrgs');
      expect(items.every((item) => item && /^[a-z0-9]+$/.test(item.initials))).toBe(true);
      const settings = changes.find((entry) => entry.change.kind === 'settings')?.change.value;
      expect(settings).toMatchObject({ nearDeadlineWorkingDays: 1, waivableDueWorkingDays: 5 });
      expect(JSON.stringify(changes)).not.toMatch(/scrypt|password/);

      const rest = await api.ok(PullResult, 'GET', `/v1/sync/pull?stream=config&cursor=${cursor}`, {
        token: counter3.token,
      });
      expect(rest).toEqual({ changes: [], cursor, hasMore: false });
    });

    it('refuses a cursor the server never issued (410) and an unknown stream (400)', async () => {
      await api.refused(410, 'CONFLICT', 'GET', '/v1/sync/pull?stream=config&cursor=100000', {
        token: counter3.token,
      });
      await api.refused(400, 'BAD_REQUEST', 'GET', '/v1/sync/pull?stream=tickets', { token: counter3.token });
      await api.refused(400, 'BAD_REQUEST', 'GET', '/v1/sync/pull?stream=config&limit=0', {
        token: counter3.token,
      });
    });
  });

  describe('live events', () => {
    const openStream = (token: string) => openEventStream(hall.url, token);

    it('sends hello, then a queue hint when a ticket is issued; a call is a window event for that window only', async () => {
      const kioskStream = await openStream(kiosk.token);
      const hello = await kioskStream.nextEvent();
      expect(hello.type).toBe('hello');
      await issue('A');
      const queue = await kioskStream.nextEvent();
      expect(queue.type).toBe('queue');
      expect(queue.version).toBeGreaterThan(hello.version);

      const window3 = await openStream(counter3.token);
      expect((await window3.nextEvent()).type).toBe('hello');
      await callNext(counter3.token, 3);
      // Window 3 hears at once of its window (and of the queue, with the waiting counts) …
      expect(await window3.nextEvent()).toMatchObject({ type: 'queue', waiting: expect.any(Object) });
      expect(await window3.nextEvent()).toMatchObject({ type: 'window', windowId: 3 });
      // … a kiosk only of the queue, as one coalesced hint.
      expect(await kioskStream.nextEvent()).toMatchObject({ type: 'queue' });
      kioskStream.close();
      window3.close();
      expect(kioskStream.received.some((event) => event.type === 'window')).toBe(false);
    });

    it('refuses an event stream without a device token', async () => {
      await api.refused(401, 'UNAUTHORIZED', 'GET', '/v1/events');
    });
  });
});

describe('hall server rules that depend on the time', () => {
  let now = new Date('2026-03-02T09:00:00+08:00');
  let hall: TestHallServer;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    hall = await startHallServer({ clock: () => now });
    api = client(hall);
  });
  afterAll(() => hall.close());

  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  const newCode = () =>
    api.ok(EnrollmentCode, 'POST', '/v1/admin/enrollment-codes', {
      token: hall.adminToken,
      body: { role: 'kiosk', windowId: null },
    });

  it('lets an enrollment code expire after 24 hours', async () => {
    const { code } = await newCode();
    advance(24 * 3600_000 + 1000);
    await api.refused(400, 'ENROLLMENT_CODE_INVALID', 'POST', '/v1/devices/enroll', {
      body: { code, deviceName: '取号机' },
    });
  });

  it('stops an address guessing codes after 5 wrong ones, for 10 minutes', async () => {
    advance(11 * 60_000); // past the lockout of the previous test's failure
    for (let attempt = 0; attempt < 5; attempt++) {
      await api.refused(400, 'ENROLLMENT_CODE_INVALID', 'POST', '/v1/devices/enroll', {
        body: { code: '00000000', deviceName: '猜码' },
      });
    }
    const { code } = await newCode();
    const locked = await api.refused(429, 'ENROLLMENT_CODE_INVALID', 'POST', '/v1/devices/enroll', {
      body: { code, deviceName: '取号机' },
    });
    expect(locked.message).toContain('次数过多');
    advance(11 * 60_000);
    await api.ok(Enrollment, 'POST', '/v1/devices/enroll', { body: { code, deviceName: '取号机' } });
  });

  it('restarts ticket numbers every day and leaves yesterday’s queue behind', async () => {
    const kiosk = await hall.enroll(null);
    const counter = await hall.enroll(5);
    const issueA = () =>
      api.ok(IssuedTicket, 'POST', '/v1/tickets', { token: kiosk.token, body: { lineId: 'A' } });
    expect((await issueA()).ticket.number).toBe('A001');
    expect((await issueA()).ticket.number).toBe('A002');

    advance(24 * 3600_000);
    const today = await issueA();
    expect(today).toMatchObject({ ticket: { number: 'A001' }, ahead: 0 });
    const summary = await api.ok(QueueSummary, 'GET', '/v1/queue/summary', { token: kiosk.token });
    expect(summary.lines.find((line) => line.lineId === 'A')?.waiting).toBe(1);

    await api.call('POST', '/v1/auth/sign-in', {
      token: counter.token,
      body: { staffNo: '1005', password: DEMO_PASSWORD },
    });
    const called = await api.ok(CallNextResult, 'POST', '/v1/windows/5/call-next', {
      token: counter.token,
      headers: { 'Idempotency-Key': 'today-1' },
    });
    expect(called.ticket?.id).toBe(today.ticket.id);
  });
});
