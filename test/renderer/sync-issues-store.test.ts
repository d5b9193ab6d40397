// The 同步异常 store over a fake link: loads when opened, keeps the core's
// zh-CN message when the call fails, forgets when closed; and the times it shows.
import { describe, expect, it } from 'vitest';
import type { HallDeskApi } from '../../common/contract.ts';
import type { SyncIssuesView } from '../../common/sync-issues.ts';
import { createSyncIssuesStore, formatWhen } from '../../renderer/clerk/sync-issues-store.ts';
import { CallError, type Link } from '../../renderer/transport.ts';

const VIEW: SyncIssuesView = {
  windowId: 1,
  stuck: null,
  unsent: 0,
  integrity: [],
  hallNote: null,
  local: [{ seq: 3, name: 'case.decided', kind: '办件受理结果', subject: '办件 1', at: '2026-03-05T02:00:00.000Z', reason: '不收' }],
  hall: { rejected: [], conflicts: [], limit: 200, serverTime: '2026-03-05T02:00:01.000Z' },
};

function fakeLink(answer: () => Promise<SyncIssuesView>) {
  let calls = 0;
  const api = {
    listSyncIssues: () => {
      calls++;
      return answer();
    },
  } as unknown as HallDeskApi;
  const link: Link = { api, state: () => 'open', onState: () => () => {}, close: () => {} };
  return { link, calls: () => calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('同步异常 store', () => {
  it('loads when opened and forgets when closed', async () => {
    const fake = fakeLink(() => Promise.resolve(VIEW));
    const store = createSyncIssuesStore(fake.link);
    store.getState().setOpen(true);
    expect(store.getState().loading).toBe(true);
    await settle();
    expect(store.getState()).toMatchObject({ open: true, view: VIEW, error: null, loading: false });
    store.getState().setOpen(false);
    expect(store.getState()).toMatchObject({ open: false, view: null });
    expect(fake.calls()).toBe(1);
  });

  it("shows the core's message when the call fails, and clears it once a retry works", async () => {
    let fail = true;
    const fake = fakeLink(() =>
      fail ? Promise.reject(new CallError('SERVER_UNREACHABLE', '离线时无法查看同步异常，请联网后再试')) : Promise.resolve(VIEW),
    );
    const store = createSyncIssuesStore(fake.link);
    store.getState().setOpen(true);
    await settle();
    expect(store.getState()).toMatchObject({ view: null, error: '离线时无法查看同步异常，请联网后再试' });
    fail = false;
    await store.getState().refresh();
    expect(store.getState()).toMatchObject({ view: VIEW, error: null });
  });

  it("formats times in the hall's day and time (Beijing): today with seconds, other days with the date", () => {
    const now = new Date('2026-03-05T15:00:00+08:00');
    expect(formatWhen('2026-03-05T01:04:07.000Z', now)).toBe('今天 09:04:07');
    expect(formatWhen('2026-03-04T10:30:00.000Z', now)).toBe('3月4日 18:30');
    // 00:30 in Beijing is still the day before in UTC: it is today all the same.
    expect(formatWhen('2026-03-04T16:30:00.000Z', now)).toBe('今天 00:30:00');
    expect(formatWhen('2025-12-31T00:00:00.000Z', now)).toBe('2025年12月31日 08:00');
    expect(formatWhen('not a time', now)).toBe('not a time');
  });
});
