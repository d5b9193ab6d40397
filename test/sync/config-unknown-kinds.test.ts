// Forward compatibility of the config stream: a newer hall server may send a
// config kind this counter does not know. The counter skips it (warned once),
// applies the rest of the page and moves its cursor on, so staff, windows and
// settings keep arriving. A known kind that breaks the contract still fails
// the page. The "newer server" is a real HTTP server on loopback; the counter
// side is the real HallClient, SyncStreams and a real SQLite file.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { CounterStore } from '../../main/store/counter-store.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';
import { SyncStreams } from '../../main/sync/streams.ts';
import { memoryLogger, tempDir } from './support.ts';

const staff = {
  id: 41,
  staffNo: '2041',
  name: '赵新',
  department: '市场监管局',
  role: 'clerk',
  photo: 'data:image/png;base64,AAAA',
};
const window7 = { id: 7, code: '07', name: '7号窗口', lineIds: ['A'] };
const settings = { hallName: '新区政务服务中心', noShowMinRecalls: 2, notice: '' };

/** Pages by the cursor asked for. */
type Pages = Record<number, unknown>;

const servers: Server[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const db of dbs.splice(0)) db.close();
});

async function newerHall(pages: Pages): Promise<{ url: string; asked: number[] }> {
  const asked: number[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cursor = Number(url.searchParams.get('cursor'));
    asked.push(cursor);
    const page = url.pathname === '/v1/sync/pull' && url.searchParams.get('stream') === 'config' ? pages[cursor] : undefined;
    res.writeHead(page ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(page ?? { code: 'NOT_FOUND', message: '无此页' }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

function counterSide() {
  const db = openDatabase(join(tempDir('halldesk-config-kinds-'), 'counter.db'));
  dbs.push(db);
  const store = new CounterStore(db);
  const lines: Parameters<typeof memoryLogger>[0] = [];
  return { store, streams: new SyncStreams(store, memoryLogger(lines)), lines };
}

describe('config stream from a newer hall server', () => {
  it('skips an unknown kind between two known ones: both known ones apply and the cursor moves on', async () => {
    const hall = await newerHall({
      0: {
        changes: [
          { version: 10, change: { kind: 'staff', key: '41', value: staff } },
          { version: 11, change: { kind: 'kiosk-theme', key: 'default', value: { colour: '#c00' } } },
          { version: 12, change: { kind: 'window', key: '7', value: window7 } },
        ],
        cursor: 12,
        hasMore: true,
      },
      12: {
        changes: [
          { version: 13, change: { kind: 'kiosk-theme', key: 'night', value: null } },
          { version: 14, change: { kind: 'settings', key: 'hall', value: settings } },
        ],
        cursor: 14,
        hasMore: false,
      },
      14: { changes: [], cursor: 14, hasMore: false },
    });
    const { store, streams, lines } = counterSide();
    const report = await streams.pull(new HallClient({ baseUrl: hall.url, token: 't' }), 'config');

    expect(report).toMatchObject({ pages: 2, reloaded: false });
    expect(streams.cursor('config')).toBe(14);
    const config = store.config();
    expect(config.staff.get(41)).toMatchObject({ staffNo: '2041', name: '赵新' });
    expect(config.windows.get(7)).toEqual(window7);
    expect(config.settings).toMatchObject({ hallName: '新区政务服务中心' });
    // Warned once for the kind, not once per entry or per page.
    const warned = lines.filter((line) => line.level === 'warn');
    expect(warned).toEqual([
      { level: 'warn', message: expect.stringContaining('unknown'), fields: { kind: 'kiosk-theme' } },
    ]);

    // The next pull starts after what was applied, and still warns no more.
    await streams.pull(new HallClient({ baseUrl: hall.url, token: 't' }), 'config');
    expect(hall.asked).toEqual([0, 12, 14]);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('a known kind that breaks the contract still fails the page: nothing applied, the cursor stays', async () => {
    const hall = await newerHall({
      0: {
        changes: [
          { version: 10, change: { kind: 'staff', key: '41', value: staff } },
          { version: 11, change: { kind: 'window', key: '8', value: { id: 8, code: 'eight' } } },
        ],
        cursor: 11,
        hasMore: false,
      },
    });
    const { store, streams } = counterSide();
    await expect(streams.pull(new HallClient({ baseUrl: hall.url, token: 't' }), 'config')).rejects.toMatchObject({
      code: 'SERVER_ERROR',
      message: expect.stringContaining('config 数据格式不符合接口约定'),
    });
    expect(streams.cursor('config')).toBe(0);
    expect(store.config().staff.size).toBe(0);
  });
});
