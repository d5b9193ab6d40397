// Device setups pushed by the hall (issue 7): the admin routes, the config
// stream and live events they feed, and the `device-setup` command, against
// the real hall server over real HTTP.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSetup, HallDeviceSetup } from '../../common/device-setup.ts';
import { ApiError } from '../../common/errors.ts';
import {
  HallDeviceSetupEntry,
  HallDeviceSetupRemoved,
  HallDeviceSetups,
  HallEvent,
  PullResult,
  type Enrollment,
} from '../../common/http-api.ts';
import type { ConfigChange } from '../../common/model.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';
import { hallCommandEnv } from './support.ts';

const REPO = join(import.meta.dirname, '../..');

const PRINTER: NonNullable<DeviceSetup['printer']> = {
  link: { kind: 'tcp', host: '192.168.1.50', port: 9100 },
  width: 80,
  nativeQr: true,
  font: 'gbk',
  statusQueries: true,
};
const HALL_DEFAULT: HallDeviceSetup = { printer: PRINTER, voice: { enabled: true, volume: 60 } };
const WINDOW_3: HallDeviceSetup = {
  evaluator: { port: '/dev/ttyUSB0', protocol: 'ft12', baudRate: 9600, address: 3, keyMap: null },
  printer: null,
};

async function call(hall: TestHallServer, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(hall.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

/** Expects a refusal with this status and code, in Chinese; returns its message. */
async function refused(
  hall: TestHallServer,
  status: number,
  code: ApiError['code'],
  ...args: Parameters<typeof call> extends [unknown, ...infer R] ? R : never
): Promise<string> {
  const answer = await call(hall, ...args);
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  const error = ApiError.parse(answer.json);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(/[\u4e00-\u9fff]/);
  return error.message;
}

/** Every config change after `cursor`, as a counter pulls them (and checks them with the contract). */
async function pullConfig(hall: TestHallServer, token: string, cursor: number) {
  const changes: { version: number; change: ConfigChange }[] = [];
  for (;;) {
    const { status, json } = await call(hall, 'GET', `/v1/sync/pull?stream=config&cursor=${cursor}`, token);
    expect(status, JSON.stringify(json)).toBe(200);
    const page = PullResult.parse(json);
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.hasMore) return changes;
  }
}

/** Opens the live event stream; `next()` gives the next event, `close()` ends it. */
async function openEvents(hall: TestHallServer, token: string) {
  const abort = new AbortController();
  const response = await fetch(`${hall.url}/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    async next(): Promise<HallEvent> {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) return HallEvent.parse(JSON.parse(data.slice('data: '.length)));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('event stream ended');
        buffered += value;
      }
    },
    close: () => abort.abort(),
  };
}

describe('hall device setups over HTTP', () => {
  let hall: TestHallServer;
  let counter3: Enrollment;
  const admin = () => hall.adminToken;
  const list = async () => {
    const { status, json } = await call(hall, 'GET', '/v1/admin/device-setups', admin());
    expect(status, JSON.stringify(json)).toBe(200);
    return HallDeviceSetups.parse(json);
  };
  const put = async (key: string, setup: HallDeviceSetup) => {
    const { status, json } = await call(hall, 'PUT', `/v1/admin/device-setups/${key}`, admin(), setup);
    expect(status, JSON.stringify(json)).toBe(200);
    return HallDeviceSetupEntry.parse(json);
  };
  const remove = async (key: string) => {
    const { status, json } = await call(hall, 'DELETE', `/v1/admin/device-setups/${key}`, admin());
    expect(status, JSON.stringify(json)).toBe(200);
    return HallDeviceSetupRemoved.parse(json);
  };

  beforeAll(async () => {
    hall = await startHallServer();
    counter3 = await hall.enroll(3);
  });
  afterAll(() => hall.close());

  it('starts with none', async () => {
    const { version, setups } = await list();
    expect(setups).toEqual([]);
    expect(version).toBeGreaterThan(0); // the seed
  });

  it('PUT default and window 3: counters pull both through the config stream, and hear of each at once', async () => {
    const before = (await list()).version;
    const events = await openEvents(hall, counter3.token);
    try {
      expect((await events.next()).type).toBe('hello');
      const hallDefault = await put('default', HALL_DEFAULT);
      expect(hallDefault).toEqual({ key: 'default', setup: HALL_DEFAULT, version: before + 1 });
      expect(await events.next()).toEqual({ type: 'config', version: before + 1 });
      const window3 = await put('3', WINDOW_3);
      expect(window3).toEqual({ key: '3', setup: WINDOW_3, version: before + 2 });
      expect(await events.next()).toEqual({ type: 'config', version: before + 2 });
    } finally {
      events.close();
    }

    expect(await pullConfig(hall, counter3.token, before)).toEqual([
      { version: before + 1, change: { kind: 'device-setup', key: 'default', value: HALL_DEFAULT } },
      { version: before + 2, change: { kind: 'device-setup', key: '3', value: WINDOW_3 } },
    ]);
    // From scratch too, after the seed.
    const all = await pullConfig(hall, counter3.token, 0);
    expect(all.filter(({ change }) => change.kind === 'device-setup')).toHaveLength(2);
    expect(all.at(-1)?.version).toBe(before + 2);

    expect(await list()).toEqual({
      version: before + 2,
      setups: [
        { key: 'default', setup: HALL_DEFAULT, version: before + 1 },
        { key: '3', setup: WINDOW_3, version: before + 2 },
      ],
    });
  });

  it('replaces a key whole; the same setup again changes nothing', async () => {
    const before = (await list()).version;
    const again = await put('3', WINDOW_3);
    expect(again.version).toBeLessThanOrEqual(before);
    expect((await list()).version).toBe(before);

    const voiceOnly: HallDeviceSetup = { voice: { enabled: false, volume: 0 } };
    expect(await put('3', voiceOnly)).toEqual({ key: '3', setup: voiceOnly, version: before + 1 });
    expect(await pullConfig(hall, counter3.token, before)).toEqual([
      { version: before + 1, change: { kind: 'device-setup', key: '3', value: voiceOnly } },
    ]);
    await put('3', WINDOW_3);
  });

  it('takes the printer font and status queries, and a body without them (older admin tools) with the defaults', async () => {
    const before = (await list()).version;
    const profiled: HallDeviceSetup = { printer: { ...PRINTER, font: 'gb2312', statusQueries: false } };
    expect(await put('3', profiled)).toEqual({ key: '3', setup: profiled, version: before + 1 });
    const { font: _font, statusQueries: _queries, ...older } = PRINTER;
    const { status, json } = await call(hall, 'PUT', '/v1/admin/device-setups/3', admin(), {
      printer: older,
    });
    expect(status, JSON.stringify(json)).toBe(200);
    const filled = { printer: { ...older, font: 'gbk', statusQueries: true } };
    expect(HallDeviceSetupEntry.parse(json)).toEqual({ key: '3', setup: filled, version: before + 2 });
    expect(await pullConfig(hall, counter3.token, before)).toEqual([
      { version: before + 1, change: { kind: 'device-setup', key: '3', value: profiled } },
      { version: before + 2, change: { kind: 'device-setup', key: '3', value: filled } },
    ]);
    await put('3', WINDOW_3);
  });

  it('DELETE puts a null value in the stream; deleting again changes nothing', async () => {
    const before = (await list()).version;
    expect(await remove('3')).toEqual({ key: '3', removed: true, version: before + 1 });
    expect(await pullConfig(hall, counter3.token, before)).toEqual([
      { version: before + 1, change: { kind: 'device-setup', key: '3', value: null } },
    ]);
    expect((await list()).setups.map((entry) => entry.key)).toEqual(['default']);
    expect(await remove('3')).toEqual({ key: '3', removed: false, version: before + 1 });
    expect(await remove('5')).toEqual({ key: '5', removed: false, version: before + 1 });
  });

  it('refuses a counter-enrolled device, a wrong token and no token', async () => {
    for (const token of [counter3.token, 'not-the-admin-token', undefined]) {
      await refused(hall, 401, 'UNAUTHORIZED', 'GET', '/v1/admin/device-setups', token);
      await refused(hall, 401, 'UNAUTHORIZED', 'PUT', '/v1/admin/device-setups/3', token, WINDOW_3);
      await refused(hall, 401, 'UNAUTHORIZED', 'DELETE', '/v1/admin/device-setups/default', token);
    }
    expect((await list()).setups.map((entry) => entry.key)).toEqual(['default']);
  });

  it('refuses an unknown window with 404', async () => {
    const before = (await list()).version;
    const message = await refused(
      hall,
      404,
      'NOT_FOUND',
      'PUT',
      '/v1/admin/device-setups/9',
      admin(),
      WINDOW_3,
    );
    expect(message).toContain('窗口 9 不存在');
    await refused(hall, 404, 'NOT_FOUND', 'DELETE', '/v1/admin/device-setups/9', admin());
    expect((await list()).version).toBe(before);
  });

  it('refuses bad bodies and keys, naming the field', async () => {
    const before = (await list()).version;
    const bad = (body: unknown, key = '3') =>
      refused(hall, 400, 'BAD_REQUEST', 'PUT', `/v1/admin/device-setups/${key}`, admin(), body);
    expect(await bad({ printer: { ...PRINTER, link: { kind: 'tcp', host: 'p', port: 0 } } })).toContain(
      'printer.link.port',
    );
    expect(await bad({ voice: { enabled: true, volume: 101 } })).toContain('voice.volume');
    expect(await bad({ printer: { ...PRINTER, width: 76 } })).toContain('printer.width');
    expect(await bad({ printer: { ...PRINTER, font: 'big5' } })).toContain('printer.font');
    expect(await bad({ printer: { ...PRINTER, statusQueries: 'no' } })).toContain('printer.statusQueries');
    expect(await bad({ evaluator: { ...WINDOW_3.evaluator, protocol: 'rs485' } })).toContain(
      'evaluator.protocol',
    );
    expect(await bad({ outwardDisplayId: -1 })).toContain('outwardDisplayId');
    expect(await bad({ printr: PRINTER })).toContain('printr');
    expect(await bad({})).toContain('至少要设置一项');
    expect(await bad([WINDOW_3])).toContain('请求内容不正确');
    expect(await bad('{"voice":')).toContain('不是合法的 JSON');
    expect(await bad(WINDOW_3, 'abc')).toContain('key');
    expect(await bad(WINDOW_3, '0')).toContain('default（全部窗口）或窗口编号');
    expect((await list()).version).toBe(before);
  });

  it('is in the OpenAPI document', async () => {
    const { json } = await call(hall, 'GET', '/v1/openapi.json');
    const paths = (json as { paths: Record<string, Record<string, { operationId: string }>> }).paths;
    expect(paths['/v1/admin/device-setups']?.get?.operationId).toBe('deviceSetups');
    expect(paths['/v1/admin/device-setups/{key}']?.put?.operationId).toBe('putDeviceSetup');
    expect(paths['/v1/admin/device-setups/{key}']?.delete?.operationId).toBe('deleteDeviceSetup');
  });
});

describe('node server/main.ts device-setup', () => {
  let hall: TestHallServer;
  let counter3: Enrollment;
  let files: string;

  beforeAll(async () => {
    hall = await startHallServer();
    counter3 = await hall.enroll(3);
    files = mkdtempSync(join(tmpdir(), 'halldesk-device-setup-files-'));
  });
  afterAll(async () => {
    await hall.close();
    rmSync(files, { recursive: true, force: true });
  });

  /** Runs the command on the test hall's data dir; never throws. */
  async function run(...args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['server/main.ts', 'device-setup', ...args, '--data', hall.dataDir],
        { cwd: REPO, env: hallCommandEnv(hall.dbPath) },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }
  const file = (name: string, content: unknown) => {
    const path = join(files, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };
  const tagged = (stdout: string, tag: string): unknown =>
    JSON.parse(
      stdout
        .split('\n')
        .find((line) => line.startsWith(`${tag} `))!
        .slice(tag.length + 1),
    );

  it('sets from a bare setup file, and the running server tells live counters', async () => {
    const events = await openEvents(hall, counter3.token);
    try {
      const hello = await events.next();
      expect(hello.type).toBe('hello');
      const before = (await pullConfig(hall, counter3.token, 0)).at(-1)!.version;
      const result = await run('set', 'default', file('default.json', HALL_DEFAULT));
      expect(result.code, result.stderr).toBe(0);
      expect(tagged(result.stdout, 'DEVICE_SETUP')).toEqual({
        key: 'default',
        setup: HALL_DEFAULT,
        version: before + 1,
      });
      expect(result.stdout).toContain('已设置全部窗口（default）的大厅设备设置');
      // Another process wrote it: the server notices within its watch period.
      expect(await events.next()).toEqual({ type: 'config', version: before + 1 });
      expect(await pullConfig(hall, counter3.token, before)).toEqual([
        { version: before + 1, change: { kind: 'device-setup', key: 'default', value: HALL_DEFAULT } },
      ]);
    } finally {
      events.close();
    }
  });

  it("takes the setup out of a counter's exported file", async () => {
    const exported: DeviceSetup = {
      printer: PRINTER,
      evaluator: null,
      outwardDisplayId: 2,
      voice: { enabled: true, volume: 80 },
      idCardReader: null,
    };
    const path = file('exported.json', {
      kind: 'halldesk.device-setup',
      version: 1,
      exportedAt: '2026-11-28T09:00:00.000Z',
      from: '3号窗口',
      setup: exported,
    });
    const result = await run('set', '3', path);
    expect(result.code, result.stderr).toBe(0);
    expect(tagged(result.stdout, 'DEVICE_SETUP')).toMatchObject({ key: '3', setup: exported });
    expect(result.stdout).toContain('已设置窗口 3（3号窗口）的大厅设备设置');
    expect(result.stdout).toContain('outwardDisplayId');
    expect(result.stdout).toContain('已采用导出文件中的全部四项');

    const listed = await run('list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(tagged(listed.stdout, 'DEVICE_SETUPS')).toMatchObject([
      { key: 'default', setup: HALL_DEFAULT },
      { key: '3', setup: exported },
    ]);
  });

  it('clears a key', async () => {
    const before = (await pullConfig(hall, counter3.token, 0)).at(-1)!.version;
    const cleared = await run('clear', '3');
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(tagged(cleared.stdout, 'DEVICE_SETUP_CLEARED')).toEqual({
      key: '3',
      removed: true,
      version: before + 1,
    });
    expect(await pullConfig(hall, counter3.token, before)).toEqual([
      { version: before + 1, change: { kind: 'device-setup', key: '3', value: null } },
    ]);
    const again = await run('clear', '3');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('没有大厅设备设置，无需取消');
  });

  it('refuses bad files, keys and arguments with a clear zh-CN message, changing nothing', async () => {
    const before = (await pullConfig(hall, counter3.token, 0)).at(-1)!.version;
    const fails = async (args: string[], message: RegExp) => {
      const result = await run(...args);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toMatch(message);
    };
    await fails(['set', 'default', join(files, 'missing.json')], /无法读取设备设置文件 .*missing\.json/);
    await fails(['set', 'default', file('broken.json', '{"voice": ')], /不是合法的 JSON/);
    await fails(['set', 'default', file('array.json', [HALL_DEFAULT])], /应为一个 JSON 对象/);
    await fails(
      ['set', 'default', file('volume.json', { voice: { enabled: true, volume: 300 } })],
      /volume\.json 有误：voice\.volume/,
    );
    await fails(['set', 'default', file('typo.json', { printr: PRINTER })], /printr/);
    await fails(['set', 'default', file('empty.json', {})], /至少要设置一项/);
    await fails(
      ['set', 'default', file('v2.json', { kind: 'halldesk.device-setup', version: 2, setup: HALL_DEFAULT })],
      /版本 2 本程序不认识/,
    );
    await fails(
      ['set', 'default', file('other.json', { kind: 'something-else', version: 1, setup: HALL_DEFAULT })],
      /不是柜台终端导出的设备设置文件/,
    );
    await fails(
      [
        'set',
        'default',
        file('bad-export.json', {
          kind: 'halldesk.device-setup',
          version: 1,
          setup: { ...HALL_DEFAULT, evaluator: { port: '' } },
        }),
      ],
      /bad-export\.json 的 setup 部分 有误：evaluator\./,
    );
    await fails(['set', '9', file('ok.json', HALL_DEFAULT)], /窗口 9 不存在/);
    await fails(['set', 'all', file('ok2.json', HALL_DEFAULT)], /设置对象不正确：all/);
    await fails(['set', 'default'], /需要两个参数/);
    await fails(['clear'], /需要一个参数/);
    await fails(['reset'], /应为 list、set 或 clear/);
    expect((await pullConfig(hall, counter3.token, 0)).at(-1)!.version).toBe(before);

    const nowhere = await promisify(execFile)(
      process.execPath,
      ['server/main.ts', 'device-setup', 'list', '--data', join(files, 'no-such-dir')],
      { cwd: REPO },
    ).catch((error: unknown) => error as { code: number; stderr: string });
    expect((nowhere as { code: number }).code).toBe(1);
    expect((nowhere as { stderr: string }).stderr).toMatch(/不存在：请先启动一次大厅服务器/);
  });
});
