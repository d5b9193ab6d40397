// Every message a clerk can see is Chinese: a bad argument answers 参数不正确
// in Chinese — zod's own messages included (common/zod-zh.ts) — at the bridge
// (dispatchCall) and over the browser host's WebSocket.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../common/errors.ts';
import type { Reply } from '../../common/contract.ts';
import { dispatchCall, type CounterCore } from '../../main/bridge.ts';
import { startBrowserHost, type BrowserHost } from '../../main/host/browser-host.ts';
import { openHostClient } from '../host/ws-client.ts';

const core: CounterCore = { call: () => Promise.resolve('ok'), subscribe: () => () => {} };

/** What zod says in English by default (zod 4's en locale). */
const ENGLISH = /Invalid|expected|received|Too (small|big)|Unrecognized|must|characters|items/i;

/** Bad arguments for calls a clerk makes, and the Chinese answer each gets. */
const BAD: [name: string, args: unknown, message: string][] = [
  ['signIn', { staffNo: 1001, password: '123456' }, '参数不正确：staffNo：应为文本，收到的是数字'],
  ['signIn', { staffNo: '1001' }, '参数不正确：password：缺少此项（应为文本）'],
  ['signIn', 'text', '参数不正确：(整体)：应为对象，收到的是文本'],
  ['callNext', { ticket: 'A001' }, '参数不正确：(整体)：不认识的字段：ticket'],
  ['finishCase', { caseNo: '20260305010010001', outcome: 'maybe' }, '参数不正确：outcome：应为以下之一：「approved」、「not_approved」'],
  ['rateByTouch', { sessionId: 1.5, level: 5 }, '参数不正确：sessionId：应为整数，收到的是 1.5'],
];

describe('messages in Chinese', () => {
  it.each(BAD)('dispatchCall answers a bad %s in Chinese', async (name, args, message) => {
    const role = name === 'rateByTouch' ? 'outward' : 'clerk';
    const reply = await dispatchCall(core, role, name, args);
    expect(reply).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message } });
    expect(message).not.toMatch(ENGLISH);
  });

  it("describeIssues reads zod's own messages in Chinese, a schema's own message as written", () => {
    const schema = z.strictObject({
      name: z.string().min(1),
      code: z.string().min(3).max(4),
      items: z.array(z.number()).min(2),
      count: z.number().int().min(1).max(9),
      staffNo: z.string().min(1, '请输入工号'),
    });
    const error = (input: unknown) => describeIssues(schema.safeParse(input).error!);
    expect(error({ name: '', code: 'ab', items: [1], count: 0, staffNo: '' })).toBe(
      'name：不能为空；code：至少 3 个字符；items：至少 2 项',
    );
    expect(error({ name: 'x', code: 'abcde', items: [1, 2], count: 10, staffNo: '' })).toBe(
      'code：最多 4 个字符；count：不能大于 9；staffNo：请输入工号',
    );
  });
});

describe('over the browser host WebSocket', () => {
  let host: BrowserHost;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halldesk-zh-'));
    writeFileSync(join(dir, 'clerk.html'), '<!doctype html><title>clerk</title>');
    writeFileSync(join(dir, 'outward.html'), '<!doctype html><title>outward</title>');
    host = await startBrowserHost({ core, staticDir: dir, tokens: { clerk: 'zh-clerk-token-0123', outward: 'zh-outward-token-456' } });
  });
  afterAll(() => host.close());

  it('answers a bad argument, and a malformed message, in Chinese', async () => {
    const page = await openHostClient(host.origin, 'zh-clerk-token-0123');
    try {
      const [name, args, message] = BAD[0]!;
      expect(await page.call(name, args)).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message } });
      const reply = await new Promise<Reply>((resolve) => {
        page.ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Reply));
        page.sendRaw(JSON.stringify({ type: 'call', id: 'one', name: 'callNext', args: {} }));
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^消息格式不正确：/) } });
      expect(JSON.stringify(reply)).not.toMatch(ENGLISH);
    } finally {
      page.close();
    }
  });
});
