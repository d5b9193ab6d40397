// The hall server's side of push and pull (sync.md), over real HTTP against
// the real server: each mutation applied once by (device, seq) and by id,
// 409 {lastSeq} on a gap, rejected-with-reason that never blocks the rest
// (hash chain, unknown name, business rules), the manager's list of rejected
// mutations, and the queue and cases streams with their 410.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallError } from '../../common/errors.ts';
import { QueuePage, CasesPage, type Enrollment, type PushResult } from '../../common/http-api.ts';
import { CASE_DECIDED, CASE_FINISHED, MAX_PUSH_BATCH, type Mutation } from '../../common/sync.ts';
import { HallClient } from '../../main/hall-client.ts';
import { mutationHash } from '../../main/store/outbox.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { caseArgs, chain, decided, deviceClient, hallDb, serverCaseNos, serverMutations } from './support.ts';

let hall: TestHallServer;
let admin: HallClient;
beforeAll(async () => {
  hall = await startHallServer();
  admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
});
afterAll(() => hall.close());

async function refusal(promise: Promise<unknown>): Promise<HallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HallError);
  return error as HallError;
}

async function device(windowId: number): Promise<{ enrollment: Enrollment; client: HallClient }> {
  const enrollment = await hall.enroll(windowId);
  return { enrollment, client: deviceClient(hall.url, enrollment.token) };
}

const push = (
  d: { enrollment: Enrollment; client: HallClient },
  mutations: Mutation[],
): Promise<PushResult> => d.client.request('push', { body: { deviceId: d.enrollment.deviceId, mutations } });

describe('push', () => {
  it('applies in seq order once; a resend is duplicate; the store holds each once, masked', async () => {
    const d = await device(1);
    const mutations = chain(decided(1, 5, 1, d.enrollment.deviceNo));
    const first = await push(d, mutations.slice(0, 3));
    expect(first.lastSeq).toBe(3);
    expect(first.results).toEqual([1, 2, 3].map((seq) => ({ seq, status: 'applied' })));
    expect(Date.parse(first.serverTime)).not.toBeNaN();

    // The answer to seqs 1–3 was "lost": the counter sends them again with the rest.
    const again = await push(d, mutations);
    expect(again.lastSeq).toBe(5);
    expect(again.results).toEqual([
      { seq: 1, status: 'duplicate', firstStatus: 'applied' },
      { seq: 2, status: 'duplicate', firstStatus: 'applied' },
      { seq: 3, status: 'duplicate', firstStatus: 'applied' },
      { seq: 4, status: 'applied' },
      { seq: 5, status: 'applied' },
    ]);
    const rows = serverMutations(hall.dataDir, d.enrollment.deviceId);
    expect(rows.map((r) => [r.seq, r.id, r.status])).toEqual(mutations.map((m) => [m.seq, m.id, 'applied']));
    expect(serverCaseNos(hall.dataDir, d.enrollment.deviceId)).toEqual(
      mutations.map((m) => (m.args as { caseNo: string }).caseNo),
    );
    // An empty push only asks how far the server is.
    expect((await push(d, [])).lastSeq).toBe(5);

    const stored = await admin.request('adminCase', {
      params: { caseNo: caseArgs(1, 1, d.enrollment.deviceNo).caseNo },
    });
    expect(stored).toMatchObject({ windowId: 1, status: 'accepted', applicantMasked: { name: '王**' } });
  });

  it('answers a gap with 409 and lastSeq, after applying what came before it', async () => {
    const d = await device(2);
    const mutations = chain(decided(1, 6, 2, d.enrollment.deviceNo));
    const gap = await refusal(push(d, [mutations[2]!, mutations[3]!]));
    expect([gap.status, gap.code, gap.details.lastSeq]).toEqual([409, 'CONFLICT', 0]);
    expect(gap.message).toContain('请从第 1 条起重新推送');

    // 1, 2 and then 4: 1 and 2 are applied and kept, 4 is refused with lastSeq 2.
    const partial = await refusal(push(d, [mutations[0]!, mutations[1]!, mutations[3]!]));
    expect([partial.status, partial.details.lastSeq]).toEqual([409, 2]);
    expect(serverMutations(hall.dataDir, d.enrollment.deviceId).map((r) => r.seq)).toEqual([1, 2]);

    const resent = await push(d, mutations.slice(2));
    expect(resent.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(resent.lastSeq).toBe(6);
  });

  it('rejects with a zh-CN reason and goes on: broken hash chain, reused id, unknown name, business rules', async () => {
    const d = await device(3);
    const no = d.enrollment.deviceNo;
    const items = [
      { name: CASE_DECIDED, args: caseArgs(1, 3, no) },
      { name: CASE_DECIDED, args: caseArgs(2, 3, no) }, // tampered below: content no longer matches its hash
      { name: CASE_DECIDED, args: caseArgs(3, 3, no) },
      { name: 'rating.given', args: { stars: 5 } }, // unknown to this server
      { name: CASE_DECIDED, args: caseArgs(4, 1, no) }, // another window's case
      {
        name: CASE_FINISHED,
        args: {
          caseNo: caseArgs(99, 3, no).caseNo,
          outcome: 'approved',
          finishedAt: 'x',
          finishedBy: '1003',
          windowId: 3,
        },
      },
      { name: CASE_DECIDED, args: caseArgs(1, 3, no) }, // the same case number again
      { name: CASE_DECIDED, args: { caseNo: 'nonsense' } }, // not the agreed shape
      {
        name: CASE_FINISHED,
        args: {
          caseNo: caseArgs(1, 3, no).caseNo,
          outcome: 'approved',
          finishedAt: '2026-03-06T01:00:00Z',
          finishedBy: '1003',
          windowId: 3,
        },
      },
      {
        name: CASE_FINISHED,
        args: {
          caseNo: caseArgs(1, 3, no).caseNo,
          outcome: 'not_approved',
          finishedAt: '2026-03-06T01:00:00Z',
          finishedBy: '1003',
          windowId: 3,
        },
      },
    ];
    const mutations = chain(items);
    mutations[1] = { ...mutations[1]!, args: caseArgs(50, 3, no) }; // hash kept, content changed
    const answer = await push(d, mutations);
    expect(answer.lastSeq).toBe(10);
    const byStatus = answer.results.map((r) => r.status);
    expect(byStatus).toEqual([
      'applied',
      'rejected',
      'applied', // its prevHash is the hash the device claimed for seq 2: the chain goes on
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'applied',
      'rejected',
    ]);
    const reasons = answer.results.map((r) => r.reason ?? '');
    expect(reasons[1]).toMatch(/^哈希链断裂：第 2 条的内容与其哈希不符/);
    expect(reasons[3]).toContain('未知的记录类型「rating.given」');
    expect(reasons[4]).toContain('不能提交1号窗口的办件');
    expect(reasons[5]).toContain('在服务器上不存在，无法办结');
    expect(reasons[6]).toContain('已存在');
    expect(reasons[7]).toContain('记录内容不符合接口约定');
    expect(reasons[9]).toMatch(/已于 .* 由 1003 办结（准予），本次办结未入库/);
    for (const reason of reasons.filter(Boolean)) expect(reason).toMatch(/[\u4e00-\u9fff]/);
    expect(serverCaseNos(hall.dataDir, d.enrollment.deviceId)).toEqual([
      caseArgs(1, 3, no).caseNo,
      caseArgs(3, 3, no).caseNo,
    ]);

    // A record whose id the server already holds, and a broken prevHash.
    const reused = chain([{ name: CASE_DECIDED, args: caseArgs(5, 3, no) }], {
      seq: 10,
      hash: mutations[9]!.hash,
    });
    reused[0] = { ...reused[0]!, id: mutations[0]!.id };
    reused[0].hash = mutationHash(reused[0].prevHash, reused[0]);
    const badPrev = chain([{ name: CASE_DECIDED, args: caseArgs(6, 3, no) }], {
      seq: 11,
      hash: '1'.repeat(64),
    });
    const more = await push(d, [...reused, ...badPrev]);
    expect(more.results.map((r) => [r.seq, r.status])).toEqual([
      [11, 'rejected'],
      [12, 'rejected'],
    ]);
    expect(more.results[0]!.reason).toContain('本设备第 1 条');
    expect(more.results[1]!.reason).toMatch(/^哈希链断裂：第 12 条的前序哈希/);

    // A duplicate of a rejected mutation says so, with the reason.
    const dup = await push(d, [mutations[3]!]);
    expect(dup.results).toEqual([
      { seq: 4, status: 'duplicate', firstStatus: 'rejected', reason: reasons[3] },
    ]);
    // The same seq with another id: a counter restored from a backup. Refused, nothing stored.
    const [collision] = chain([{ name: CASE_DECIDED, args: caseArgs(7, 3, no) }], {
      seq: 2,
      hash: mutations[1]!.hash,
    });
    const collided = await push(d, [collision!]);
    expect(collided.results[0]).toMatchObject({ seq: 3, status: 'rejected' });
    expect(collided.results[0]!.reason).toContain('从备份恢复');
    expect(serverMutations(hall.dataDir, d.enrollment.deviceId).find((r) => r.seq === 3)?.id).toBe(
      mutations[2]!.id,
    );

    // The hall manager's list.
    const listed = await admin.request('rejectedMutations', { query: { deviceId: d.enrollment.deviceId } });
    expect(listed.mutations.map((m) => m.seq)).toEqual([12, 11, 10, 8, 7, 6, 5, 4, 2]);
    expect(listed.mutations.find((m) => m.seq === 4)).toMatchObject({
      name: 'rating.given',
      args: { stars: 5 },
      windowId: 3,
      reason: reasons[3],
    });
    const everyone = await admin.request('rejectedMutations', {});
    expect(everyone.mutations.length).toBeGreaterThanOrEqual(9);
    expect((await refusal(d.client.request('rejectedMutations'))).status).toBe(401);
  });

  it("refuses another device's id (403), more than 500 a batch and malformed records (400)", async () => {
    const d = await device(4);
    const other = await device(5);
    const mutations = chain(decided(1, 1, 4, d.enrollment.deviceNo));
    const forbidden = await refusal(
      d.client.request('push', { body: { deviceId: other.enrollment.deviceId, mutations } }),
    );
    expect([forbidden.status, forbidden.code]).toEqual([403, 'FORBIDDEN']);
    const tooMany = chain(Array.from({ length: MAX_PUSH_BATCH + 1 }, () => ({ name: 'x', args: {} })));
    const big = await refusal(push(d, tooMany));
    expect(big.status).toBe(400);
    expect(big.message).toContain('每批最多 500 条');
    const malformed = await refusal(push(d, [{ ...mutations[0]!, hash: 'nope' }]));
    expect(malformed.status).toBe(400);
    expect(serverMutations(hall.dataDir, d.enrollment.deviceId)).toEqual([]);
    // 500 (about 1 KiB each) fit in one request.
    const full = chain(decided(1, MAX_PUSH_BATCH, 4, d.enrollment.deviceNo));
    const answer = await push(d, full);
    expect(answer.lastSeq).toBe(MAX_PUSH_BATCH);
    expect(answer.results.every((r) => r.status === 'applied')).toBe(true);
  });
});

describe('pull: queue and cases', () => {
  it("queue: from scratch a reset page with the hall's waiting counts; then only changes; 410 for a cursor never issued", async () => {
    const counter = await device(2);
    const kiosk = deviceClient(hall.url, (await hall.enroll(null)).token);
    await counter.client.request('signIn', { body: { staffNo: '1002', password: DEMO_PASSWORD } });
    const before = QueuePage.parse(await counter.client.request('pull', { query: { stream: 'queue', cursor: 0 } }));
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
    await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });

    const first = QueuePage.parse(
      await counter.client.request('pull', { query: { stream: 'queue', cursor: 0 } }),
    );
    expect(first.reset).toBe(true);
    expect(first.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first.waiting.A).toBe((before.waiting.A ?? 0) + 2);
    // The counter issued none of them: its page holds only its own tickets.
    expect(first.changes).toEqual([]);

    await counter.client.request('callNext', { params: { id: 2 }, headers: { 'Idempotency-Key': 'q-1' } });
    const next = QueuePage.parse(
      await counter.client.request('pull', { query: { stream: 'queue', cursor: first.cursor } }),
    );
    expect(next.reset).toBe(false);
    expect(next.cursor).toBeGreaterThan(first.cursor);
    expect(next.waiting.A).toBe(first.waiting.A! - 1);

    const gone = await refusal(
      counter.client.request('pull', { query: { stream: 'queue', cursor: next.cursor + 1000 } }),
    );
    expect(gone.status).toBe(410);
  });

  it("cases: a back-office 办结 reaches the case's window only; 410 for a cursor never issued", async () => {
    const d = await device(5);
    const neighbour = await device(5);
    const mutations = chain(decided(1, 2, 5, d.enrollment.deviceNo));
    await push(d, mutations);
    const start = CasesPage.parse(await d.client.request('pull', { query: { stream: 'cases', cursor: 0 } }));
    const caseNo = caseArgs(2, 5, d.enrollment.deviceNo).caseNo;
    const finished = await admin.request('adminFinishCase', {
      params: { caseNo },
      body: { outcome: 'approved', finishedBy: '后台 张三' },
    });
    expect(finished).toMatchObject({ status: 'finished', outcome: 'approved', finishedBy: '后台 张三' });
    const again = await refusal(
      admin.request('adminFinishCase', {
        params: { caseNo },
        body: { outcome: 'approved', finishedBy: 'x' },
      }),
    );
    expect(again.status).toBe(409);

    const page = CasesPage.parse(
      await d.client.request('pull', { query: { stream: 'cases', cursor: start.cursor } }),
    );
    expect(page.changes).toEqual([
      {
        version: page.cursor,
        case: {
          caseNo,
          status: 'finished',
          outcome: 'approved',
          finishedAt: finished.finishedAt,
          finishedBy: '后台 张三',
        },
      },
    ]);
    // Same window, another device: it hears too (the window's cases); window 1 does not.
    const other = CasesPage.parse(
      await neighbour.client.request('pull', { query: { stream: 'cases', cursor: start.cursor } }),
    );
    expect(other.changes).toHaveLength(1);
    const w1 = await device(1);
    const none = CasesPage.parse(
      await w1.client.request('pull', { query: { stream: 'cases', cursor: start.cursor } }),
    );
    expect(none).toEqual({ changes: [], cursor: page.cursor, hasMore: false });
    expect(
      (await refusal(d.client.request('pull', { query: { stream: 'cases', cursor: page.cursor + 1 } })))
        .status,
    ).toBe(410);

    // The counter's own 办结 afterwards is refused: the conflict is kept for the manager, not lost.
    const [late] = chain(
      [
        {
          name: CASE_FINISHED,
          args: {
            caseNo,
            outcome: 'not_approved',
            finishedAt: '2026-03-06T01:00:00Z',
            finishedBy: '1005',
            windowId: 5,
          },
        },
      ],
      { seq: 2, hash: mutations[1]!.hash },
    );
    const answer = await push(d, [late!]);
    expect(answer.results[0]).toMatchObject({ status: 'rejected' });
    expect(answer.results[0]!.reason).toContain('由 后台 张三 办结（准予）');
    const db = hallDb(hall.dataDir);
    expect(db.prepare('SELECT outcome FROM cases WHERE case_no = ?').pluck().get(caseNo)).toBe('approved');
    db.close();
  });
});
