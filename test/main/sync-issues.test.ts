// 同步异常 at the counter (listSyncIssues), against the real hall server and a
// real SQLite file: a record the hall server rejects shows for the manager
// both in 本机 (this counter's outbox) and in 全大厅, by kind and number only;
// a clerk sees this counter's part only (全大厅 is for managers); offline the
// manager sees this counter's part and is told 全大厅 needs the server.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { SYNC_ISSUES_HALL_MANAGERS_ONLY, SYNC_ISSUES_HALL_OFFLINE, type SyncIssuesView } from '../../common/sync-issues.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import { openDatabase } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { counterChainKey } from '../helpers/chain-key.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { caseArgs } from '../sync/support.ts';
import { CLERK, deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

const rigs: DeviceRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

describe('同步异常 (listSyncIssues)', () => {
  it('shows the manager a record the hall server rejected, here and hall-wide, without its content', async () => {
    const r = await deviceRig({}, {}, 1);
    rigs.push(r);
    // Nothing rejected yet: both lists are empty.
    await r.signIn(MANAGER);
    const empty = (await r.counter.call('listSyncIssues', {})) as SyncIssuesView;
    expect(empty).toMatchObject({ windowId: 1, stuck: null, unsent: 0, local: [], hall: { rejected: [], conflicts: [] }, hallNote: null });

    // A record for window 2 lands in this (window 1) counter's outbox, e.g.
    // from a copied data folder; the counter starts and pushes it; the hall
    // server rejects it.
    const enrollment = JSON.parse(
      r.query<{ value: string }>("SELECT value FROM kv WHERE key = 'enrollment'")[0]!.value,
    ) as { deviceNo: number };
    const foreign = {
      ...caseArgs(1, 2, enrollment.deviceNo),
      applicantMasked: { type: 'person', name: '欧阳**', idMasked: '3201**********0012' },
    };
    const db = openDatabase(join(r.dataDir, 'counter.db'));
    let seq: number;
    try {
      const outbox = new Outbox(db, { chainKey: () => counterChainKey(r.dataDir, db) });
      seq = db.transaction(() => outbox.append(CASE_DECIDED, foreign))().seq;
    } finally {
      db.close();
    }
    const counter = await r.reopen();
    // A restart signs the manager out: signing in again.
    await r.signIn(MANAGER, counter);
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.unsent === 0, 10_000);
    expect(r.query<{ state: string }>('SELECT state FROM outbox WHERE seq = ?', seq)).toEqual([{ state: 'rejected' }]);

    const view = (await counter.call('listSyncIssues', {})) as SyncIssuesView;
    const expected = {
      seq,
      name: CASE_DECIDED,
      kind: '办件受理结果',
      subject: `办件 ${foreign.caseNo}`,
      reason: expect.stringContaining('不能提交2号窗口的办件'),
    };
    expect(view.local).toEqual([expect.objectContaining(expected)]);
    expect(view.hall!.rejected).toEqual([expect.objectContaining({ ...expected, windowId: 1, deviceName: 'device-setup test' })]);
    expect(view.local[0]!.reason).toBe(view.hall!.rejected[0]!.reason);
    expect(view.hall!.conflicts).toEqual([]);
    expect(JSON.stringify(view)).not.toContain('欧阳');

    // A clerk sees this counter's rejected record, not the hall's.
    await r.signIn(CLERK);
    const clerkView = (await counter.call('listSyncIssues', {})) as SyncIssuesView;
    expect(clerkView).toMatchObject({ hall: null, hallNote: SYNC_ISSUES_HALL_MANAGERS_ONLY, stuck: null });
    expect(clerkView.local).toEqual([expect.objectContaining(expected)]);

    // Offline: the manager sees this counter's part and is told 全大厅 needs the server.
    await r.signIn(MANAGER);
    await r.hall.close();
    await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'offline', 10_000).catch(() => null);
    const offline = (await counter.call('listSyncIssues', {})) as SyncIssuesView;
    expect(offline).toMatchObject({ hall: null, hallNote: SYNC_ISSUES_HALL_OFFLINE });
    expect(offline.local).toEqual([expect.objectContaining(expected)]);
  });
});
