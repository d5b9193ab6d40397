// The hall server's side of the fuzz (test/server/fuzz.test.ts,
// scripts/fuzz-http.ts): known-good requests to every route, the fuzz's
// starting points — keyed by route name, so a route added to
// common/http-api.ts without an example here fails to compile — and the rules
// every answer keeps.
import type { RouteName } from '../../common/http-api.ts';
import { PUBLIC_PAGE_CSP as CASE_PAGE_CSP } from '../../server/public-page.ts';
import type { FuzzAnswer, FuzzRequest, FuzzRoute } from '../helpers/http-fuzz.ts';

export interface FuzzDevices {
  /** A counter enrolled to `window` (its device id, for push). */
  counter: { deviceId: string; window: number };
}

const CASE_NO = '20260302030010001';

export function hallFuzzRoutes({ counter }: FuzzDevices): FuzzRoute[] {
  const examples: Record<RouteName, FuzzRoute[]> = {
    health: [{ method: 'GET', path: '/v1/health' }],
    openapi: [{ method: 'GET', path: '/v1/openapi.json' }],
    createEnrollmentCode: [{ method: 'POST', path: '/v1/admin/enrollment-codes', body: { role: 'kiosk', windowId: null } }],
    enroll: [{ method: 'POST', path: '/v1/devices/enroll', body: { code: '00000000', deviceName: 'fuzz' } }],
    deviceProof: [
      { method: 'POST', path: `/v1/devices/${counter.deviceId}/proof`, body: { nonce: 'A'.repeat(43) } },
    ],
    signIn: [
      { method: 'POST', path: '/v1/auth/sign-in', body: { staffNo: '1004', password: 'not-the-password' } },
      { method: 'POST', path: '/v1/auth/sign-in', body: { staffNo: '9999', password: '123456' } },
    ],
    signOut: [{ method: 'POST', path: '/v1/auth/sign-out' }],
    pull: [
      { method: 'GET', path: '/v1/sync/pull?stream=config&cursor=0&limit=50' },
      { method: 'GET', path: '/v1/sync/pull?stream=queue&cursor=0' },
      { method: 'GET', path: '/v1/sync/pull?stream=cases&cursor=0' },
    ],
    push: [{ method: 'POST', path: '/v1/sync/push', body: { deviceId: counter.deviceId, mutations: [] } }],
    rejectedMutations: [{ method: 'GET', path: '/v1/admin/rejected-mutations?limit=5' }],
    ticketConflicts: [{ method: 'GET', path: '/v1/admin/ticket-conflicts?limit=5' }],
    syncIssues: [{ method: 'GET', path: '/v1/manager/sync-issues?limit=5' }],
    followUps: [{ method: 'GET', path: '/v1/manager/follow-ups?state=verifying&windowId=1&dueBy=2026-12-31' }],
    advanceFollowUp: [{ method: 'POST', path: '/v1/manager/follow-ups/r-1/advance', body: { from: 'verifying', note: '已核实' } }],
    signInLocks: [{ method: 'GET', path: '/v1/admin/sign-in-locks' }],
    unlockSignIn: [{ method: 'POST', path: '/v1/admin/sign-in-locks/unlock', body: { staffNo: '1004' } }],
    managerUnlockSignIn: [{ method: 'POST', path: '/v1/manager/sign-in-locks/unlock', body: { staffNo: '1004' } }],
    adminCase: [{ method: 'GET', path: `/v1/admin/cases/${CASE_NO}` }],
    casePage: [{ method: 'GET', path: `/case/${CASE_NO}` }],
    ticketPage: [{ method: 'GET', path: '/ticket/2026-03-05/W01-001' }],
    adminFinishCase: [
      { method: 'POST', path: `/v1/admin/cases/${CASE_NO}/finish`, body: { outcome: 'approved', finishedBy: 'fuzz' } },
    ],
    deviceSetups: [{ method: 'GET', path: '/v1/admin/device-setups' }],
    putDeviceSetup: [
      { method: 'PUT', path: '/v1/admin/device-setups/4', body: { voice: { enabled: true, volume: 50 } } },
    ],
    deleteDeviceSetup: [{ method: 'DELETE', path: '/v1/admin/device-setups/4' }],
    issueTicket: [{ method: 'POST', path: '/v1/tickets', body: { lineId: 'A', priority: 'normal' } }],
    queueSummary: [{ method: 'GET', path: '/v1/queue/summary' }],
    windowStatus: [
      { method: 'GET', path: `/v1/windows/${counter.window}/state` },
      { method: 'GET', path: '/v1/windows/1/state' },
    ],
    callNext: [
      { method: 'POST', path: `/v1/windows/${counter.window}/call-next`, headers: { 'Idempotency-Key': 'fuzz-key' } },
    ],
    recall: [{ method: 'POST', path: `/v1/windows/${counter.window}/recall` }],
    noShow: [{ method: 'POST', path: `/v1/windows/${counter.window}/no-show` }],
    complete: [{ method: 'POST', path: `/v1/windows/${counter.window}/complete` }],
    walkInLease: [{ method: 'POST', path: `/v1/windows/${counter.window}/walk-in-lease` }],
    walkInTicket: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/walk-ins`,
        body: { number: 'W01-001', day: '2026-03-05', seq: 1, lineId: 'A', staffNo: '1001', issuedAt: '2026-03-05T01:00:00.000Z' },
      },
    ],
    transferTicket: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/transfer-ticket`,
        headers: { 'Idempotency-Key': 'fuzz-transfer' },
        body: { number: 'A001', to: { windowId: 1 }, place: 'keep' },
      },
    ],
    parkTicket: [
      { method: 'POST', path: `/v1/windows/${counter.window}/park`, headers: { 'Idempotency-Key': 'fuzz-park' } },
    ],
    callTicket: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/call-ticket`,
        headers: { 'Idempotency-Key': 'fuzz-call-ticket' },
        body: { number: 'A001' },
      },
    ],
    pauseWindow: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/pause`,
        headers: { 'Idempotency-Key': 'fuzz-pause' },
        body: { reason: '午休', note: '', expectedBack: '13:30' },
      },
    ],
    resumeWindow: [
      { method: 'POST', path: `/v1/windows/${counter.window}/resume`, headers: { 'Idempotency-Key': 'fuzz-resume' } },
    ],
    checkInAppointment: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/appointment-check-in`,
        headers: { 'Idempotency-Key': 'fuzz-check-in' },
        body: { code: 'YY20261207001' },
      },
    ],
    setTicketPriority: [
      {
        method: 'POST',
        path: `/v1/windows/${counter.window}/ticket-priority`,
        headers: { 'Idempotency-Key': 'fuzz-priority' },
        body: { number: 'A001', priority: 'priority' },
      },
    ],
    queueBoard: [{ method: 'GET', path: '/v1/queue/board' }],
    createAppointment: [
      {
        method: 'POST',
        path: '/v1/admin/appointments',
        body: {
          code: 'YY20261207001',
          idNumber: '11010519491231002X',
          name: '张三',
          lineId: 'A',
          day: '2026-12-07',
          slotStart: '09:00',
          slotEnd: '09:30',
        },
      },
    ],
    events: [{ method: 'GET', path: '/v1/events' }],
    ratingReport: [{ method: 'GET', path: '/v1/manager/reports/ratings?from=2026-07-01&to=2026-09-30&windowId=1' }],
    workloadReport: [{ method: 'GET', path: '/v1/manager/reports/workload?from=2026-07-01&to=2026-09-30&staffNo=1001' }],
    reportWorkbook: [{ method: 'GET', path: '/v1/manager/reports/workbook?from=2026-12-01&to=2026-12-07' }],
    hallOverview: [{ method: 'GET', path: '/v1/manager/overview' }],
    reportDevices: [{ method: 'POST', path: '/v1/windows/3/devices', body: { printer: { level: 'ok', message: null }, evaluator: { level: 'none', message: null }, outward: { level: 'ok', message: null } } }],
    searchCases: [{ method: 'GET', path: '/v1/manager/cases?windowId=1&from=2026-03-01&to=2026-03-31' }],
    openCaseRecord: [{ method: 'POST', path: '/v1/manager/cases/20260305030010012/open' }],
    caseAudit: [{ method: 'GET', path: '/v1/manager/case-audit' }],
  };
  return Object.values(examples).flat();
}

/**
 * What is wrong with an exchange, or null: the server neither answered nor
 * closed, or refused the connection (it died); answered 5xx; answered without nosniff, or other than JSON (the
 * event stream aside, and the case progress page: HTML under its strict CSP,
 * in Chinese, whatever its status); refused without a code and a Chinese
 * message. No answer at all is fine: a broken request may be cut off.
 */
export function answerProblem(request: FuzzRequest, answer: FuzzAnswer): string | null {
  const what = `${request.kind} [${request.credential}] ${JSON.stringify(request.summary)}`;
  if (answer.ended === 'timeout') return `${what}: neither answered nor closed`;
  if (answer.error === 'ECONNREFUSED') return `${what}: the server is not listening (crashed?)`;
  if (answer.status === null) return null;
  if (answer.status >= 500) return `${what}: ${answer.status} ${answer.body.slice(0, 200)}`;
  if (answer.headers['x-content-type-options'] !== 'nosniff') return `${what}: no nosniff`;
  if (answer.contentType?.startsWith('text/event-stream')) return null;
  if (answer.contentType?.startsWith('text/html')) {
    if (answer.headers['content-security-policy'] !== CASE_PAGE_CSP) return `${what}: page without its CSP`;
    if (answer.bodyCut || answer.body === '') return null;
    // The two public pages: 办件进度查询 (/case/…) and 排队进度查询 (/ticket/…).
    return /办件进度查询|排队进度查询/.test(answer.body) ? null : `${what}: ${answer.status} page not a progress page: ${answer.body.slice(0, 100)}`;
  }
  if (!answer.contentType?.startsWith('application/json')) return `${what}: ${answer.status} answered as ${answer.contentType}`;
  if (answer.bodyCut || answer.body === '') return null; // HEAD, or too long to check whole
  let json: { code?: unknown; message?: unknown };
  try {
    json = JSON.parse(answer.body) as typeof json;
  } catch {
    return `${what}: body is not JSON: ${answer.body.slice(0, 100)}`;
  }
  if (answer.status >= 400 && (typeof json.code !== 'string' || !/[\u4e00-\u9fff]/.test(String(json.message)))) {
    return `${what}: refusal without a code and a Chinese message: ${answer.body.slice(0, 200)}`;
  }
  return null;
}
