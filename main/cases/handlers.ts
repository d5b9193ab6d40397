// 办件: the catalogue, the form mirrored to the citizen, the decision and its
// slip, 办结, the case list and the day's figures. Cases only write locally:
// they work while the hall server is offline.
import type { CallHandlers } from '../../common/contract.ts';
import type { CaseRecord } from '../../common/cases.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { CounterDevices } from '../device-setup/counter-devices.ts';
import type { CaseService } from './case-service.ts';

export type CaseCall = 'getCatalogue' | 'updateCaseDraft' | 'submitCase' | 'finishCase' | 'listCases' | 'getFigures';

export function caseHandlers(deps: { state: CounterState; cases: CaseService; devices: CounterDevices }): CallHandlers<CaseCall> {
  const { state, cases, devices } = deps;

  /** Queues the slip of a decided case: who, where, and the lookup address come from the counter's state. */
  function printCaseSlip(record: CaseRecord): void {
    const printing = devices.printing;
    if (!printing) return;
    printing.enqueueForCase(record, {
      hallName: state.hallName(),
      windowName: state.window()?.name ?? '',
      clerkName: state.status?.clerk?.name ?? record.staffNo,
      clerkStaffNo: record.staffNo,
      serverUrl: state.enrollment?.serverUrl ?? null,
      item: state.config.items.get(record.itemCode) ?? null,
    });
  }

  return {
    getCatalogue: () => cases.catalogue(),
    updateCaseDraft({ draft }) {
      const view = cases.updateDraft(draft);
      state.publish();
      return view;
    },
    submitCase(args) {
      const record = cases.submit(args);
      // After the commit: its slip joins the print queue (never throws).
      printCaseSlip(record);
      state.publish();
      return record;
    },
    finishCase: ({ caseNo, outcome }) => cases.finish(caseNo, outcome),
    listCases: () => cases.list(),
    getFigures: () => cases.figures(),
  };
}
