// The manager's desk at the hall server (issue 17, points 1 and 3), over real
// HTTP on a real SQLite file: 大厅总览 (a long poll that answers a change at
// once: a pause, a call, a counter's link, a device report; the alerts for
// over-time service, a long wait, a device down, a bad rating with its due
// date), 办件查询 across windows and days (the applicant's ID number matched
// through the hall's keyed hash, never stored), 查看详情 writing the 查阅记录,
// and the refusals: a clerk's or a kiosk's token gets 403, bad input a clear
// Chinese message that changes nothing.
import { rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackend } from '../helpers/test-database.ts';
import { CaseAuditPage, CaseDetails, CaseSearchResult } from '../../common/case-search.ts';
import { HallOverviewAnswer, type HallOverview } from '../../common/hall-overview.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import type { Enrollment } from '../../common/http-api.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { caseArgs, chain } from '../sync/support.ts';
import { call, hallDataContains, openHallDatabaseAt, refusal, startTestHall, tableDigests, type TestHall } from './support.ts';

// 2026-12-07 10:00 in the hall (UTC+8).
let now = Date.parse('2026-12-07T02:00:00.000Z');
const clock = () => new Date(now);
const ID = '32010219850312004' + residentIdCheckChar('32010219850312004');
const OTHER_ID = '11010119900101002' + residentIdCheckChar('11010119900101002');

let hall: TestHall;
let manager: Enrollment; // window 1, 1006 signed in
let clerk: Enrollment; // window 2, 1001 signed in
let counter3: Enrollment; // window 3, nobody signed in
let kiosk: Enrollment;
const streams: AbortController[] = [];
/** Every line the server logs (requests, errors): no ID number may ever be in one. */
const logLines: string[] = [];

const get = (path: string, token: string) => call(hall.url, 'GET', path, { token });
async function overview(query = ''): Promise<{ version: number; overview: HallOverview | null }> {
  const answer = await get(`/v1/manager/overview${query}`, manager.token);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return HallOverviewAnswer.parse(answer.json);
}
const tile = (o: HallOverview, windowId: number) => o.windows.find((w) => w.windowId === windowId)!;

/** A counter's live link (its event stream), held open until the test ends or `abort`. */
async function openLink(token: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(`${hall.url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  void (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // aborted
    }
  })();
  streams.push(controller);
  return controller;
}

beforeAll(async () => {
  hall = await startTestHall({ clock, signInDelayMs: () => 0, log: (line) => logLines.push(line) });
  manager = await hall.enroll(1);
  clerk = await hall.enroll(2);
  counter3 = await hall.enroll(3);
  kiosk = await hall.enroll(null);
  for (const [device, staffNo] of [[manager, '1006'], [clerk, '1001']] as const) {
    const answer = await call(hall.url, 'POST', '/v1/auth/sign-in', { token: device.token, body: { staffNo, password: DEMO_PASSWORD } });
    expect(answer.status).toBe(200);
  }
});
afterAll(async () => {
  for (const stream of streams) stream.abort();
  await hall?.close();
  if (hall) rmSync(hall.dataDir, { recursive: true, force: true });
});

describe('who may ask', () => {
  const manage = [
    ['GET', '/v1/manager/overview'],
    ['GET', '/v1/manager/cases'],
    ['POST', '/v1/manager/cases/20261206021230001/open'],
    ['GET', '/v1/manager/case-audit'],
  ] as const;

  it('refuses a clerk, a counter where nobody is signed in and a kiosk (403, in Chinese), and changes nothing', async () => {
    const before = tableDigests(hall.dbPath);
    for (const [method, path] of manage) {
      for (const device of [clerk, counter3, kiosk]) {
        const error = refusal(await call(hall.url, method, path, { token: device.token }), 403, 'FORBIDDEN');
        expect(error.message).toMatch(/仅限大厅管理员/);
      }
      refusal(await call(hall.url, method, path), 401, 'UNAUTHORIZED');
    }
    expect(tableDigests(hall.dbPath)).toEqual(before);
  });

  it('refuses a bad overview or audit query in Chinese', async () => {
    refusal(await get('/v1/manager/overview?waitMs=60000', manager.token), 400, 'BAD_REQUEST');
    refusal(await get('/v1/manager/overview?since=-1', manager.token), 400, 'BAD_REQUEST');
    const error = refusal(await get('/v1/manager/case-audit?caseNo=12x', manager.token), 400, 'BAD_REQUEST');
    expect(error.message).toMatch(/办件编号应为/);
    refusal(await get('/v1/manager/case-audit?pageSize=1000', manager.token), 400, 'BAD_REQUEST');
  });

  it('takes a device report only from the window’s own counter', async () => {
    const report = { printer: { level: 'ok', message: null }, evaluator: { level: 'ok', message: null }, outward: { level: 'ok', message: null } };
    refusal(await call(hall.url, 'POST', '/v1/windows/2/devices', { token: counter3.token, body: report }), 403, 'FORBIDDEN');
    refusal(await call(hall.url, 'POST', '/v1/windows/2/devices', { token: kiosk.token, body: report }), 403, 'FORBIDDEN');
    refusal(await call(hall.url, 'POST', '/v1/windows/2/devices', { token: clerk.token, body: { printer: { level: 'odd' } } }), 400, 'BAD_REQUEST');
  });
});

describe('大厅总览', () => {
  it('shows every window: offline without a live link, then its state as it changes, each change answering a waiting poll', async () => {
    const first = await overview();
    const o = first.overview!;
    expect(o.windows.map((w) => w.windowId)).toEqual([1, 2, 3, 4, 5]);
    expect(o.windows.every((w) => w.state === 'offline')).toBe(true);
    // Window 2's clerk is signed in but its counter has no live link: the alert says so.
    expect(o.alerts.find((a) => a.windowId === 2 && a.kind === 'device_down')?.text).toMatch(/终端与大厅服务器断开/);
    expect(o.lines.map((l) => [l.lineId, l.waiting, l.issuedToday, l.standardServiceMinutes])).toEqual([
      ['A', 0, 0, 15],
      ['B', 0, 0, 30],
      ['C', 0, 0, 20],
    ]);

    // A link opens: the waiting poll answers with window 2 idle (signed in, no number).
    let poll = overview(`?since=${first.version}&waitMs=20000`);
    await openLink(clerk.token);
    let answer = await poll;
    expect(answer.version).not.toBe(first.version);
    expect(tile(answer.overview!, 2)).toMatchObject({ state: 'idle', clerk: { staffNo: '1001' } });
    await openLink(counter3.token);
    await openLink(manager.token);
    answer = await overview();
    expect(tile(answer.overview!, 3).state).toBe('closed');

    // 取号 A ×2, then window 2 calls one: serving, its number; A waits 1.
    for (let i = 0; i < 2; i++) await call(hall.url, 'POST', '/v1/tickets', { token: kiosk.token, body: { lineId: 'A' } });
    poll = overview(`?since=${(await overview()).version}&waitMs=20000`);
    await call(hall.url, 'POST', '/v1/windows/2/call-next', { token: clerk.token, headers: { 'Idempotency-Key': 'c1' } });
    answer = await poll;
    expect(tile(answer.overview!, 2)).toMatchObject({ state: 'serving', current: { number: 'A001', lineId: 'A' } });
    expect(answer.overview!.lines[0]).toMatchObject({ lineId: 'A', waiting: 1, issuedToday: 2, servedToday: 0 });
    expect(answer.overview!.lines[0]!.oldestWaitingSince).not.toBeNull();

    // Over the line's standard time (A: 15 minutes): amber in the tile and an alert; twice it: red.
    now += 16 * 60_000;
    answer = await overview();
    expect(tile(answer.overview!, 2).service?.level).toBe('amber');
    expect(answer.overview!.alerts.find((a) => a.kind === 'overtime')).toMatchObject({ level: 'warning', windowId: 2, lineId: 'A' });
    expect(answer.overview!.alerts.find((a) => a.kind === 'overtime')!.text).toMatch(/A001 已办理 16 分钟，超过标准时长 15 分钟/);

    // A002 has waited past the hall's threshold (30 minutes by default): 等候过久, with what to do.
    now += 20 * 60_000;
    answer = await overview();
    const wait = answer.overview!.alerts.find((a) => a.kind === 'long_wait')!;
    expect(wait).toMatchObject({ level: 'warning', lineId: 'A' });
    expect(wait.text).toMatch(/已等候 36 分钟，超过 30 分钟/);
    expect(wait.action).toMatch(/增开/);
    expect(answer.overview!.alerts[0]!.level).toBe('danger'); // red first: window 2's overtime is red now (36 > 30)

    // 办结 then 暂停服务 with a reason: paused, the reason shown; served today 1.
    await call(hall.url, 'POST', '/v1/windows/2/complete', { token: clerk.token });
    poll = overview(`?since=${(await overview()).version}&waitMs=20000`);
    await call(hall.url, 'POST', '/v1/windows/2/pause', { token: clerk.token, headers: { 'Idempotency-Key': 'p1' }, body: { reason: '临时离开' } });
    answer = await poll;
    expect(tile(answer.overview!, 2)).toMatchObject({ state: 'paused', pause: { reason: '临时离开' }, servedToday: 1 });
    expect(answer.overview!.lines[0]).toMatchObject({ servedToday: 1 });
  });

  it('shows the devices a counter reports, and a device down as an alert with what to do', async () => {
    const { version } = await overview();
    const poll = overview(`?since=${version}&waitMs=20000`);
    const report = {
      printer: { level: 'error', message: '打印机缺纸，请装纸' },
      evaluator: { level: 'ok', message: null },
      outward: { level: 'ok', message: null },
    };
    expect((await call(hall.url, 'POST', '/v1/windows/2/devices', { token: clerk.token, body: report })).status).toBe(200);
    const answer = await poll;
    expect(tile(answer.overview!, 2).devices).toEqual(report);
    const alert = answer.overview!.alerts.find((a) => a.kind === 'device_down' && a.windowId === 2)!;
    expect(alert).toMatchObject({ level: 'danger' });
    expect(alert.text).toMatch(/打印机故障：打印机缺纸/);
    expect(alert.action).toMatch(/设备设置/);
    // The same report again changes nothing: the poll waits out its time and answers only the version.
    const same = overview(`?since=${answer.version}&waitMs=300`);
    await call(hall.url, 'POST', '/v1/windows/2/devices', { token: clerk.token, body: report });
    expect(await same).toEqual({ version: answer.version, overview: null });
  });

  it('lists a bad rating whose follow-up is open, with its due date (red once overdue)', async () => {
    const db = openHallDatabaseAt(hall.dbPath, { readonly: false });
    try {
      db.prepare(
        `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level, outcome,
           channel, device_address, opened_at, at, seq) VALUES ('r-bad', ?, 1, NULL, NULL, 2, '1001', 'A001', 1, 'rated',
           'evaluator', 5, '2026-12-01T02:00:00.000Z', '2026-12-01T02:01:00.000Z', 1)`,
      ).run(clerk.deviceId);
      db.prepare(
        `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at)
         VALUES (?, 1, 'r-bad', '2026-12-04', 'verifying', '2026-12-01T02:01:00.000Z')`,
      ).run(clerk.deviceId);
    } finally {
      db.close();
    }
    const alert = (await overview()).overview!.alerts.find((a) => a.kind === 'bad_rating')!;
    expect(alert).toMatchObject({ level: 'danger', windowId: 2, dueDate: '2026-12-04' });
    expect(alert.text).toMatch(/1001 收到差评「非常不满意」（A001）/);
    expect(alert.action).toMatch(/回访已逾期（应于 2026-12-04 前完成）/);
  });

  it('marks a window offline again when its counter’s link closes', async () => {
    const link = streams[0]!; // window 2's
    const { version } = await overview();
    const poll = overview(`?since=${version}&waitMs=20000`);
    link.abort();
    expect(tile((await poll).overview!, 2).state).toBe('offline');
  });

  it.skipIf(testBackend() !== 'postgres')(
    `counts a counter's link held by another server process on the same database${testBackend() === 'postgres' ? '' : ' [PostgreSQL only: several processes]'}`,
    async () => {
      // A second server process on the hall's database (here in this test process: its own connection and bus).
      const other = await startTestHall({ dataDir: hall.dataDir, clock, signInDelayMs: () => 0 });
      try {
        const counter4 = await other.enroll(4);
        expect(tile((await overview()).overview!, 4).state).toBe('offline');
        const { version } = await overview();
        const poll = overview(`?since=${version}&waitMs=20000`);
        const response = await fetch(`${other.url}/v1/events`, { headers: { authorization: `Bearer ${counter4.token}` } });
        expect(response.status).toBe(200);
        // The other process announces window 4's link; this one's 大厅总览 moves: online, nobody signed in.
        expect(tile((await poll).overview!, 4).state).toBe('closed');
        const again = overview(`?since=${(await overview()).version}&waitMs=20000`);
        await response.body!.cancel();
        expect(tile((await again).overview!, 4).state).toBe('offline');
      } finally {
        await other.close();
      }
    },
  );
});

describe('办件查询 and 查阅记录', () => {
  const yesterday = '2026-12-06';
  const yesterdayCase = { ...caseArgs(1, 2, 2, yesterday), decidedAt: `${yesterday}T03:00:00.000Z`, staffNo: '1001' };
  const otherCase = {
    ...caseArgs(2, 2, 2, yesterday),
    decidedAt: `${yesterday}T05:00:00.000Z`,
    itemCode: 'SCJG-DJ-011',
    itemName: '个体工商户设立登记',
    applicantMasked: { type: 'person' as const, name: '李**', idMasked: '1101**********1002' },
  };

  beforeAll(async () => {
    // Window 2's counter pushes yesterday's two cases with their applicants' ID numbers beside them.
    const answer = await call(hall.url, 'POST', '/v1/sync/push', {
      token: clerk.token,
      body: {
        deviceId: clerk.deviceId,
        mutations: chain([
          { name: CASE_DECIDED, args: yesterdayCase },
          { name: CASE_DECIDED, args: otherCase },
        ]),
        applicantIds: [
          { caseNo: yesterdayCase.caseNo, idNumber: ID },
          { caseNo: otherCase.caseNo, idNumber: OTHER_ID },
        ],
      },
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  });

  it('finds yesterday’s case of another window by its applicant’s ID number, masked; the ID is nowhere in the hall’s files', async () => {
    const answer = await get(`/v1/manager/cases?idNumber=${ID.toLowerCase()}`, manager.token);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const result = CaseSearchResult.parse(answer.json);
    expect(result.total).toBe(1);
    expect(result.rows[0]).toMatchObject({
      caseNo: yesterdayCase.caseNo,
      windowId: 2,
      windowName: expect.stringContaining('2'),
      staffNo: '1001',
      staffName: expect.any(String),
      applicant: { name: '王**', idMasked: '3201**********0012' },
    });
    expect(hallDataContains(hall.dbPath, ID)).toBe(false);
    expect(hallDataContains(hall.dbPath, OTHER_ID)).toBe(false);
    // Nor in the server's log, though it was pushed and searched for (the log has paths, never queries or bodies).
    expect(logLines.some((line) => line.includes('/v1/manager/cases'))).toBe(true);
    expect(logLines.filter((line) => line.includes(ID) || line.includes(OTHER_ID))).toEqual([]);
    // The hall's key: a 0600 file beside the database.
    expect(statSync(hall.applicantKeyPath).mode & 0o777).toBe(0o600);
  });

  it('filters by case number, item, status, window, clerk and date range, paged', async () => {
    const search = async (query: string) => CaseSearchResult.parse((await get(`/v1/manager/cases?${query}`, manager.token)).json);
    expect((await search(`caseNo=${yesterdayCase.caseNo}`)).rows.map((r) => r.caseNo)).toEqual([yesterdayCase.caseNo]);
    expect((await search('itemCode=SCJG-DJ-011&from=2026-12-01')).rows.map((r) => r.caseNo)).toEqual([otherCase.caseNo]);
    expect((await search('status=accepted&windowId=2&staffNo=1001&from=2026-12-06&to=2026-12-06')).total).toBe(2);
    expect((await search('windowId=1')).total).toBe(0);
    expect((await search('from=2026-12-07&to=2026-12-07')).total).toBe(0);
    // Newest first, one a page.
    const page1 = await search('from=2026-12-06&to=2026-12-06&pageSize=1');
    const page2 = await search('from=2026-12-06&to=2026-12-06&pageSize=1&page=2');
    expect([page1.total, page1.rows[0]!.caseNo, page2.rows[0]!.caseNo]).toEqual([2, otherCase.caseNo, yesterdayCase.caseNo]);
    // Without a range, a case number or an ID: the last 30 days.
    expect(await search('')).toMatchObject({ total: 2, from: '2026-11-08', to: '2026-12-07' });
  });

  it('refuses each kind of bad input with a clear Chinese message, changing nothing', async () => {
    const before = tableDigests(hall.dbPath);
    const bad = async (query: string, pattern: RegExp) => {
      const error = refusal(await get(`/v1/manager/cases?${query}`, manager.token), 400, 'BAD_REQUEST');
      expect(error.message, query).toMatch(pattern);
    };
    await bad('from=2026-12-06&to=2026-12-01', /结束日期 2026-12-01 早于开始日期 2026-12-06/);
    await bad('from=2025-01-01&to=2026-12-06', /日期范围超过一年/);
    await bad('windowId=42', /没有 42 号窗口/);
    await bad('staffNo=9999', /没有工号为 9999 的工作人员/);
    await bad(`idNumber=${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`, /证件号码不正确：.*校验/);
    await bad('idNumber=12345', /证件号码不正确/);
    await bad('caseNo=123', /办件编号/);
    await bad('from=2026-13-45', /日期/);
    expect(tableDigests(hall.dbPath)).toEqual(before);
  });

  it('opens a case’s details for a manager and records who, when, which case and from which device; the record cannot be changed', async () => {
    now += 60_000;
    const answer = await call(hall.url, 'POST', `/v1/manager/cases/${yesterdayCase.caseNo}/open`, { token: manager.token });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const details = CaseDetails.parse(answer.json);
    expect(details).toMatchObject({ caseNo: yesterdayCase.caseNo, windowId: 2, applicant: { idMasked: '3201**********0012' } });
    refusal(await call(hall.url, 'POST', '/v1/manager/cases/20261206029990001/open', { token: manager.token }), 404, 'NOT_FOUND');

    const audit = CaseAuditPage.parse((await get('/v1/manager/case-audit', manager.token)).json);
    expect(audit.total).toBe(1);
    expect(audit.entries[0]).toMatchObject({
      id: details.auditId,
      action: 'open_case',
      caseNo: yesterdayCase.caseNo,
      staffNo: '1006',
      deviceId: manager.deviceId,
      windowId: 1,
      at: new Date(now).toISOString(),
    });
    const byCase = CaseAuditPage.parse((await get(`/v1/manager/case-audit?caseNo=${otherCase.caseNo}`, manager.token)).json);
    expect(byCase.total).toBe(0);

    const db = openHallDatabaseAt(hall.dbPath, { readonly: false });
    try {
      expect(() => db.prepare("UPDATE case_audit SET staff_no = '1001'").run()).toThrow(/查阅记录不可修改/);
      expect(() => db.prepare('DELETE FROM case_audit').run()).toThrow(/查阅记录不可删除/);
    } finally {
      db.close();
    }
  });
});
