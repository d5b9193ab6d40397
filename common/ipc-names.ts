// The names of every renderer ⇄ main call and event, and nothing else: the
// sandboxed preload bundles this file, so it must stay free of imports.
// Schemas for each name live in contract.ts.

export const CALL_NAMES = [
  'getClerkState',
  'getOutwardView',
  'enroll',
  'signIn',
  'signOut',
  'callNext',
  'recall',
  'noShow',
  'complete',
  'getCatalogue',
  'updateCaseDraft',
  'submitCase',
  'finishCase',
  'recordSupplement',
  'listCases',
  'getFigures',
  'requestRating',
  'rateByTouch',
  'reportOutwardAudio',
  'listFollowUps',
  'advanceFollowUp',
  'issueWalkIn',
  'serveTypedTicket',
  'listPrintJobs',
  'retryPrintJob',
  'reprintJob',
  'previewPrintJob',
  'lockScreen',
  'unlockScreen',
  'getDeviceSetup',
  'listSerialPorts',
  'saveDeviceSetting',
  'resetDeviceSetting',
  'testPrinter',
  'pingEvaluator',
  'testEvaluatorRating',
  'testOutwardDisplay',
  'testVoice',
  'exportDeviceSetup',
  'importDeviceSetup',
  'changeServerAddress',
  'reenroll',
  'listSyncIssues',
  'unlockStaffSignIn',
  'resolveSyncGap',
  'transferTicket',
  'parkTicket',
  'callTicket',
  'pauseWindow',
  'resumeWindow',
  'checkInAppointment',
  'setTicketPriority',
  'getQueueBoard',
  'testIdCardReader',
  'dismissIdCardRead',
  'getRatingReport',
  'getWorkloadReport',
  'exportReport',
  'getHallOverview',
  'searchCases',
  'openCaseRecord',
  'listCaseAudit',
] as const;
export type CallName = (typeof CALL_NAMES)[number];

export const EVENT_NAMES = ['clerkState', 'outwardView'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Which of the counter's two screens a renderer is. */
export type ScreenRole = 'clerk' | 'outward';

export const callChannel = (name: CallName): string => `halldesk:call:${name}`;
export const eventChannel = (name: EventName): string => `halldesk:event:${name}`;
