// The preload bridge (sandboxed, built to out/preload/preload.cjs): gives the
// page `window.halldesk`, a HallDeskApi with one named function per contract
// call and `on` for contract events — nothing generic, no ipcRenderer.
//
// Imports: 'electron' and common/ipc-names.ts at run time, the contract's
// types at compile time (erased by the build); eslint enforces this and
// test/electron/bundle.test.ts checks the built file requires only electron.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CallArgs, CallResult, EventPayload, HallDeskApi, Reply } from '../common/contract.ts';
import { EVENT_NAMES, callChannel, eventChannel, type CallName, type EventName } from '../common/ipc-names.ts';

/**
 * What a failed call rejects with: the contract's error code and its Chinese
 * message, plus a name. A plain object on purpose — values crossing the
 * context bridge are copied, and an Error is rebuilt there from its message
 * alone, so an Error's `.code` would not reach the page (electron/electron,
 * shell/renderer/api/electron_api_context_bridge.cc: "Errors aren't
 * serializable currently"). A plain object keeps every field;
 * renderer/api.ts turns it into its CallError.
 */
export interface BridgeFailure {
  name: 'HallDeskError';
  code: string;
  message: string;
}

const BRIDGE_BROKEN: Reply = {
  ok: false,
  error: { code: 'INTERNAL', message: '终端内部错误：界面与主程序的连接中断，请重启 HallDesk；如反复出现请联系管理员' },
};

function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  if (v.ok === true) return true;
  if (v.ok !== false || typeof v.error !== 'object' || v.error === null) return false;
  const e = v.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

/** Asks the main process; main answers a Reply. Resolves the result, rejects with a BridgeFailure. */
async function invoke<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
  let reply: Reply;
  try {
    const answer: unknown = await ipcRenderer.invoke(callChannel(name), args);
    reply = isReply(answer) ? answer : BRIDGE_BROKEN;
  } catch {
    reply = BRIDGE_BROKEN;
  }
  if (reply.ok) return reply.result as CallResult<N>;
  const failure: BridgeFailure = { name: 'HallDeskError', code: reply.error.code, message: reply.error.message };
  throw failure;
}

/** Only contract events; the listener gets the payload, never the IPC event. Returns the unsubscribe. */
function on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
  if (!(EVENT_NAMES as readonly string[]).includes(name)) throw new Error(`未知的事件：${String(name).slice(0, 40)}`);
  if (typeof listener !== 'function') throw new TypeError('on(name, listener)：listener 必须是函数');
  const channel = eventChannel(name);
  const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload as EventPayload<N>);
  ipcRenderer.on(channel, forward);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    ipcRenderer.removeListener(channel, forward);
  };
}

// One named function per call, listed explicitly.
const api: HallDeskApi = {
  getClerkState: (args) => invoke('getClerkState', args),
  getOutwardView: (args) => invoke('getOutwardView', args),
  enroll: (args) => invoke('enroll', args),
  signIn: (args) => invoke('signIn', args),
  signOut: (args) => invoke('signOut', args),
  callNext: (args) => invoke('callNext', args),
  recall: (args) => invoke('recall', args),
  noShow: (args) => invoke('noShow', args),
  complete: (args) => invoke('complete', args),
  getCatalogue: (args) => invoke('getCatalogue', args),
  updateCaseDraft: (args) => invoke('updateCaseDraft', args),
  submitCase: (args) => invoke('submitCase', args),
  finishCase: (args) => invoke('finishCase', args),
  recordSupplement: (args) => invoke('recordSupplement', args),
  listCases: (args) => invoke('listCases', args),
  getFigures: (args) => invoke('getFigures', args),
  requestRating: (args) => invoke('requestRating', args),
  rateByTouch: (args) => invoke('rateByTouch', args),
  reportOutwardAudio: (args) => invoke('reportOutwardAudio', args),
  listFollowUps: (args) => invoke('listFollowUps', args),
  advanceFollowUp: (args) => invoke('advanceFollowUp', args),
  issueWalkIn: (args) => invoke('issueWalkIn', args),
  serveTypedTicket: (args) => invoke('serveTypedTicket', args),
  listPrintJobs: (args) => invoke('listPrintJobs', args),
  retryPrintJob: (args) => invoke('retryPrintJob', args),
  reprintJob: (args) => invoke('reprintJob', args),
  previewPrintJob: (args) => invoke('previewPrintJob', args),
  lockScreen: (args) => invoke('lockScreen', args),
  unlockScreen: (args) => invoke('unlockScreen', args),
  getDeviceSetup: (args) => invoke('getDeviceSetup', args),
  listSerialPorts: (args) => invoke('listSerialPorts', args),
  saveDeviceSetting: (args) => invoke('saveDeviceSetting', args),
  resetDeviceSetting: (args) => invoke('resetDeviceSetting', args),
  testPrinter: (args) => invoke('testPrinter', args),
  pingEvaluator: (args) => invoke('pingEvaluator', args),
  testEvaluatorRating: (args) => invoke('testEvaluatorRating', args),
  testOutwardDisplay: (args) => invoke('testOutwardDisplay', args),
  testVoice: (args) => invoke('testVoice', args),
  exportDeviceSetup: (args) => invoke('exportDeviceSetup', args),
  importDeviceSetup: (args) => invoke('importDeviceSetup', args),
  changeServerAddress: (args) => invoke('changeServerAddress', args),
  reenroll: (args) => invoke('reenroll', args),
  listSyncIssues: (args) => invoke('listSyncIssues', args),
  resolveSyncGap: (args) => invoke('resolveSyncGap', args),
  unlockStaffSignIn: (args) => invoke('unlockStaffSignIn', args),
  transferTicket: (args) => invoke('transferTicket', args),
  parkTicket: (args) => invoke('parkTicket', args),
  callTicket: (args) => invoke('callTicket', args),
  pauseWindow: (args) => invoke('pauseWindow', args),
  resumeWindow: (args) => invoke('resumeWindow', args),
  checkInAppointment: (args) => invoke('checkInAppointment', args),
  setTicketPriority: (args) => invoke('setTicketPriority', args),
  getQueueBoard: (args) => invoke('getQueueBoard', args),
  testIdCardReader: (args) => invoke('testIdCardReader', args),
  dismissIdCardRead: (args) => invoke('dismissIdCardRead', args),
  getRatingReport: (args) => invoke('getRatingReport', args),
  getWorkloadReport: (args) => invoke('getWorkloadReport', args),
  exportReport: (args) => invoke('exportReport', args),
  getHallOverview: (args) => invoke('getHallOverview', args),
  searchCases: (args) => invoke('searchCases', args),
  openCaseRecord: (args) => invoke('openCaseRecord', args),
  listCaseAudit: (args) => invoke('listCaseAudit', args),
  on,
};

contextBridge.exposeInMainWorld('halldesk', api);
