// 办件进度查询 (issue 16, point 3): the page the 受理回执's QR code opens,
// GET /case/{caseNo}, served by the hall server to anyone, over real HTTP.
// Cases come in as a counter pushes them (case.decided, case.supplemented,
// case.finished). The page shows the case number, the item, the status in the
// hall's words, the promised date, the owed materials with their 补交 deadline
// and whether each arrived, and the masked name — nothing else personal; every
// other input gets a friendly page too; 30 lookups a minute per address.
import { describe, expect, it, onTestFinished } from 'vitest';
import { CASE_SUPPLEMENTED } from '../../common/cases.ts';
import { routes } from '../../common/http-api.ts';
import { CASE_DECIDED, CASE_FINISHED, type CaseDecidedArgs } from '../../common/sync.ts';
import { LOOKUPS_PER_MINUTE as CASE_LOOKUPS_PER_MINUTE, PUBLIC_PAGE_CSP as CASE_PAGE_CSP } from '../../server/public-page.ts';
import { caseArgs, chain, deviceClient } from '../sync/support.ts';
import { startTestHall } from './support.ts';

const OWED = ['用途说明或单位证明函', '授权委托书及受托人身份证件'];
const ID_MASKED = '3201**********0012';

async function startHall() {
  let now = Date.parse('2026-03-06T03:00:00.000Z');
  const hall = await startTestHall({ clock: () => new Date(now), signInDelayMs: () => 0 });
  onTestFinished(() => hall.close());
  const counter = await hall.enroll(1);
  const push = (items: { name: string; args: unknown }[]) =>
    deviceClient(hall.url, counter.token).request('push', { body: { deviceId: counter.deviceId, mutations: chain(items) } });
  const n = (i: number) => caseArgs(i, 1, counter.deviceNo);
  return { hall, push, n, advance: (ms: number) => void (now += ms) };
}

interface Page {
  status: number;
  body: string;
  headers: Headers;
}

async function open(url: string, path: string): Promise<Page> {
  const response = await fetch(url + path);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A page for people: HTML under the strict CSP, nosniff, never cached, in Chinese. */
function expectPage(page: Page) {
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('content-security-policy')).toBe(CASE_PAGE_CSP);
  expect(CASE_PAGE_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.body).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
  expect(page.body).toContain('<title>办件进度查询</title>');
  expect(page.body).not.toMatch(/<script|<link|<img|<iframe|src=|href=/i);
}

/** Only the text a reader sees, tags and styles taken out. */
const textOf = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe('GET /case/{caseNo}: 办件进度查询', () => {
  it('shows each case as the counter decided it, in the hall words, and nothing personal beyond the masked name', async () => {
    const { hall, push, n } = await startHall();
    const owing: CaseDecidedArgs = {
      ...n(1),
      decision: 'accept_with_missing',
      missing: OWED.map((name) => ({ name, requirement: '原件1份', waivable: true })),
      owedBy: '2026-03-09',
      promisedDate: '2026-03-10',
    };
    const finished = { ...n(2), itemCode: 'SCJG-DJ-011', itemName: '个体工商户设立登记', kind: 'instant' as const, promisedDate: null };
    const notice: CaseDecidedArgs = {
      ...n(3),
      decision: 'notice',
      status: 'notice',
      promisedDate: null,
      missing: [{ name: '居民户口簿', requirement: '原件', waivable: false }],
    };
    const refused: CaseDecidedArgs = {
      ...n(4),
      decision: 'refuse',
      status: 'refused',
      promisedDate: null,
      refuseReason: '申请事项不属于本机关职权范围（联系人 13812345678）',
    };
    // A counter that (wrongly) sent a whole name: the page masks it again.
    const accepted: CaseDecidedArgs = { ...n(5), applicantMasked: { type: 'person', name: '王小明', idMasked: ID_MASKED } };
    const result = await push([
      { name: CASE_DECIDED, args: owing },
      { name: CASE_DECIDED, args: finished },
      { name: CASE_FINISHED, args: { caseNo: finished.caseNo, outcome: 'approved', finishedAt: '2026-03-05T02:10:00.000Z', finishedBy: '1001', windowId: 1 } },
      { name: CASE_DECIDED, args: notice },
      { name: CASE_DECIDED, args: refused },
      { name: CASE_DECIDED, args: accepted },
      {
        name: CASE_SUPPLEMENTED,
        args: { caseNo: owing.caseNo, materials: [OWED[1]], suppliedAt: '2026-03-05T17:30:00.000Z', staffNo: '1001', windowId: 1 },
      },
    ]);
    expect(result.results.map((r) => r.status)).toEqual(Array(7).fill('applied'));

    // 容缺受理, one of two owed materials handed in (Beijing date: 3月6日).
    const owingPage = await open(hall.url, `/case/${owing.caseNo}`);
    expect(owingPage.status).toBe(200);
    expectPage(owingPage);
    const text = textOf(owingPage.body);
    for (const shown of [
      '办件进度查询',
      'XX市政务服务中心',
      `办件编号 ${owing.caseNo}`,
      '办理事项 无犯罪记录证明开具',
      '申请人 王**',
      '办件状态 容缺受理·待补交',
      '承诺办结日期 2026年3月10日',
      '容缺材料补交情况',
      `${OWED[0]} 补交期限：2026年3月9日 未补交`,
      `${OWED[1]} 补交期限：2026年3月9日 已补交 3月6日`,
    ]) {
      expect(text).toContain(shown);
    }
    // Nothing personal but the masked name, in the whole body: no ID (masked or not), no phone, no clerk.
    for (const body of [owingPage.body]) {
      expect(body).not.toContain(ID_MASKED);
      expect(body).not.toContain('0012');
      expect(body).not.toContain('**********');
      expect(body).not.toMatch(/1[3-9]\d{9}/);
      expect(body).not.toContain('工号');
      expect(body).not.toContain('窗口工作人员');
    }

    const pages = {
      finished: await open(hall.url, `/case/${finished.caseNo}`),
      notice: await open(hall.url, `/case/${notice.caseNo}`),
      refused: await open(hall.url, `/case/${refused.caseNo}`),
      accepted: await open(hall.url, `/case/${accepted.caseNo}`),
    };
    for (const page of Object.values(pages)) {
      expect(page.status).toBe(200);
      expectPage(page);
      expect(page.body).not.toContain(ID_MASKED);
      expect(page.body).not.toMatch(/1[3-9]\d{9}/);
    }
    expect(textOf(pages.finished.body)).toContain('办件状态 已办结（准予）');
    expect(textOf(pages.finished.body)).toContain('承诺办结日期 即办件（当场办结）');
    expect(textOf(pages.notice.body)).toContain('办件状态 一次性告知');
    expect(textOf(pages.notice.body)).toContain('居民户口簿');
    expect(pages.notice.body).not.toContain('承诺办结日期');
    expect(textOf(pages.refused.body)).toContain('办件状态 不予受理');
    // The refusal's free text stays at the counter: a clerk may have typed anything into it.
    expect(pages.refused.body).not.toContain('职权范围');
    expect(textOf(pages.accepted.body)).toContain('办件状态 已受理');
    expect(textOf(pages.accepted.body)).toContain('申请人 王**');
    expect(pages.accepted.body).not.toContain('王小明');

    // The last material in, then 办结 in the back office: the page follows.
    const admin = { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' };
    const finish = await fetch(`${hall.url}/v1/admin/cases/${accepted.caseNo}/finish`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ outcome: 'not_approved', finishedBy: '后台' }),
    });
    expect(finish.status).toBe(200);
    expect(textOf((await open(hall.url, `/case/${accepted.caseNo}`)).body)).toContain('办件状态 已办结（不予）');
  });

  it('an unknown or malformed number, a bad escape, a path trick: a friendly page, never JSON, never a crash', async () => {
    const { hall } = await startHall();
    const unknown = await open(hall.url, '/case/20260306019990001');
    expect(unknown.status).toBe(404);
    expectPage(unknown);
    expect(textOf(unknown.body)).toContain('未查到该办件');
    expect(textOf(unknown.body)).toContain('请核对回执上的办件编号');
    expect(textOf(unknown.body)).toContain('咨询服务台');

    for (const path of [
      '/case/abc',
      '/case/',
      '/case/2026030601999000',
      `/case/${'9'.repeat(100_00)}`,
      '/case/20260306019990001/extra',
      '/case/..%2F..%2Fv1%2Fhealth',
      '/case/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/case/%E4%BD',
      '/case/%zz',
      '/case/20260306019990001?x=%ff',
    ]) {
      const page = await open(hall.url, path);
      expect([400, 404], path).toContain(page.status);
      expectPage(page);
      expect(page.body).not.toContain('alert(1)');
      expect(page.body).not.toContain('"code"');
      expect(textOf(page.body)).toMatch(/未查到该办件|查询地址不正确/);
    }
    // Still up, still JSON elsewhere.
    expect((await fetch(`${hall.url}/v1/health`)).status).toBe(200);
  });

  it(`the ${CASE_LOOKUPS_PER_MINUTE + 1}st lookup in a minute from one address gets 429 with a page saying when to retry`, async () => {
    const { hall, push, n, advance } = await startHall();
    const known = n(1);
    await push([{ name: CASE_DECIDED, args: known }]);
    for (let i = 0; i < CASE_LOOKUPS_PER_MINUTE; i++) {
      const page = await open(hall.url, i % 2 ? `/case/${known.caseNo}` : `/case/2026030601999${String(i).padStart(4, '0')}`);
      expect(page.status, `lookup ${i + 1}`).toBe(i % 2 ? 200 : 404);
      advance(1_000);
    }
    const limited = await open(hall.url, `/case/${known.caseNo}`);
    expect(limited.status).toBe(429);
    expectPage(limited);
    expect(textOf(limited.body)).toContain('查询过于频繁');
    expect(textOf(limited.body)).toMatch(/请约 30 秒后（\d\d:\d\d 以后）再试/);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.body).not.toContain(known.caseNo);

    // The first lookup's minute over: one more allowed.
    advance(30_000);
    expect((await open(hall.url, `/case/${known.caseNo}`)).status).toBe(200);
    expect((await open(hall.url, `/case/${known.caseNo}`)).status).toBe(429);
    // Other routes are not counted.
    expect((await fetch(`${hall.url}/v1/health`)).status).toBe(200);
  });

  it('is a route of the table, described in the OpenAPI document as an HTML page without a token', async () => {
    const { hall } = await startHall();
    expect(routes.casePage).toMatchObject({ method: 'GET', path: '/case/{caseNo}', auth: 'none', html: true });
    const doc = (await (await fetch(`${hall.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, { get: { operationId: string; security: unknown[]; responses: Record<string, { content: object }> } }>;
    };
    const operation = doc.paths['/case/{caseNo}']!.get;
    expect(operation.operationId).toBe('casePage');
    expect(operation.security).toEqual([]);
    expect(Object.keys(operation.responses['200']!.content)).toEqual(['text/html']);
    expect(Object.keys(operation.responses.default!.content)).toEqual(['text/html']);
  });
});
