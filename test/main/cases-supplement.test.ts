// 补交登记 (容缺受理) through the counter core's call() against the real hall
// server over real HTTP, with a real SQLite file and a simulated receipt
// printer: 办结 refused while material is owed, each 补交 committed locally,
// printed as a 补交回执 and carried by the outbox to the hall server, then 办结.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseList, CaseRecord, type CaseDraft } from '../../common/cases.ts';
import type { ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { PrinterSimulator, type SimulatedJob } from '../../sim/printer/simulator.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { DEMO_PASSWORD, startHallServer } from '../helpers/hall-server.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);
// 无犯罪记录证明开具: 承诺件, 3 working days; 居民身份证 required, the other two 可容缺.
const OWED = ['用途说明或单位证明函', '授权委托书及受托人身份证件'];
const draft: CaseDraft = {
  itemCode: 'GA-ZM-006',
  applicant: { type: 'person', name: '王小明', idNumber: ID, phone: '13812345678' },
  provided: [true, false, false],
  ticketNumber: null,
};
const text = (job: SimulatedJob) => job.lines.map((line) => line.text.replace(/ +/g, ''));

describe('补交登记 at the counter, through sync', () => {
  it('refuses 办结 while material is owed; each 补交 prints its 回执 and reaches the hall server; then 办结', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const printer = new PrinterSimulator({});
    cleanups.push(() => printer.close());
    const { port } = await printer.listenTcp(0);
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const counter = await openCounter(
      {
        dataDir: join(mkdtempSync(join(tmpdir(), 'halldesk-supplement-')), 'counter'),
        deviceName: 'supplement test',
        autoEnroll: { serverUrl: hall.url, code },
        printer: { link: { kind: 'tcp', host: '127.0.0.1', port }, profile: { width: 80, nativeQr: true, fourByteGb18030: false } },
      },
      { retryDelay: () => 100 },
    );
    cleanups.push(() => counter.close());
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
    await counter.call('signIn', { staffNo: '1001', password: DEMO_PASSWORD });

    const accepted = CaseRecord.parse(
      await counter.call('submitCase', {
        draft,
        decision: 'accept_with_missing',
        refuseReason: null,
        refuseDetail: null,
        instantOutcome: null,
      }),
    );
    expect(accepted.missing.map((m) => m.name)).toEqual(OWED);
    // The 补交 deadline is never after the promised date.
    expect(accepted.owedBy! <= accepted.promisedDate!).toBe(true);
    await printer.waitForJobs(1);

    const refused = await failure(counter.call('finishCase', { caseNo: accepted.caseNo, outcome: 'approved' }));
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    expect(refused.message).toBe(
      `办件 ${accepted.caseNo} 还有 2 项容缺材料未补交（${OWED.join('、')}），本事项须材料补齐后才能办结：请先做补交登记`,
    );

    // One arrives: recorded, its 补交回执 printed with what is still owed and by when.
    const first = CaseRecord.parse(
      await counter.call('recordSupplement', { caseNo: accepted.caseNo, materials: [OWED[1]] }),
    );
    expect(first.missing.map((m) => m.suppliedAt !== null)).toEqual([false, true]);
    const [, firstSlip] = await printer.waitForJobs(2);
    const firstText = text(firstSlip!);
    expect(firstText).toEqual(
      expect.arrayContaining([
        '补交回执',
        `办件编号：${accepted.caseNo}`,
        `申请人：王**（${ID.slice(0, 4)}**********${ID.slice(-4)}）`,
        '已收到您补交的以下1项容缺材料：',
        `1.${OWED[1]}`,
        '形式及份数：原件1份',
        `尚待补交1项（请于${accepted.owedBy}前补交）：`,
        `1.${OWED[0]}`,
        `承诺办结：${accepted.promisedDate}前`,
        '经办人：王丽华（工号1001）',
      ]),
    );
    expect(firstSlip!.qr.map((qr) => qr.payload)).toEqual([`${hall.url}/case/${accepted.caseNo}`]);
    expect(firstText.join('\n')).not.toContain(ID);

    // The same material again is refused; nothing printed, nothing sent.
    expect(
      (await failure(counter.call('recordSupplement', { caseNo: accepted.caseNo, materials: [OWED[1]] }))).message,
    ).toMatch(/补交登记，无需重复登记$/);

    // The other one: nothing owed any more, then 办结.
    await counter.call('recordSupplement', { caseNo: accepted.caseNo, materials: [OWED[0]] });
    const [, , lastSlip] = await printer.waitForJobs(3);
    expect(text(lastSlip!)).toContain('容缺材料已全部补齐。');
    const finished = CaseRecord.parse(
      await counter.call('finishCase', { caseNo: accepted.caseNo, outcome: 'approved' }),
    );
    expect(finished).toMatchObject({ status: 'finished', promisedDate: accepted.promisedDate });
    expect(CaseList.parse(await counter.call('listCases', {})).open).toEqual([]);
    expect(printer.jobs).toHaveLength(3);

    // Every record reaches the hall server, in order: the case, two 补交, 办结.
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);
    const stored = await admin.request('adminCase', { params: { caseNo: accepted.caseNo } });
    expect(stored).toMatchObject({ status: 'finished', outcome: 'approved', promisedDate: accepted.promisedDate });
    expect(stored.missing.map((m) => [m.name, m.suppliedAt !== null && m.suppliedAt !== undefined])).toEqual([
      [OWED[0], true],
      [OWED[1], true],
    ]);
    const state = (await counter.call('getClerkState', {})) as ClerkState;
    expect(state.connection.syncIssue).toBeNull();
  });
});
