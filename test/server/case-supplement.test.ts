// The hall server's intake of 补交登记 (case.supplemented, common/cases.ts)
// over real HTTP: applied to the case's owed materials once, refused with a
// zh-CN reason (and the rest of the batch goes on) when the case is unknown,
// another window's, not 容缺受理, or the material is not owed any more.
import { describe, expect, it, onTestFinished } from 'vitest';
import { CASE_SUPPLEMENTED, type CaseSupplementedArgs } from '../../common/cases.ts';
import type { Enrollment } from '../../common/http-api.ts';
import { CASE_DECIDED, type CaseDecidedArgs, type Mutation } from '../../common/sync.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { caseArgs, chain, deviceClient } from '../sync/support.ts';

const OWED = ['用途说明或单位证明函', '授权委托书及受托人身份证件'];

/** A 容缺受理 case at `windowId` owing both materials of 无犯罪记录证明开具 that are 可容缺. */
function owingCase(n: number, windowId: number, deviceNo: number): CaseDecidedArgs {
  return {
    ...caseArgs(n, windowId, deviceNo),
    decision: 'accept_with_missing',
    missing: OWED.map((name) => ({ name, requirement: '', waivable: true })),
    owedBy: '2026-03-10',
  };
}

const supplied = (caseNo: string, materials: string[], windowId: number, at: string): CaseSupplementedArgs => ({
  caseNo,
  materials,
  suppliedAt: at,
  staffNo: '1001',
  windowId,
});

describe('case.supplemented at the hall server', () => {
  it('marks the owed materials handed in; refuses what is not owed with a reason, without blocking the rest', async () => {
    const hall = await startHallServer();
    onTestFinished(() => hall.close());
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const [window1, window2] = [await hall.enroll(1), await hall.enroll(2)];
    const push = (from: Enrollment, mutations: Mutation[]) =>
      deviceClient(hall.url, from.token).request('push', { body: { deviceId: from.deviceId, mutations } });
    const no = window1.deviceNo;
    const owing = owingCase(1, 1, no);
    const accepted = caseArgs(2, 1, no); // 受理 with every material: owes nothing
    const mutations = chain([
      { name: CASE_DECIDED, args: owing },
      { name: CASE_DECIDED, args: accepted },
      { name: CASE_SUPPLEMENTED, args: supplied(owing.caseNo, [OWED[1]!], 1, '2026-03-06T02:00:00.000Z') },
      // The same material again: already in.
      { name: CASE_SUPPLEMENTED, args: supplied(owing.caseNo, [OWED[1]!], 1, '2026-03-06T02:01:00.000Z') },
      // Not one of the case's owed materials.
      { name: CASE_SUPPLEMENTED, args: supplied(owing.caseNo, ['居民身份证'], 1, '2026-03-06T02:02:00.000Z') },
      // A case that owes nothing, and one the server never heard of.
      { name: CASE_SUPPLEMENTED, args: supplied(accepted.caseNo, [OWED[0]!], 1, '2026-03-06T02:03:00.000Z') },
      { name: CASE_SUPPLEMENTED, args: supplied(caseArgs(99, 1, no).caseNo, [OWED[0]!], 1, '2026-03-06T02:04:00.000Z') },
      // Not even the shape: no materials.
      { name: CASE_SUPPLEMENTED, args: { ...supplied(owing.caseNo, [], 1, '2026-03-06T02:05:00.000Z') } },
      // The last owed material: applied after all the refusals above.
      { name: CASE_SUPPLEMENTED, args: supplied(owing.caseNo, [OWED[0]!], 1, '2026-03-07T02:00:00.000Z') },
    ]);
    const result = await push(window1, mutations);
    expect(result.lastSeq).toBe(9);
    // Each record's outcome, and the reason of each refusal.
    expect(result.results.map((r) => [r.seq, r.status, 'reason' in r ? r.reason : null])).toEqual([
      [1, 'applied', null],
      [2, 'applied', null],
      [3, 'applied', null],
      [4, 'rejected', `「${OWED[1]}」已于 2026-03-06 补交登记，无需重复登记（本条补交登记未入库）`],
      [5, 'rejected', expect.stringMatching(/^「居民身份证」不是办件 \d{17} 的容缺材料/)],
      [6, 'rejected', `办件 ${accepted.caseNo} 不是容缺受理的办件，没有需要补交的材料（本条补交登记未入库）`],
      [7, 'rejected', `办件 ${caseArgs(99, 1, no).caseNo} 在服务器上不存在，无法登记补交`],
      [8, 'rejected', expect.stringMatching(/^记录内容不符合接口约定/)],
      [9, 'applied', null],
    ]);

    const stored = await admin.request('adminCase', { params: { caseNo: owing.caseNo } });
    expect(stored.missing.map((m) => [m.name, m.suppliedAt])).toEqual([
      [OWED[0], '2026-03-07T02:00:00.000Z'],
      [OWED[1], '2026-03-06T02:00:00.000Z'],
    ]);
    // The promised date is the one given at 受理.
    expect(stored.promisedDate).toBe(owing.promisedDate);

    // Another window's counter cannot record 补交 for this window's case.
    const foreign = await push(window2, chain([{ name: CASE_SUPPLEMENTED, args: supplied(owing.caseNo, [OWED[0]!], 2, '2026-03-07T03:00:00.000Z') }]));
    expect(foreign.results).toEqual([
      { seq: 1, status: 'rejected', reason: `办件 ${owing.caseNo} 不属于本设备的窗口，不能在此登记补交` },
    ]);
  });
});
