// 暂停服务 in the clerk store: lock, unlock, and a wrong password kept for the
// lock screen (not the workspace notice).
import { describe, expect, it } from 'vitest';
import type { ClerkState, HallDeskApi } from '../../common/contract.ts';
import type { CallName, EventName } from '../../common/ipc-names.ts';
import { createClerkStore } from '../../renderer/clerk/store.ts';
import { CallError, type Link } from '../../renderer/transport.ts';

const state = (over: Partial<ClerkState> = {}): ClerkState => ({
  connection: {
    state: 'online',
    serverUrl: 'http://hall',
    since: '2026-03-02T01:00:00Z',
    reason: null,
    syncIssue: null,
  },
  unsent: 0,
  enrolled: true,
  hallName: '测试中心',
  window: { id: 3, code: '03', name: '3号窗口', lineIds: ['A'] },
  clerk: { id: 1, staffNo: '001', name: '王敏', department: '不动产登记中心', role: 'clerk' },
  current: null,
  service: null,
  queue: [],
  noShowMinRecalls: 2,
  log: [],
  printer: null,
  devices: { evaluator: null, outward: { level: 'ok', message: null }, voice: 'ok' },
  locked: false,
  idleLockMinutes: 10,
  rating: { open: null, waiting: [], latest: null },
  ...over,
});

function fakeLink() {
  const calls: { name: CallName; args: unknown }[] = [];
  const answers = new Map<CallName, () => Promise<unknown>>();
  let emit: (payload: unknown) => void = () => {};
  const api = new Proxy(
    {},
    {
      get: (_target, name: string) => {
        if (name === 'on') {
          return (_event: EventName, listener: (payload: unknown) => void) => {
            emit = listener;
            return () => {};
          };
        }
        return (args: unknown) => {
          calls.push({ name: name as CallName, args });
          return (answers.get(name as CallName) ?? (() => Promise.resolve(state())))();
        };
      },
    },
  ) as HallDeskApi;
  const link: Link = { api, state: () => 'open', onState: () => () => {}, close: () => {} };
  return {
    link,
    calls,
    answer: (name: CallName, fn: () => Promise<unknown>) => answers.set(name, fn),
    emit: (p: unknown) => emit(p),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('暂停服务 in the clerk store', () => {
  it('lock takes the locked state the core answers', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('lockScreen', () => Promise.resolve(state({ locked: true })));
    expect(await store.getState().lock()).toBe(true);
    expect(store.getState().state?.locked).toBe(true);
    expect(store.getState().pending).toBeNull();
  });

  it('a wrong password goes to lockError, not to the notice; the right one unlocks and clears it', async () => {
    const fake = fakeLink();
    fake.answer('getClerkState', () => Promise.resolve(state({ locked: true })));
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('unlockScreen', () =>
      Promise.reject(new CallError('SIGN_IN_FAILED', '密码错误，请重新输入')),
    );
    expect(await store.getState().unlock('000000')).toBe(false);
    expect(store.getState().lockError).toBe('密码错误，请重新输入');
    expect(store.getState().notice).toBeNull();
    expect(store.getState().state?.locked).toBe(true);
    fake.answer('unlockScreen', () => Promise.resolve(state({ locked: false })));
    expect(await store.getState().unlock('123456')).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ name: 'unlockScreen', args: { password: '123456' } });
    expect(store.getState().lockError).toBeNull();
    expect(store.getState().state?.locked).toBe(false);
  });

  it('an empty password is not sent', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    expect(await store.getState().unlock('')).toBe(false);
    expect(store.getState().lockError).toBe('请输入密码');
    expect(fake.calls.some((c) => c.name === 'unlockScreen')).toBe(false);
  });

  it('unlocked elsewhere (an event): the old error goes', async () => {
    const fake = fakeLink();
    fake.answer('getClerkState', () => Promise.resolve(state({ locked: true })));
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('unlockScreen', () => Promise.reject(new CallError('SIGN_IN_FAILED', '密码错误')));
    await store.getState().unlock('x');
    fake.emit(state({ locked: false }));
    expect(store.getState().lockError).toBeNull();
  });
});
