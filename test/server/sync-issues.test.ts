// GET /v1/manager/sync-issues over real HTTP: the hall manager signed in at a
// counter sees the hall's rejected records (kind and number, never their
// content) and ticket conflicts, newest first; a clerk, an empty window, a
// kiosk and a caller without a token are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../common/errors.ts';
import { openApiDocument, type Enrollment } from '../../common/http-api.ts';
import { HallSyncIssues, SYNC_ISSUES_MANAGERS_ONLY } from '../../common/sync-issues.ts';
import { CASE_DECIDED, TICKET_SERVED_OFFLINE } from '../../common/sync.ts';
import { DEMO_PASSWORD, startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { caseArgs, chain } from '../sync/support.ts';

const PATH = '/v1/manager/sync-issues';

describe('GET /v1/manager/sync-issues (同步异常)', () => {
  let hall: TestHallServer;
  let window1: Enrollment;
  let window2: Enrollment;

  async function call(method: 'GET' | 'POST', path: string, token?: string, body?: unknown) {
    const response = await fetch(hall.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  }
  const signIn = async (device: Enrollment, staffNo: string) =>
    expect((await call('POST', '/v1/auth/sign-in', device.token, { staffNo, password: DEMO_PASSWORD })).status).toBe(200);

  beforeAll(async () => {
    hall = await startHallServer();
    window1 = await hall.enroll(1);
    window2 = await hall.enroll(2);
    // Window 1 pushes: an accepted case, another window's case (rejected, its
    // record holds the applicant, masked), a central ticket never issued
    // (a conflict), and an unknown kind of record (rejected).
    const foreign = { ...caseArgs(1, 2, window1.deviceNo), applicantMasked: { type: 'person', name: '欧阳**', idMasked: '3201**********0012' } };
    const mutations = chain([
      { name: CASE_DECIDED, args: caseArgs(1, 1, window1.deviceNo) },
      { name: CASE_DECIDED, args: foreign },
      { name: TICKET_SERVED_OFFLINE, args: { number: 'Z999', windowId: 1, staffNo: '1001', at: new Date().toISOString() } },
      { name: 'test.unknown', args: { secret: '不该出现' } },
    ]);
    const pushed = await call('POST', '/v1/sync/push', window1.token, { deviceId: window1.deviceId, mutations });
    expect(pushed.status).toBe(200);
    expect((pushed.json as { results: { status: string }[] }).results.map((r) => r.status)).toEqual([
      'applied',
      'rejected',
      'applied',
      'rejected',
    ]);
  });
  afterAll(async () => {
    await hall?.close();
  });

  it('answers a counter whose window has the hall manager signed in: kinds and numbers, newest first', async () => {
    await signIn(window2, '1006');
    const answer = await call('GET', `${PATH}?limit=50`, window2.token);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const issues = HallSyncIssues.parse(answer.json);
    expect(issues.limit).toBe(50);
    expect(issues.rejected.map((r) => [r.seq, r.name, r.windowId])).toEqual([
      [4, 'test.unknown', 1],
      [2, CASE_DECIDED, 1],
    ]);
    const [unknown, foreign] = issues.rejected;
    expect(foreign).toMatchObject({
      kind: '办件受理结果',
      subject: `办件 ${caseArgs(1, 2, window1.deviceNo).caseNo}`,
      deviceName: 'test counter 1',
      reason: expect.stringContaining('不能提交2号窗口的办件'),
    });
    expect(unknown).toMatchObject({ kind: '未知类型（test.unknown）', subject: null, reason: expect.stringMatching(/未知的记录类型/) });
    expect(issues.conflicts).toHaveLength(1);
    expect(issues.conflicts[0]).toMatchObject({ number: 'Z999', windowId: 1, staffNo: '1001', ticketStatus: null });
    expect(issues.conflicts[0]!.reason).toMatch(/在服务器上不存在/);
    // No record content: not the applicant, not the unknown record's payload.
    const text = JSON.stringify(answer.json);
    expect(text).not.toContain('欧阳');
    expect(text).not.toContain('idMasked');
    expect(text).not.toContain('不该出现');
    expect(text).not.toContain('"args"');
  });

  it('refuses a counter with a clerk signed in, or nobody, in Chinese; a kiosk; a caller without a token', async () => {
    await signIn(window1, '1001');
    const clerk = await call('GET', PATH, window1.token);
    expect(clerk.status).toBe(403);
    expect(ApiError.parse(clerk.json)).toEqual({ code: 'FORBIDDEN', message: SYNC_ISSUES_MANAGERS_ONLY });
    expect((await call('POST', '/v1/auth/sign-out', window1.token)).status).toBe(200);
    const nobody = await call('GET', PATH, window1.token);
    expect(nobody.status).toBe(403);
    expect(ApiError.parse(nobody.json).message).toBe(SYNC_ISSUES_MANAGERS_ONLY);
    // The manager signs out at window 2: refused there too from now on.
    expect((await call('GET', PATH, window2.token)).status).toBe(200);
    expect((await call('POST', '/v1/auth/sign-out', window2.token)).status).toBe(200);
    expect((await call('GET', PATH, window2.token)).status).toBe(403);
    const kiosk = await hall.enroll(null);
    expect((await call('GET', PATH, kiosk.token)).status).toBe(403);
    expect((await call('GET', PATH)).status).toBe(401);
    // The admin token is not a device token.
    expect((await call('GET', PATH, hall.adminToken)).status).toBe(401);
  });

  it('is in the OpenAPI document, for devices', () => {
    const doc = openApiDocument() as { paths: Record<string, { get?: { security: unknown } }> };
    expect(doc.paths[PATH]?.get?.security).toEqual([{ device: [] }]);
  });
});
