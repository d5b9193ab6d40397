// The 设备设置 store over a fake link: loads the setup and the ports when
// opened, saves and resets a section, runs the tests, exports through the
// given file saver, refuses an oversized import before sending it, and keeps
// the core's zh-CN message when a call fails.
import { describe, expect, it } from 'vitest';
import type { ClerkState, HallDeskApi } from '../../common/contract.ts';
import type { DeviceSetupView } from '../../common/device-setup.ts';
import type { CallName } from '../../common/ipc-names.ts';
import { createDeviceSetupStore, reenrolledText } from '../../renderer/clerk/device-setup/device-setup-store.ts';
import { CallError, type Link } from '../../renderer/transport.ts';

const view = (over: Partial<DeviceSetupView> = {}): DeviceSetupView => ({
  effective: {
    printer: null,
    evaluator: { port: '/dev/ttyUSB0', protocol: 'ft12', baudRate: 9600, address: 3, keyMap: null },
    outwardDisplayId: null,
    voice: { enabled: true, volume: 80 },
    idCardReader: null,
  },
  sources: { printer: 'default', evaluator: 'launcher', outwardDisplayId: 'default', voice: 'hall', idCardReader: 'default' },
  hall: { voice: { enabled: true, volume: 80 } },
  displays: [],
  server: { url: 'http://hall:8080', windowName: '1号窗口', deviceNo: 7 },
  ...over,
});

function fakeLink() {
  const calls: { name: CallName; args: unknown }[] = [];
  const answers = new Map<CallName, (args: unknown) => Promise<unknown>>();
  const defaults: Partial<Record<CallName, () => unknown>> = {
    getDeviceSetup: () => view(),
    listSerialPorts: () => ({
      ports: [{ path: '/dev/ttyUSB0', description: '1a86:7523 CH340', byIdPath: null }],
      note: '',
    }),
  };
  const api = new Proxy(
    {},
    {
      get: (_target, name: string) => (args: unknown) => {
        calls.push({ name: name as CallName, args });
        const answer = answers.get(name as CallName);
        if (answer) return answer(args);
        return Promise.resolve(defaults[name as CallName]?.() ?? view());
      },
    },
  ) as HallDeskApi;
  const link: Link = { api, state: () => 'open', onState: () => () => {}, close: () => {} };
  return {
    link,
    calls,
    answer: (name: CallName, fn: (args: unknown) => Promise<unknown>) => answers.set(name, fn),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('device setup store', () => {
  it('opening loads the setup and the serial ports; closing forgets the results', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    store.getState().setOpen(true);
    await flush();
    expect(fake.calls.map((c) => c.name).sort()).toEqual(['getDeviceSetup', 'listSerialPorts']);
    expect(store.getState().view?.sources.evaluator).toBe('launcher');
    expect(store.getState().ports).toHaveLength(1);
    expect(store.getState().portsNote).toBeNull();
    store.getState().say('evaluator', { ok: true, message: 'x' });
    store.getState().setOpen(false);
    expect(store.getState().results).toEqual({});
  });

  it('a failed load keeps the core message', async () => {
    const fake = fakeLink();
    fake.answer('getDeviceSetup', () =>
      Promise.reject(new CallError('FORBIDDEN', '设备设置仅限大厅管理员使用')),
    );
    const store = createDeviceSetupStore(fake.link, () => {});
    await store.getState().load();
    expect(store.getState().loadError).toBe('设备设置仅限大厅管理员使用');
    expect(store.getState().loading).toBe(false);
  });

  it('saves a section: the view the core answers replaces the old one, the result says what happened', async () => {
    const fake = fakeLink();
    const saved = view({
      sources: { printer: 'default', evaluator: 'local', outwardDisplayId: 'default', voice: 'hall', idCardReader: 'default' },
    });
    fake.answer('saveDeviceSetting', () => Promise.resolve(saved));
    const store = createDeviceSetupStore(fake.link, () => {});
    const change = {
      section: 'evaluator' as const,
      value: { port: 'COM3', protocol: 'ft12' as const, baudRate: 9600, address: 5, keyMap: null },
    };
    expect(await store.getState().save(change)).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ name: 'saveDeviceSetting', args: { change } });
    expect(store.getState().view).toBe(saved);
    expect(store.getState().results.evaluator).toMatchObject({
      ok: true,
      message: expect.stringContaining('已保存'),
    });
    expect(store.getState().busy).toEqual({});
  });

  it('a refused save shows the core message and keeps the view', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    await store.getState().load();
    const before = store.getState().view;
    fake.answer('saveDeviceSetting', () =>
      Promise.reject(new CallError('BAD_REQUEST', '评价器地址应为 1–250')),
    );
    expect(await store.getState().save({ section: 'voice', value: { enabled: false, volume: 0 } })).toBe(
      false,
    );
    expect(store.getState().results.voice).toEqual({ ok: false, message: '评价器地址应为 1–250' });
    expect(store.getState().view).toBe(before);
  });

  it('one task per section at a time', async () => {
    const fake = fakeLink();
    let finish: (v: unknown) => void = () => {};
    fake.answer('testEvaluatorRating', () => new Promise((resolve) => (finish = resolve)));
    const store = createDeviceSetupStore(fake.link, () => {});
    const rating = store.getState().testEvaluatorRating();
    expect(store.getState().busy.evaluatorTest).toBe('rating');
    await store.getState().pingEvaluator();
    expect(fake.calls.filter((c) => c.name === 'pingEvaluator')).toHaveLength(0);
    finish({ ok: true, message: '评价器正常：收到评价键', level: 4 });
    await rating;
    expect(store.getState().results.evaluatorTest).toEqual({
      ok: true,
      message: '评价器正常：收到评价键（按下：满意）',
    });
    expect(store.getState().busy.evaluatorTest).toBeUndefined();
  });

  it('reset says what applies now', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    await store.getState().reset('voice');
    expect(fake.calls.at(-1)).toEqual({ name: 'resetDeviceSetting', args: { section: 'voice' } });
    expect(store.getState().results.voice?.message).toContain('大厅统一配置');
  });

  it('the printer test keeps the preview as an image source, and a failure its message', async () => {
    const fake = fakeLink();
    fake.answer('testPrinter', () =>
      Promise.resolve({
        ok: true,
        message: '测试页已打印',
        svg: '<svg xmlns="http://www.w3.org/2000/svg"/>',
      }),
    );
    const store = createDeviceSetupStore(fake.link, () => {});
    await store.getState().testPrinter();
    expect(store.getState().results.printerTest).toEqual({ ok: true, message: '测试页已打印' });
    expect(store.getState().printerPreview).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    fake.answer('testPrinter', () =>
      Promise.reject(new CallError('INTERNAL', '打印机无法连接：请检查网线和 IP 地址')),
    );
    await store.getState().testPrinter();
    expect(store.getState().results.printerTest).toEqual({
      ok: false,
      message: '打印机无法连接：请检查网线和 IP 地址',
    });
    expect(store.getState().printerPreview).toBeNull();
  });

  it('exports through the file saver with the core file name', async () => {
    const fake = fakeLink();
    fake.answer('exportDeviceSetup', () =>
      Promise.resolve({ fileName: 'halldesk-设备设置-1号窗口.json', text: '{"a":1}' }),
    );
    const files: [string, string][] = [];
    const store = createDeviceSetupStore(fake.link, (name, text) => files.push([name, text]));
    await store.getState().exportSetup();
    expect(files).toEqual([['halldesk-设备设置-1号窗口.json', '{"a":1}']]);
    expect(store.getState().results.transfer).toMatchObject({
      ok: true,
      message: expect.stringContaining('halldesk-设备设置-1号窗口.json'),
    });
  });

  it('import: refuses a file over 256 KB (the contract’s limit) without sending it; sends a small one; shows the core refusal', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    const file = (name: string, text: string, size = text.length) => ({
      name,
      size,
      text: () => Promise.resolve(text),
    });
    expect(await store.getState().importSetup(file('big.json', '', 300 * 1024))).toBe(false);
    expect(store.getState().results.transfer).toMatchObject({
      ok: false,
      message: expect.stringContaining('256 KB'),
    });
    expect(fake.calls.filter((c) => c.name === 'importDeviceSetup')).toHaveLength(0);

    fake.answer('importDeviceSetup', () =>
      Promise.reject(new CallError('BAD_REQUEST', '这不是 HallDesk 设备设置文件')),
    );
    expect(await store.getState().importSetup(file('wrong.json', '{"kind":"x"}'))).toBe(false);
    expect(fake.calls.at(-1)).toEqual({ name: 'importDeviceSetup', args: { text: '{"kind":"x"}' } });
    expect(store.getState().results.transfer).toEqual({ ok: false, message: '这不是 HallDesk 设备设置文件' });

    const imported = view({
      sources: { printer: 'local', evaluator: 'local', outwardDisplayId: 'local', voice: 'local', idCardReader: 'local' },
    });
    fake.answer('importDeviceSetup', () => Promise.resolve(imported));
    expect(await store.getState().importSetup(file('ok.json', '{}'))).toBe(true);
    expect(store.getState().view).toBe(imported);
    expect(store.getState().results.transfer?.ok).toBe(true);
  });

  it('changes the server address; a refusal keeps the message', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    fake.answer('changeServerAddress', () =>
      Promise.reject(new CallError('UNAUTHORIZED', '新地址不认可本终端：请确认是同一个大厅服务器')),
    );
    expect(await store.getState().changeServer('http://new:8080')).toBe(false);
    expect(store.getState().results.server).toEqual({
      ok: false,
      message: '新地址不认可本终端：请确认是同一个大厅服务器',
    });
    fake.answer('changeServerAddress', () => Promise.resolve(view()));
    expect(await store.getState().changeServer('http://new:8080')).toBe(true);
    expect(fake.calls.at(-1)).toEqual({
      name: 'changeServerAddress',
      args: { serverUrl: 'http://new:8080' },
    });
  });

  it('re-enrolls with a new code: a refusal keeps the message and the screen; success closes it', async () => {
    const fake = fakeLink();
    const store = createDeviceSetupStore(fake.link, () => {});
    store.getState().setOpen(true);
    await flush();
    const message = '还有 2 条记录未上传到大厅服务器，重新注册会使这些记录无法上传：请先联网等待上传完成';
    fake.answer('reenroll', () => Promise.reject(new CallError('CONFLICT', message)));
    expect(await store.getState().reenroll('http://hall:8080', '12345678')).toBeNull();
    expect(fake.calls.at(-1)).toEqual({
      name: 'reenroll',
      args: { serverUrl: 'http://hall:8080', code: '12345678' },
    });
    expect(store.getState()).toMatchObject({ open: true, results: { reenroll: { ok: false, message } } });
    expect(store.getState().busy.reenroll).toBeUndefined();

    // A second press while one runs is ignored.
    let finish: (state: unknown) => void = () => {};
    const state = {
      enrolled: true,
      clerk: null,
      window: { id: 2, code: '02', name: '2号窗口', lineIds: ['A'] },
    };
    fake.answer('reenroll', () => new Promise((resolve) => (finish = resolve)));
    const running = store.getState().reenroll('http://hall:8080', '87654321');
    expect(store.getState().busy.reenroll).toBe('reenroll');
    expect(await store.getState().reenroll('http://hall:8080', '87654321')).toBeNull();
    finish(state);
    expect(await running).toBe(state);
    expect(fake.calls.filter((call) => call.name === 'reenroll')).toHaveLength(2);
    expect(store.getState()).toMatchObject({ open: false, results: {}, view: null });
    expect(reenrolledText('http://hall:8080', state as unknown as ClerkState)).toBe(
      '本终端已重新注册到 http://hall:8080（2号窗口）：请重新登录',
    );
  });
});
