// Offline noticed within 5 s: the hall server beats every 2 s on the live
// stream; when the link turns into a black hole (nothing answers, nothing is
// refused — the worst case, no RST to notice) the counter's clerk state goes
// offline with 「大厅服务器无响应…」 after ~5 s of silence, and back online
// once the link passes again. Real hall server, real HTTP, fault proxy.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { memoryLogger, tempDir, until } from './support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('offline detection', () => {
  it('goes offline within 5 s of a black-holed link (bound 8 s on a loaded machine), and online again when it passes', async () => {
    const hall = await startHallServer();
    cleanups.push(() => hall.close());
    const proxy = await startFaultProxy(hall.url);
    cleanups.push(() => proxy.close());
    const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
    const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
    const lines: Parameters<typeof memoryLogger>[0] = [];
    const counter = await openCounter(
      {
        dataDir: join(tempDir('halldesk-offline-'), 'counter'),
        deviceName: 'offline test',
        log: memoryLogger(lines),
        autoEnroll: { serverUrl: proxy.url, code },
      },
      { retryDelay: () => 100 },
    );
    cleanups.push(() => counter.close());
    const state = async () => (await counter.call('getClerkState', {})) as ClerkState;
    await until(state, (s) => s.connection.state === 'online', 'online', 10_000);

    // Several heartbeats pass: a quiet but live link stays online, never dropped in between.
    const connectionChanges = () => lines.filter((l) => l.message === 'connection').length;
    const before = connectionChanges();
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect((await state()).connection.state).toBe('online');
    expect(connectionChanges()).toBe(before);

    proxy.set('blackhole');
    const cut = Date.now();
    const offline = await until(state, (s) => s.connection.state === 'offline', 'offline', 15_000);
    const detectedMs = Date.now() - cut;
    console.log(`offline detected after ${detectedMs} ms of a black-holed link`);
    expect(offline.connection.reason).toMatch(/^大厅服务器无响应/);
    expect(detectedMs).toBeLessThanOrEqual(8000);

    proxy.set('pass');
    const back = Date.now();
    await until(state, (s) => s.connection.state === 'online', 'online again', 15_000);
    console.log(`online again ${Date.now() - back} ms after the link passed`);
  }, 40_000);
});
