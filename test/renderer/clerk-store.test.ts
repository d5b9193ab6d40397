// The clerk store over a fake link: refresh on (re)connect, one action at a
// time, results and events replace the state, failures become notices.
import { describe, expect, it } from 'vitest';
import type { ClerkState, HallDeskApi } from '../../common/contract.ts';
import type { CallName, EventName } from '../../common/ipc-names.ts';
import { createClerkStore } from '../../renderer/clerk/store.ts';
import { CallError, type Link, type LinkState } from '../../renderer/transport.ts';

const state = (over: Partial<ClerkState> = {}): ClerkState => ({
  connection: { state: 'online', serverUrl: 'http://hall', since: '2026-03-02T01:00:00Z', reason: null, syncIssue: null },
  unsent: 0,
  enrolled: true,
  hallName: '测试中心',
  window: { id: 3, code: '03', name: '3号窗口', lineIds: ['A'] },
  clerk: { id: 1, staffNo: '001', name: '王敏', department: '不动产登记中心', role: 'clerk' },
  current: null,
  service: null,
  queue: [{ lineId: 'A', name: '不动产登记', waiting: 0 }],
  noShowMinRecalls: 2,
  log: [],
  printer: null,
  devices: { evaluator: null, outward: { level: 'ok', message: null }, voice: 'ok' },
  locked: false,
  idleLockMinutes: 10,
  rating: { open: null, waiting: [], latest: null },
  ...over,
});

function fakeLink(initial: LinkState = 'open') {
  let linkState = initial;
  const stateListeners = new Set<(s: LinkState) => void>();
  const eventListeners = new Map<EventName, (payload: unknown) => void>();
  const calls: CallName[] = [];
  const answers = new Map<CallName, () => Promise<unknown>>();
  const call = (name: CallName) => () => {
    calls.push(name);
    return (answers.get(name) ?? (() => Promise.resolve(state())))();
  };
  const api = {
    getClerkState: call('getClerkState'),
    getOutwardView: call('getOutwardView'),
    enroll: call('enroll'),
    signIn: call('signIn'),
    signOut: call('signOut'),
    callNext: call('callNext'),
    recall: call('recall'),
    noShow: call('noShow'),
    complete: call('complete'),
    on: (name: EventName, listener: (payload: unknown) => void) => {
      eventListeners.set(name, listener);
      return () => eventListeners.delete(name);
    },
  } as unknown as HallDeskApi;
  const link: Link = {
    api,
    state: () => linkState,
    onState: (l) => {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
    close: () => {},
  };
  return {
    link,
    calls,
    answer: (name: CallName, fn: () => Promise<unknown>) => answers.set(name, fn),
    emit: (name: EventName, payload: unknown) => eventListeners.get(name)?.(payload),
    setLink: (s: LinkState) => {
      linkState = s;
      for (const l of stateListeners) l(s);
    },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('clerk store', () => {
  it('fetches the state when the link is open, and again on every reconnect', async () => {
    const fake = fakeLink('connecting');
    const store = createClerkStore(fake.link);
    expect(fake.calls).toEqual([]);
    fake.setLink('open');
    await flush();
    expect(store.getState().state?.hallName).toBe('测试中心');
    fake.setLink('closed');
    expect(store.getState().link).toBe('closed');
    fake.setLink('open');
    await flush();
    expect(fake.calls).toEqual(['getClerkState', 'getClerkState']);
  });

  it('keeps the error of a failed call, clears it on the next success', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('noShow', () => Promise.reject(new CallError('RECALLS_REQUIRED', '过号前需至少重呼 2 次')));
    expect(await store.getState().runQueueAction('noShow')).toBe(false);
    expect(store.getState().notice).toMatchObject({
      kind: 'error',
      code: 'RECALLS_REQUIRED',
      message: '过号前需至少重呼 2 次',
    });
    expect(store.getState().pending).toBeNull();
    fake.answer('recall', () =>
      Promise.resolve(state({ log: [{ at: 'x', action: 'recall', ticketNumber: 'A001' }] })),
    );
    await store.getState().runQueueAction('recall');
    expect(store.getState().notice).toBeNull();
    expect(store.getState().state?.log).toHaveLength(1);
  });

  it('runs one action at a time', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    let finish: (value: ClerkState) => void = () => {};
    fake.answer('callNext', () => new Promise((resolve) => (finish = resolve)));
    const first = store.getState().runQueueAction('callNext');
    expect(store.getState().pending).toBe('callNext');
    expect(await store.getState().runQueueAction('complete')).toBe(false);
    finish(state());
    expect(await first).toBe(true);
    expect(fake.calls.filter((c) => c !== 'getClerkState')).toEqual(['callNext']);
  });

  it('takes pushed states as they come', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    fake.emit('clerkState', state({ hallName: '新名称' }));
    expect(store.getState().state?.hallName).toBe('新名称');
  });

  it('re-reads the state after a call timed out (it may have happened)', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('callNext', () => Promise.reject(new CallError('TIMEOUT', '终端主程序没有及时响应')));
    await store.getState().runQueueAction('callNext');
    await flush();
    expect(fake.calls).toEqual(['getClerkState', 'callNext', 'getClerkState']);
  });
});

describe('clerk store, empty queue', () => {
  it('shows QUEUE_EMPTY for 叫号 as info, not as a fault', async () => {
    const fake = fakeLink();
    const store = createClerkStore(fake.link);
    await flush();
    fake.answer('callNext', () => Promise.reject(new CallError('QUEUE_EMPTY', '暂无等候的群众，可稍后再叫号')));
    await store.getState().runQueueAction('callNext');
    expect(store.getState().notice).toMatchObject({
      kind: 'info',
      code: 'QUEUE_EMPTY',
      message: '暂无等候的群众，可稍后再叫号',
    });
  });
});
