// 超时提醒 at the hall server (issue 14, point 4): the window's status carries
// the service in hand against its line's standard service time (demo hall:
// A 15 minutes), and so does the hall's queue board per window, so the hall
// sees 超时 as the counter does — over real HTTP,
// with the hall clock moved by the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CallNextResult, WindowStatus } from '../../common/http-api.ts';
import { QueueBoard } from '../../common/ticket-ops.ts';
import { DEMO_PASSWORD } from '../helpers/hall-server.ts';
import { call, startTestHall, type TestHall } from './support.ts';

let now = new Date('2026-12-07T01:00:00.000Z');
const clock = () => new Date(now);
const minutes = (m: number) => new Date(Date.parse('2026-12-07T01:00:00.000Z') + m * 60_000);

let hall: TestHall | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await hall?.close();
  hall = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the window status carries the service timing', () => {
  it('ok, then amber at the standard time, red at twice it; none without a ticket in hand', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-overtime-'));
    dirs.push(dataDir);
    const h = (hall = await startTestHall({ dataDir, clock, signInDelayMs: () => 0 }));
    const kiosk = (await h.enroll(null)).token;
    const { token } = await h.enroll(2);
    expect((await call(h.url, 'POST', '/v1/auth/sign-in', { token, body: { staffNo: '1002', password: DEMO_PASSWORD } })).status).toBe(200);
    const status = async () => WindowStatus.parse((await call(h.url, 'GET', '/v1/windows/2/state', { token })).json);
    expect((await status()).service).toBeNull();
    expect((await call(h.url, 'POST', '/v1/tickets', { token: kiosk, body: { lineId: 'A', priority: 'normal' } })).status).toBe(200);
    const called = await call(h.url, 'POST', '/v1/windows/2/call-next', { token, headers: { 'Idempotency-Key': 'k1' } });
    expect(CallNextResult.parse(called.json).ticket?.number).toBe('A001');
    expect((await status()).service).toEqual({
      standardMinutes: 15,
      amberAt: minutes(15).toISOString(),
      redAt: minutes(30).toISOString(),
      level: 'ok',
    });
    now = minutes(15);
    expect((await status()).service?.level).toBe('amber');
    now = minutes(30);
    expect((await status()).service?.level).toBe('red');
    // The hall's board shows it per window (for the hall overview); windows without a ticket in hand show none.
    const board = QueueBoard.parse((await call(h.url, 'GET', '/v1/queue/board', { token })).json);
    expect(board.windows.find((w) => w.windowId === 2)?.service).toMatchObject({ standardMinutes: 15, level: 'red' });
    expect(board.windows.find((w) => w.windowId === 1)?.service).toBeNull();
    await call(h.url, 'POST', '/v1/windows/2/complete', { token });
    expect((await status()).service).toBeNull();
  });
});
