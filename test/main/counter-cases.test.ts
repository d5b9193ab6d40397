// Cases through the counter core's call() against the real hall server over
// real HTTP, with a real SQLite file: the ticket link, sign-in required, the
// outward mirror (masked), and case work while the hall server is down.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseDraftView, CaseList, CaseRecord, ClerkFigures, type CaseDraft } from '../../common/cases.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { calls, type CallResult, type ClerkState, type OutwardView } from '../../common/contract.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import { HallClient } from '../../main/hall-client.ts';
import type { Logger } from '../../main/log.ts';
import { startHallServer, DEMO_PASSWORD, type TestHallServer } from '../helpers/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);
const PHONE = '13812345678';

const draft = (provided: boolean[], ticketNumber: string | null = null): CaseDraft => ({
  itemCode: 'GA-ZM-006', // 无犯罪记录证明开具: 承诺件, 3 working days; materials 1 required, 2 可容缺
  applicant: { type: 'person', name: '王小明', idNumber: ID, phone: PHONE },
  provided,
  ticketNumber,
});

function rawLogger(lines: string[]): Logger {
  // Unredacted on purpose: proves the code does not log personal data at all.
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(JSON.stringify({ level, message, ...fields }));
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}


async function enrolledCounter(
  hall: TestHallServer,
  windowId: number,
  dataDir: string,
  lines: string[],
): Promise<Counter> {
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } });
  const counter = await openCounter(
    { dataDir, deviceName: 'cases test', log: rawLogger(lines), autoEnroll: { serverUrl: hall.url, code } },
    { retryDelay: () => 100 },
  );
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
  return counter;
}

async function kiosk(hall: TestHallServer): Promise<HallClient> {
  const enrolled = await hall.enroll(null);
  return new HallClient({ baseUrl: hall.url, token: enrolled.token });
}

describe('cases at the counter', () => {
  it('links the case to the ticket, mirrors it masked to the outward screen, and needs a signed-in clerk', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const lines: string[] = [];
    const counter = await enrolledCounter(
      hall,
      1,
      join(mkdtempSync(join(tmpdir(), 'halldesk-cc-')), 'counter'),
      lines,
    );
    cleanups.push(() => counter.close());

    // The catalogue is there before sign-in (hall data, not personal); case work is not.
    const catalogue = (await counter.call('getCatalogue', {})) as CallResult<'getCatalogue'>;
    calls.getCatalogue.result.parse(catalogue);
    expect(catalogue.items.length).toBeGreaterThanOrEqual(10);
    expect(catalogue.items.find((item) => item.name.startsWith('营业执照'))?.initials).toMatch(/^yyzz/);
    for (const [name, args] of [
      ['updateCaseDraft', { draft: draft([true, true, true]) }],
      [
        'submitCase',
        {
          draft: draft([true, true, true]),
          decision: 'accept',
          refuseReason: null,
          refuseDetail: null,
          instantOutcome: null,
        },
      ],
      ['finishCase', { caseNo: '20260101010010001', outcome: 'approved' }],
      ['listCases', {}],
      ['getFigures', {}],
    ] as const) {
      expect(await failure(counter.call(name, args))).toMatchObject({
        code: 'NOT_SIGNED_IN',
        message: '请先登录',
      });
    }

    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });
    const tickets = await kiosk(hall);
    await tickets.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await tickets.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.queue.some((line) => line.waiting === 2));
    const called = (await counter.call('callNext', {})) as ClerkState;
    expect(called.current?.number).toBe('A001');
    expect((await counter.call('getOutwardView', {})) as OutwardView).toMatchObject({ case: null });

    // The clerk fills in the form: the citizen sees it masked, with the ticks.
    const view = CaseDraftView.parse(
      await counter.call('updateCaseDraft', { draft: draft([true, false, true], 'A001') }),
    );
    expect(view.allowed).toEqual(['accept_with_missing', 'notice', 'refuse']);
    const filling = await waitFor<OutwardView>(counter, 'outwardView', (v) => v.case !== null);
    expect(filling.case).toEqual({
      itemName: '无犯罪记录证明开具',
      applicantType: 'person',
      applicantName: '王**',
      idMasked: `${ID.slice(0, 4)}**********${ID.slice(-4)}`,
      materials: [
        { name: '居民身份证', provided: true },
        { name: '用途说明或单位证明函', provided: false },
        { name: '授权委托书及受托人身份证件', provided: true },
      ],
      decision: null,
      caseNo: null,
      status: null,
      outcome: null,
      promisedDate: null,
      owedBy: null,
    });

    const record = CaseRecord.parse(
      await counter.call('submitCase', {
        draft: draft([true, false, true], 'A001'),
        decision: 'accept_with_missing',
        refuseReason: null,
        refuseDetail: null,
        instantOutcome: null,
      }),
    );
    expect(record).toMatchObject({
      ticketNumber: 'A001',
      windowId: 1,
      staffNo: '1001',
      status: 'accepted',
      decision: 'accept_with_missing',
    });
    // YYYYMMDD-window code 01-this device's number-0001
    expect(record.caseNo).toMatch(/^\d{8}-01-[1-9]\d*-0001$/);
    expect(record.promisedDate).not.toBeNull();
    const decided = await waitFor<OutwardView>(
      counter,
      'outwardView',
      (v) => v.case?.caseNo === record.caseNo,
    );
    expect(decided.case).toMatchObject({
      decision: 'accept_with_missing',
      promisedDate: record.promisedDate,
    });
    const outwardText = JSON.stringify(decided);
    for (const secret of [ID, ID.slice(4, 14), PHONE, '王小明']) expect(outwardText).not.toContain(secret);

    const list = CaseList.parse(await counter.call('listCases', {}));
    expect(list.today.map((c) => c.caseNo)).toEqual([record.caseNo]);
    expect(list.open.map((c) => c.caseNo)).toEqual([record.caseNo]);
    const figures = ClerkFigures.parse(await counter.call('getFigures', {}));
    expect(figures).toMatchObject({ staffNo: '1001', called: 1, completed: 0, accepted: 1, finished: 0 });
    expect(figures.averageServiceMinutes).toBeNull(); // A001 is not 办结 yet

    // The next citizen: the decided case leaves the outward screen.
    await counter.call('callNext', {});
    await waitFor<OutwardView>(
      counter,
      'outwardView',
      (v) => v.calling?.number === 'A002' && v.case === null,
    );

    // Clearing the form clears the mirror; signing out hides it too.
    await counter.call('updateCaseDraft', { draft: draft([true, true, true], 'A002') });
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.case !== null);
    await counter.call('updateCaseDraft', { draft: null });
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.case === null);
    await counter.call('updateCaseDraft', { draft: draft([true, true, true], 'A002') });
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.case !== null);
    await counter.call('signOut', {});
    await waitFor<OutwardView>(counter, 'outwardView', (v) => v.mode === 'closed' && v.case === null);
    expect(await failure(counter.call('listCases', {}))).toMatchObject({ code: 'NOT_SIGNED_IN' });

    const logText = lines.join('\n');
    expect(logText).toContain(record.caseNo);
    for (const secret of [ID, ID.slice(0, 14), PHONE, '王小明']) expect(logText).not.toContain(secret);
  });

  it('takes, lists and finishes cases while the hall server is down, and keeps them across a restart', async () => {
    const hall = await startHallServer();
    let hallOpen = true;
    cleanups.push(async () => {
      if (hallOpen) await hall.close();
    });
    const dataDir = join(mkdtempSync(join(tmpdir(), 'halldesk-cc-')), 'counter');
    const lines: string[] = [];
    const counter = await enrolledCounter(hall, 2, dataDir, lines);
    await counter.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD });

    hallOpen = false;
    await hall.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline');

    const catalogue = (await counter.call('getCatalogue', {})) as CallResult<'getCatalogue'>;
    expect(catalogue.items.length).toBeGreaterThanOrEqual(10);
    await counter.call('updateCaseDraft', { draft: draft([true, true, true]) });
    const accepted = CaseRecord.parse(
      await counter.call('submitCase', {
        draft: draft([true, true, true]),
        decision: 'accept',
        refuseReason: null,
        refuseDetail: null,
        instantOutcome: null,
      }),
    );
    expect(accepted).toMatchObject({ status: 'accepted', windowId: 2, staffNo: '1002', ticketNumber: null });
    expect(accepted.caseNo).toMatch(/^\d{8}-02-[1-9]\d*-0001$/);
    await counter.call('updateCaseDraft', { draft: null });
    const notice = CaseRecord.parse(
      await counter.call('submitCase', {
        draft: draft([false, true, true]),
        decision: 'notice',
        refuseReason: null,
        refuseDetail: null,
        instantOutcome: null,
      }),
    );
    expect(notice.caseNo.slice(-4)).toBe('0002');
    expect(notice.missing.map((m) => m.name)).toEqual(['居民身份证']);
    expect(((await counter.call('getClerkState', {})) as ClerkState).connection.state).toBe('offline');
    await counter.close();

    // Restarted, still offline: the cases are there, and the promised one can be finished.
    const again = await openCounter(
      { dataDir, deviceName: 'cases test', log: rawLogger(lines) },
      { retryDelay: () => 100 },
    );
    cleanups.push(() => again.close());
    // A restart signs the clerk out: the clerk signs in again (offline, against the stored verifier).
    await again.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD });
    const list = CaseList.parse(await again.call('listCases', {}));
    expect(list.today.map((c) => c.caseNo)).toEqual([notice.caseNo, accepted.caseNo]);
    expect(list.open.map((c) => c.caseNo)).toEqual([accepted.caseNo]);
    const finished = CaseRecord.parse(
      await again.call('finishCase', { caseNo: accepted.caseNo, outcome: 'approved' }),
    );
    expect(finished).toMatchObject({ status: 'finished', outcome: 'approved' });
    expect(CaseList.parse(await again.call('listCases', {})).open).toEqual([]);
    const refused = await failure(again.call('finishCase', { caseNo: notice.caseNo, outcome: 'approved' }));
    expect(refused.code).toBe('CONFLICT');
    expect(ClerkFigures.parse(await again.call('getFigures', {}))).toMatchObject({
      accepted: 1,
      finished: 1,
      onTimeRate: 1,
    });
  });
});
