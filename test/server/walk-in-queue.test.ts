// 现场补号 tickets in the hall queue (issue 14, point 6), over real HTTP
// against the real hall server: online through walkInTicket at once, with
// the server's count ahead at print time, idempotent (a retry, and the
// walkin.issued mutation after it, change nothing); offline through the
// walkin.issued mutations on reconnect, placed by issue time in issue order
// without touching numbers already called; bad input refused in Chinese with
// nothing changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CallNextResult, IssuedTicket, WalkInLease, WalkInTicketResult, type Enrollment } from '../../common/http-api.ts';
import { WALKIN_ISSUED, type Mutation, type WalkInIssuedArgs } from '../../common/sync.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { chain } from '../sync/support.ts';
import { call, refusal, startTestHall, tableDigests, type TestHall } from './support.ts';

// 2026-12-07 09:00 in the hall (Beijing).
let now = new Date('2026-12-07T01:00:00.000Z');
const clock = () => new Date(now);
const at = (hhmm: string) => new Date(`2026-12-07T${hhmm}:00+08:00`);
const DAY = '2026-12-07';

let hall: TestHall | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await hall?.close();
  hall = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  now = new Date('2026-12-07T01:00:00.000Z');
});

async function open(): Promise<TestHall> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-walk-in-queue-'));
  dirs.push(dataDir);
  hall = await startTestHall({ dataDir, clock, signInDelayMs: () => 0 });
  return hall;
}

let keys = 0;
async function counterAt(h: TestHall, windowId: number, staffNo: string) {
  const enrollment: Enrollment = await h.enroll(windowId);
  const { token } = enrollment;
  const signedIn = await call(h.url, 'POST', '/v1/auth/sign-in', { token, body: { staffNo, password: DEMO_PASSWORD } });
  expect(signedIn.status, JSON.stringify(signedIn.json)).toBe(200);
  return {
    enrollment,
    token,
    async lease() {
      const answer = await call(h.url, 'POST', `/v1/windows/${windowId}/walk-in-lease`, { token });
      expect(answer.status).toBe(200);
      return WalkInLease.parse(answer.json);
    },
    enter: (body: Omit<WalkInIssuedArgs, 'windowId'>, window = windowId) =>
      call(h.url, 'POST', `/v1/windows/${window}/walk-ins`, { token, body }),
    async callNext() {
      const answer = await call(h.url, 'POST', `/v1/windows/${windowId}/call-next`, { token, headers: { 'Idempotency-Key': `k-${++keys}` } });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      return CallNextResult.parse(answer.json).ticket;
    },
    async push(mutations: Mutation[]) {
      const answer = await call(h.url, 'POST', '/v1/sync/push', { token, body: { deviceId: enrollment.deviceId, mutations } });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      return answer.json as { results: { status: string; reason?: string }[] };
    },
  };
}

async function kioskTicket(h: TestHall, token: string, lineId: string): Promise<string> {
  const answer = await call(h.url, 'POST', '/v1/tickets', { token, body: { lineId, priority: 'normal' } });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return IssuedTicket.parse(answer.json).ticket.number;
}

const walkIn = (seq: number, issuedAt: Date, lineId = 'A'): Omit<WalkInIssuedArgs, 'windowId'> => ({
  number: `W01-${String(seq).padStart(3, '0')}`,
  day: DAY,
  seq,
  lineId,
  staffNo: '1001',
  issuedAt: issuedAt.toISOString(),
});

describe('现场补号 in the hall queue', () => {
  it('online: in the queue at once with the server count ahead; a retry and the mutation after it change nothing', async () => {
    const h = await open();
    const kiosk = (await h.enroll(null)).token;
    const one = await counterAt(h, 1, '1001'); // window 1 serves A, C
    const two = await counterAt(h, 2, '1002'); // window 2 serves A
    expect(await kioskTicket(h, kiosk, 'A')).toBe('A001');
    expect(await kioskTicket(h, kiosk, 'A')).toBe('A002');
    expect((await two.callNext())?.number).toBe('A001'); // called: the queue moved on
    expect((await one.lease()).from).toBe(1);

    now = at('09:05');
    const first = await one.enter(walkIn(1, now));
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const entered = WalkInTicketResult.parse(first.json);
    // A001 was called before the slip printed: one ahead (A002), not two.
    expect(entered).toMatchObject({ ahead: 1, ticket: { number: 'W01-001', lineId: 'A', status: 'waiting', priority: 'normal' } });

    const before = tableDigests(h.dbPath);
    const again = await one.enter(walkIn(1, now));
    expect(WalkInTicketResult.parse(again.json)).toEqual(entered);
    expect(tableDigests(h.dbPath)).toEqual(before);
    // The walkin.issued mutation arrives later: applied, no second ticket.
    const pushed = await one.push(chain([{ name: WALKIN_ISSUED, args: { ...walkIn(1, now), windowId: 1 } }]));
    expect(pushed.results.map((r) => r.status)).toEqual(['applied']);
    const after = tableDigests(h.dbPath);
    expect(after.tickets).toBe(before.tickets);
    expect(after.hall_log).toBe(before.hall_log);

    // Any window serving line A calls it in its turn.
    expect((await two.callNext())?.number).toBe('A002');
    expect(await two.callNext()).toMatchObject({ number: 'W01-001', lineId: 'A', status: 'called', windowId: 2 });
  });

  it('offline: on reconnect walk-ins queue by issue time in issue order; numbers already called keep their place', async () => {
    const h = await open();
    const kiosk = (await h.enroll(null)).token;
    const one = await counterAt(h, 1, '1001');
    const two = await counterAt(h, 2, '1002');
    await one.lease();
    now = at('09:00');
    await kioskTicket(h, kiosk, 'A'); // A001
    now = at('09:01');
    expect((await two.callNext())?.number).toBe('A001');
    // Window 1 is offline from 09:02: it prints W01-001 and W01-002; the kiosk goes on issuing.
    const offline = [walkIn(1, at('09:02')), walkIn(2, at('09:03'))];
    now = at('09:05');
    await kioskTicket(h, kiosk, 'A'); // A002
    await kioskTicket(h, kiosk, 'A'); // A003
    now = at('09:10');
    // Back online: the outbox goes in order.
    const pushed = await one.push(chain(offline.map((args) => ({ name: WALKIN_ISSUED, args: { ...args, windowId: 1 } }))));
    expect(pushed.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // A001 stays called at window 2 until its next 叫号; then the walk-ins issued before A002 come first.
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await two.callNext())!.number);
    expect(order).toEqual(['W01-001', 'W01-002', 'A002', 'A003']);
  });

  it('the slip\'s QR page (排队进度): waiting with the count ahead, called to a window, done; unknown and malformed get a page too', async () => {
    const h = await open();
    const kiosk = (await h.enroll(null)).token;
    const one = await counterAt(h, 1, '1001');
    const two = await counterAt(h, 2, '1002');
    await kioskTicket(h, kiosk, 'A'); // A001
    await one.lease();
    expect((await one.enter(walkIn(1, now))).status).toBe(200);
    const get = async (path: string) => {
      const response = await fetch(h.url + path);
      return { status: response.status, type: response.headers.get('content-type'), csp: response.headers.get('content-security-policy'), html: await response.text() };
    };
    const waiting = await get(`/ticket/${DAY}/W01-001`);
    expect(waiting).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(waiting.csp).toContain("default-src 'none'");
    expect(waiting.html).toContain('W01-001');
    expect(waiting.html).toContain('综合受理');
    expect(waiting.html).toContain('您前面还有 1 人');
    expect(waiting.html).not.toContain('<script');
    await two.callNext(); // A001
    expect((await get(`/ticket/${DAY}/W01-001`)).html).toContain('下一位就是您');
    await two.callNext(); // W01-001
    const called = await get(`/ticket/${DAY}/W01-001`);
    expect(called.html).toContain('正在叫号');
    expect(called.html).toContain('请到2号窗口办理');
    await two.callNext();
    expect((await get(`/ticket/${DAY}/W01-001`)).html).toContain('已办理');
    for (const path of [`/ticket/${DAY}/W01-002`, '/ticket/2026-12-06/W01-001', '/ticket/x/<b>', '/ticket/%E0%A4%A/W01-001']) {
      const page = await get(path);
      expect([400, 404]).toContain(page.status);
      expect(page.type).toBe('text/html; charset=utf-8');
      expect(page.html).toMatch(/未查到该排队号|查询地址不正确/);
      expect(page.html).not.toContain('<b>');
    }
  });

  it('bad input is refused in Chinese and changes nothing', async () => {
    const h = await open();
    const one = await counterAt(h, 1, '1001');
    const three = await counterAt(h, 3, '1003');
    await one.lease(); // W01-001 … W01-050
    const before = tableDigests(h.dbPath);
    const cases: [Promise<Awaited<ReturnType<typeof one.enter>>>, number, string, RegExp][] = [
      [one.enter(walkIn(51, now)), 409, 'CONFLICT', /不在服务器租给本设备的号段内/], // never leased
      [one.enter({ ...walkIn(1, now), number: 'W03-001' }), 409, 'CONFLICT', /号段格式不符/], // another window's prefix
      [one.enter(walkIn(1, now, 'Z')), 409, 'CONFLICT', /业务类型 Z 在大厅已不存在/],
      [three.enter(walkIn(1, now), 1), 403, 'FORBIDDEN', /不是1号窗口的柜台终端|本设备绑定的是3号窗口/], // another window's counter
      [one.enter({ ...walkIn(1, now), number: 'A001' }), 400, 'BAD_REQUEST', /现场补号应为/],
      [one.enter({ ...walkIn(1, now), day: '2026-12-06' }), 409, 'CONFLICT', /（2026-12-06）不在服务器租给本设备的号段内/], // another day
    ];
    for (const [answer, status, code, message] of cases) {
      const error = refusal(await answer, status, code as never);
      expect(error.message).toMatch(message);
    }
    expect(tableDigests(h.dbPath)).toEqual(before);
    // Another device's number: the second counter at window 1 may not enter the first one's walk-in.
    const other = await counterAt(h, 1, '1001');
    expect((await one.enter(walkIn(1, now))).status).toBe(200);
    const taken = tableDigests(h.dbPath);
    refusal(await other.enter(walkIn(1, now)), 409, 'CONFLICT');
    expect(tableDigests(h.dbPath)).toEqual(taken);
  });
});
