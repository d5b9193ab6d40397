// Issue 20, point 1, "done when": a hall seeded with 400 windows and 50 lines
// (scripts/big-hall-seed.ts) on the real hall server over real HTTP, with real
// counters on real SQLite files. It crosses each old cap: a 101st window (code
// 101), window codes with a letter (B12, B200), a 27th line with a two-letter
// id (AA) and the 50th (AX) and their tickets, 1,200 enrolments over time
// (counters replaced: enrolled, then enrolled again at the same window) with
// device numbers past 999 in unique, parseable case numbers — and a case made
// at window 400 opens its public progress page. Bad window codes and line ids
// are refused with the rule in Chinese.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCaseNo } from '../../common/case-rules.ts';
import { hallToday } from '../../common/hall-time.ts';
import type { ClerkState, OutwardView } from '../../common/contract.ts';
import type { Enrollment } from '../../common/http-api.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import { HallClient } from '../../main/hall-client.ts';
import {
  BIG_HALL_LINES,
  BIG_HALL_WINDOWS,
  bigHallLineId,
  bigHallWindowCode,
  bigHallWindowLine,
  writeBigHallSeed,
} from '../../scripts/big-hall-seed.ts';
import { openHallDatabase } from '../../server/db.ts';
import { seedHallIfEmpty } from '../../server/seed.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);
const rasteriser = createTextRasteriser({ systemFonts: false });

const root = mkdtempSync(join(tmpdir(), 'halldesk-big-hall-'));
let hall: TestHallServer;
let kiosk: HallClient;
const counters: Counter[] = [];

beforeAll(async () => {
  hall = await startHallServer({ seedDir: writeBigHallSeed(join(root, 'seed')) });
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
});
afterAll(async () => {
  for (const counter of counters.splice(0).reverse()) await counter.close();
  await hall?.close();
  rmSync(root, { recursive: true, force: true });
});

async function enrollmentCode(windowId: number): Promise<string> {
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  return (await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } })).code;
}

/** A counter on its own SQLite file, enrolled at `windowId` and online. */
async function counterAt(windowId: number, name: string): Promise<Counter> {
  const counter = await openCounter(
    {
      dataDir: join(root, name),
      deviceName: name,
      autoEnroll: { serverUrl: hall.url, code: await enrollmentCode(windowId) },
    },
    { rasteriser, retryDelay: () => 50 },
  );
  counters.push(counter);
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online' && s.window?.id === windowId);
  return counter;
}

const take = async (lineId: string) => (await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } })).ticket;

const instantCase = (itemCode: string, name = '王小明') => ({
  draft: {
    itemCode,
    applicant: { type: 'person' as const, name, idNumber: ID, phone: '13812345678' },
    provided: [true, true],
    ticketNumber: null,
  },
  decision: 'accept' as const,
  refuseReason: null,
  refuseDetail: null,
  instantOutcome: 'approved' as const,
});

describe('a hall of 400 windows and 50 lines', () => {
  it('the seed has them, coded as the hall writes them', () => {
    expect(bigHallLineId(1)).toBe('A');
    expect(bigHallLineId(26)).toBe('Z');
    expect(bigHallLineId(27)).toBe('AA');
    expect(bigHallLineId(BIG_HALL_LINES)).toBe('AX');
    expect([99, 100, 101, 200, 201, 212, BIG_HALL_WINDOWS].map(bigHallWindowCode)).toEqual(
      ['99', '100', '101', '200', 'B1', 'B12', 'B200'],
    );
    expect(bigHallWindowLine(BIG_HALL_WINDOWS)).toBe('AX');
    const windows = JSON.parse(readFileSync(join(root, 'seed', 'windows.json'), 'utf8')) as unknown[];
    const lines = JSON.parse(readFileSync(join(root, 'seed', 'lines.json'), 'utf8')) as unknown[];
    expect(windows).toHaveLength(400);
    expect(lines).toHaveLength(50);
  });

  it('1,200 enrolments over time all succeed: each window’s counter replaced three times, numbers past 999, never reused', async () => {
    const numbers: number[] = [];
    // Over time: window by window, a counter enrolled, then replaced (enrolled again at the same window).
    for (let round = 0; round < 3; round++) {
      for (let windowId = 1; windowId <= BIG_HALL_WINDOWS; windowId++) {
        const enrollment: Enrollment = await hall.enroll(windowId);
        expect(enrollment.windowId).toBe(windowId);
        numbers.push(enrollment.deviceNo);
      }
    }
    expect(numbers).toHaveLength(1200);
    expect(new Set(numbers).size).toBe(1200);
    // Each next number is the one after: the kiosk has 1, then 2 … 1201.
    expect(numbers[0]).toBe(2);
    expect(numbers.at(-1)).toBe(1201);
    expect(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1)).toBe(true);
    expect(numbers.filter((n) => n > 999)).toHaveLength(202);
  }, 120_000);

  it('a counter at window 400 (B200) enrolls, signs in, calls a ticket of line 50 (AX), 办结 a case, and its progress page opens', async () => {
    const ax = await take('AX');
    expect(ax.number).toBe('AX001');
    const counter = await counterAt(BIG_HALL_WINDOWS, 'window-400');
    const signedIn = (await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD })) as ClerkState;
    expect(signedIn.window).toMatchObject({ id: 400, code: 'B200', name: 'B200号窗口', lineIds: ['AX', 'A'] });

    await counter.call('callNext', {});
    const serving = await waitFor<ClerkState>(counter, 'clerkState', (s) => s.current?.number === 'AX001');
    expect(serving.current).toMatchObject({ number: 'AX001', lineId: 'AX', windowId: 400 });
    const outward = await waitFor<OutwardView>(counter, 'outwardView', (v) => v.calling?.number === 'AX001');
    expect(outward.windowName).toBe('B200号窗口');

    const record = (await counter.call('submitCase', instantCase('ZH-AX-001'))) as { caseNo: string; status: string };
    expect(record.status).toBe('finished');
    const parts = parseCaseNo(record.caseNo)!;
    expect(record.caseNo).toMatch(/^\d{8}-B200-\d{4,6}-0001$/);
    expect(parts.windowCode).toBe('B200');
    expect(parts.deviceNo).toBeGreaterThan(1200); // enrolled after the 1,200 above
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);

    const page = await fetch(`${hall.url}/case/${encodeURIComponent(record.caseNo)}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(record.caseNo);
    expect(html).toContain('已办结（准予）');
    // Typed by hand, in lower case with full-width hyphens, it opens too.
    const typed = record.caseNo.toLowerCase().replaceAll('-', '－');
    expect((await fetch(`${hall.url}/case/${encodeURIComponent(typed)}`)).status).toBe(200);
  }, 60_000);

  it('the 101st window (code 101) and B12 issue walk-ins and unique case numbers; the 27th line AA calls its tickets', async () => {
    const aa = [await take('AA'), await take('AA')];
    expect(aa.map((t) => t.number)).toEqual(['AA001', 'AA002']);
    // Window 27 serves line AA first: over HTTP, as a counter of its own.
    const at27 = await hall.enroll(27);
    const client = new HallClient({ baseUrl: hall.url, token: at27.token });
    await client.request('signIn', { body: { staffNo: '1003', password: DEMO_PASSWORD } });
    const called = await client.request('callNext', { params: { id: 27 }, headers: { 'Idempotency-Key': 'aa-1' } });
    expect(called.ticket).toMatchObject({ number: 'AA001', lineId: 'AA', windowId: 27 });

    const w101 = await counterAt(101, 'window-101');
    const b12 = await counterAt(212, 'window-b12');
    await w101.call('signIn', { staffNo: '1004', password: DEMO_PASSWORD });
    await b12.call('signIn', { staffNo: '1005', password: DEMO_PASSWORD });
    const walkIn101 = (await w101.call('issueWalkIn', { lineId: 'A' })) as { number: string };
    const walkInB12 = (await b12.call('issueWalkIn', { lineId: bigHallWindowLine(212) })) as { number: string; lineId: string };
    expect(walkIn101.number).toBe('W101-001');
    expect(walkInB12).toMatchObject({ number: 'WB12-001', lineId: 'L' });
    // The slips' 排队进度 pages open for the wider numbers too.
    const day = hallToday();
    for (const number of ['WB12-001', 'W101-001', 'AA002']) {
      const page = await fetch(`${hall.url}/ticket/${day}/${number}`);
      expect(page.status, number).toBe(200);
      expect(await page.text(), number).toContain(number);
    }

    const caseNos: string[] = [];
    // Four citizens (the same form submitted again would be the same case).
    for (const [counter, item, name] of [
      [w101, 'MZ-HY-001', '李小红'],
      [b12, 'ZH-L-001', '张小强'],
      [w101, 'MZ-HY-001', '刘小芳'],
      [b12, 'MZ-HY-001', '陈小兰'],
    ] as const) {
      caseNos.push(((await counter.call('submitCase', instantCase(item, name))) as { caseNo: string }).caseNo);
    }
    expect(new Set(caseNos).size).toBe(4);
    const parsed = caseNos.map((caseNo) => parseCaseNo(caseNo)!);
    expect(parsed.map((p) => p.windowCode)).toEqual(['101', 'B12', '101', 'B12']);
    expect(parsed.every((p) => p.deviceNo > 999)).toBe(true);
    expect(parsed.map((p) => p.seq)).toEqual([1, 1, 2, 2]);
  }, 60_000);

  it('refuses a line id or window code the rules do not allow, saying the rule', async () => {
    const refused = await fetch(`${hall.url}/v1/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await hall.enroll(null, 'kiosk')).token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lineId: 'ABC', priority: 'normal' }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toContain('业务类型代码应为一个或两个大写字母（如 A、AB）');
    const unknown = await kiosk.requestUnchecked('issueTicket', { body: { lineId: 'AY', priority: 'normal' } }).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(Error);
    expect((unknown as Error).message).toMatch(/AY/);

    for (const [file, edit, rule] of [
      ['windows.json', (w: { code: string }[]) => ((w[211]!.code = 'b12'), w), /windows\.json 有误：.*窗口代码应为 1–4 位数字或大写字母（如 03、101、B12）/],
      ['windows.json', (w: { code: string }[]) => ((w[0]!.code = 'B1234'), w), /窗口代码应为 1–4 位数字或大写字母/],
      ['lines.json', (l: { id: string }[]) => ((l[49]!.id = 'AXA'), l), /lines\.json 有误：.*业务类型代码应为一个或两个大写字母（如 A、AB）/],
    ] as const) {
      const dir = writeBigHallSeed(mkdtempSync(join(root, 'bad-seed-')));
      writeFileSync(join(dir, file), JSON.stringify((edit as (v: never) => unknown)(JSON.parse(readFileSync(join(dir, file), 'utf8')) as never)));
      const db = openHallDatabase(join(dir, 'hall.sqlite'));
      await expect(seedHallIfEmpty(db, dir)).rejects.toThrow(rule);
      expect(db.prepare('SELECT COUNT(*) FROM config_changes').pluck().get()).toBe(0); // nothing written
      db.close();
    }
  });
});
