// The contract's flags (common/contract.ts) hold in the real counter core: every
// call flagged `manager` is FORBIDDEN to a signed-in clerk, every call not
// flagged `whileLocked` is refused with SCREEN_LOCKED on a locked screen. Calls
// go through main/bridge.ts dispatchCall, so each one's arguments pass its
// schema first (a refusal is the counter's, not a BAD_REQUEST). Real hall
// server, real SQLite file (device-rig.ts).
//
// The lists of flagged calls are spelled out: a call that gains or loses a flag
// (or a new call) fails here until someone looks at who may make it.
import { afterEach, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../common/identity.ts';
import { calls, type CallArgs, type CallSpec } from '../../common/contract.ts';
import { managerOnlyMessage } from '../../common/errors.ts';
import type { CallName } from '../../common/ipc-names.ts';
import { dispatchCall, type CounterCore } from '../../main/bridge.ts';
import { CLERK, deviceRig, type DeviceRig } from './device-rig.ts';

const MANAGER_CALLS = [
  'listFollowUps',
  'advanceFollowUp',
  'getDeviceSetup',
  'listSerialPorts',
  'saveDeviceSetting',
  'resetDeviceSetting',
  'testPrinter',
  'pingEvaluator',
  'testEvaluatorRating',
  'testOutwardDisplay',
  'testVoice',
  'testIdCardReader',
  'exportDeviceSetup',
  'importDeviceSetup',
  'changeServerAddress',
  'reenroll',
  'unlockStaffSignIn',
  'resolveSyncGap',
  'getRatingReport',
  'getWorkloadReport',
  'exportReport',
  'getHallOverview',
  'searchCases',
  'openCaseRecord',
  'listCaseAudit',
];
const WHILE_LOCKED_CALLS = ['getClerkState', 'getOutwardView', 'signOut', 'rateByTouch', 'reportOutwardAudio', 'lockScreen', 'unlockScreen'];

const FIRST17 = '32010219850312004';
/** Arguments each call's schema accepts (a new call needs an entry: the type says so). */
const VALID_ARGS: { [N in CallName]: CallArgs<N> } = {
  getClerkState: {},
  getOutwardView: {},
  enroll: { serverUrl: 'http://127.0.0.1:1', code: '12345678' },
  signIn: { staffNo: CLERK, password: '123456' },
  signOut: {},
  callNext: {},
  recall: {},
  noShow: {},
  complete: {},
  getCatalogue: {},
  updateCaseDraft: { draft: null },
  submitCase: {
    draft: {
      itemCode: 'GA-ZM-006',
      applicant: { type: 'person', name: '王小明', idNumber: FIRST17 + residentIdCheckChar(FIRST17), phone: '13812345678' },
      provided: [true, true, true],
      ticketNumber: null,
    },
    decision: 'accept',
    refuseReason: null,
    refuseDetail: null,
    instantOutcome: null,
  },
  finishCase: { caseNo: '20260302030010001', outcome: 'approved' },
  recordSupplement: { caseNo: '20260302030010001', materials: ['婚姻状况证明'] },
  listCases: {},
  getFigures: {},
  requestRating: {},
  rateByTouch: { sessionId: 1, level: 5 },
  reportOutwardAudio: { state: 'blocked' },
  listFollowUps: {},
  advanceFollowUp: { id: 1, note: '已核实' },
  issueWalkIn: { lineId: 'A' },
  serveTypedTicket: { number: 'A001' },
  listPrintJobs: {},
  retryPrintJob: { id: 1 },
  reprintJob: { id: 1 },
  previewPrintJob: { id: 1 },
  lockScreen: {},
  unlockScreen: { password: '123456' },
  getDeviceSetup: {},
  listSerialPorts: {},
  saveDeviceSetting: { change: { section: 'voice', value: { enabled: false, volume: 10 } } },
  resetDeviceSetting: { section: 'voice' },
  testPrinter: {},
  pingEvaluator: {},
  testEvaluatorRating: {},
  testOutwardDisplay: {},
  testVoice: {},
  testIdCardReader: {},
  dismissIdCardRead: { seq: 1 },
  exportDeviceSetup: {},
  importDeviceSetup: { text: '{}' },
  changeServerAddress: { serverUrl: 'http://127.0.0.1:1' },
  reenroll: { serverUrl: 'http://127.0.0.1:1', code: '12345678' },
  listSyncIssues: {},
  unlockStaffSignIn: { staffNo: CLERK },
  resolveSyncGap: { fromSeq: 3, toSeq: 3, reason: '数据库被改动' },
  transferTicket: { number: 'A001', to: { windowId: 5 }, place: 'keep' },
  parkTicket: {},
  callTicket: { number: 'A001' },
  pauseWindow: { reason: '午休', expectedBack: '13:30' },
  resumeWindow: {},
  checkInAppointment: { code: 'YY0001' },
  setTicketPriority: { number: 'A001', priority: 'priority' },
  getQueueBoard: {},
  getRatingReport: { from: '2026-07-01', to: '2026-09-30' },
  getWorkloadReport: { from: '2026-07-01', to: '2026-09-30', windowId: 1 },
  exportReport: { from: '2026-07-01', to: '2026-09-30', staffNo: '1001' },
  getHallOverview: {},
  searchCases: { idNumber: '11010119900101002X' },
  openCaseRecord: { caseNo: '20261206-02-2-0001' },
  listCaseAudit: { page: 1 },
};

const names = Object.keys(calls) as CallName[];
const flagged = (flag: 'manager' | 'whileLocked') =>
  names.filter((name) => (calls[name] as CallSpec)[flag] !== undefined);

const rigs: DeviceRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function signedInClerk(): Promise<{ rig: DeviceRig; call: (name: CallName) => Promise<{ code: string } | null> }> {
  const rig = await deviceRig();
  rigs.push(rig);
  await rig.signIn(CLERK);
  const core: CounterCore = { call: (name, args) => rig.counter.call(name, args), subscribe: () => () => {} };
  const call = async (name: CallName) => {
    const reply = await dispatchCall(core, calls[name].from[0]!, name, VALID_ARGS[name]);
    return reply.ok ? null : reply.error;
  };
  return { rig, call };
}

describe('the contract flags, in the counter core', () => {
  it('flags exactly the known manager-only and while-locked calls; every example argument passes its schema', () => {
    expect(flagged('manager')).toEqual(MANAGER_CALLS);
    expect(flagged('whileLocked')).toEqual(WHILE_LOCKED_CALLS);
    for (const name of names) {
      expect({ name, ok: calls[name].args.safeParse(VALID_ARGS[name]).success }).toEqual({ name, ok: true });
    }
  });

  it('a signed-in clerk is refused every manager call (FORBIDDEN), and nothing changed', async () => {
    const { rig, call } = await signedInClerk();
    for (const name of flagged('manager')) {
      expect({ name, error: await call(name) }).toEqual({
        name,
        error: { code: 'FORBIDDEN', message: managerOnlyMessage((calls[name] as CallSpec).manager!) },
      });
    }
    expect(rig.query('SELECT * FROM device_setting')).toEqual([]);
    expect(rig.query("SELECT value FROM kv WHERE key = 'enrollment'")).toHaveLength(1);
  });

  it('a locked counter answers SCREEN_LOCKED to every call not flagged whileLocked', async () => {
    const { rig, call } = await signedInClerk();
    expect(await call('lockScreen')).toBeNull();
    for (const name of names.filter((n) => !flagged('whileLocked').includes(n))) {
      expect({ name, error: await call(name) }).toEqual({ name, error: expect.objectContaining({ code: 'SCREEN_LOCKED' }) });
    }
    // Nothing ran: no case, no walk-in, still locked; unlocking still works.
    expect(rig.query('SELECT case_no FROM cases')).toEqual([]);
    // (seq 1 is sync.chain_keyed, written at enrollment: docs/records-trust.md.)
    expect(rig.query('SELECT seq, name FROM outbox')).toEqual([{ seq: 1, name: 'sync.chain_keyed' }]);
    expect(await call('getClerkState')).toBeNull();
    expect(await call('unlockScreen')).toBeNull();
    expect(await call('listPrintJobs')).toBeNull();
  });
});
