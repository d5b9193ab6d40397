// 管理台 through the real counter core (issue 17): a clerk at window 2,
// working YESTERDAY (its clock a day behind), accepts a case; the counter's
// push carries the applicant's ID number beside the record; the hall server
// keeps only its keyed hash. The manager signed in at window 1 finds the case
// by that ID number (searchCases), opens it (openCaseRecord) and the 查阅记录
// shows the view (listCaseAudit). Window 2's counter has told the hall its
// devices (大厅总览). Real hall server, real SQLite files.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CallResult, ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import type { Counter } from '../../main/counter-api.ts';
import { dispatchCall } from '../../main/bridge.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { memoryLogger } from '../sync/support.ts';
import { CLERK, deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

const ID = '32010219850312004' + residentIdCheckChar('32010219850312004');
const DAY = 86_400_000;

let rig: DeviceRig;
let window2: Counter;
let caseNo = '';
/** Both counters' logs, every level: the ID number is never in them. */
const logged: { level: string; message: string; fields?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  rig = await deviceRig({ log: memoryLogger(logged) }, {}, 1);
  window2 = await rig.another(2, { clock: () => new Date(Date.now() - DAY), log: memoryLogger(logged) });
  await rig.signIn(CLERK, window2);
  const record = (await window2.call('submitCase', {
    draft: {
      itemCode: 'GA-ZM-006',
      applicant: { type: 'person', name: '王小明', idNumber: ID, phone: '13812345678' },
      provided: [true, true, true],
      ticketNumber: null,
    },
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: null,
  })) as CallResult<'submitCase'>;
  caseNo = record.caseNo;
  await waitFor<ClerkState>(window2, 'clerkState', (s) => s.unsent === 0, 10_000);
  await rig.signIn(MANAGER);
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const hallDb = () => new Database(join(rig.hall.dataDir, 'hall.sqlite'), { readonly: true, fileMustExist: true });

it('finds yesterday’s case of window 2 by the applicant’s ID number, masked; the hall keeps a keyed hash, not the ID', async () => {
  const result = (await dispatchCall(rig.counter, 'clerk', 'searchCases', { idNumber: ID.toLowerCase() })) as {
    ok: true;
    result: CallResult<'searchCases'>;
  };
  expect(result.ok).toBe(true);
  expect(result.result.rows.map((r) => [r.caseNo, r.windowId, r.applicant.idMasked])).toEqual([[caseNo, 2, '3201**********' + ID.slice(14)]]);
  expect(JSON.stringify(result.result)).not.toContain(ID);
  const db = hallDb();
  try {
    expect(db.prepare('SELECT applicant_key FROM cases WHERE case_no = ?').pluck().get(caseNo)).toMatch(/^[0-9a-f]{64}$/);
    expect(db.prepare('SELECT args FROM sync_mutations').pluck().all().join('\n')).not.toContain(ID);
  } finally {
    db.close();
  }
});

it('opens the case for the manager and records the view in 查阅记录', async () => {
  const details = (await rig.counter.call('openCaseRecord', { caseNo })) as CallResult<'openCaseRecord'>;
  expect(details).toMatchObject({ caseNo, windowId: 2, itemCode: 'GA-ZM-006', staffNo: CLERK });
  const audit = (await rig.counter.call('listCaseAudit', {})) as CallResult<'listCaseAudit'>;
  expect(audit.entries[0]).toMatchObject({ id: details.auditId, caseNo, staffNo: MANAGER, windowId: 1, action: 'open_case' });
});

it('refuses the clerk at window 2 (the contract’s manager rule)', async () => {
  const reply = await dispatchCall(window2, 'clerk', 'searchCases', { idNumber: ID });
  expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/办件查询仅限大厅管理员/) } });
});

it('keeps the ID number out of both counters’ logs (the push, the search, the refusal)', () => {
  expect(logged.length).toBeGreaterThan(0);
  expect(logged.filter((line) => JSON.stringify(line).includes(ID))).toEqual([]);
});

it('shows window 2 serving-ready with its clerk and the devices its counter reported', async () => {
  const answer = (await rig.counter.call('getHallOverview', {})) as CallResult<'getHallOverview'>;
  const tile = answer.overview!.windows.find((w) => w.windowId === 2)!;
  expect(tile).toMatchObject({ state: 'idle', clerk: { staffNo: CLERK } });
  expect(tile.devices).toMatchObject({ printer: { level: 'none' }, evaluator: { level: 'none' } });
  // A long poll with the version held answers when something changes: window 2 signs out.
  const next = rig.counter.call('getHallOverview', { since: answer.version }) as Promise<CallResult<'getHallOverview'>>;
  await window2.call('signOut', {});
  expect((await next).overview!.windows.find((w) => w.windowId === 2)!.state).toBe('closed');
});
