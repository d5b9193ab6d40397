// 办件: the catalogue, the form mirrored to the citizen, the decision and its
// slip, 办结, the case list and the day's figures. Cases only write locally:
// they work while the hall server is offline.
import type { CallHandlers } from '../../common/contract.ts';
import type { CaseRecord } from '../../common/cases.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { CaseSlipContext, PrintService } from '../printing/print-service.ts';
import type { CaseService } from './case-service.ts';

export type CaseCall =
  | 'getCatalogue'
  | 'updateCaseDraft'
  | 'submitCase'
  | 'finishCase'
  | 'recordSupplement'
  | 'listCases'
  | 'getFigures';

/** `printing`: the print queue of the printer in use (null: none set up; the case is kept, no slip). */
export function caseHandlers(deps: {
  state: CounterState;
  cases: CaseService;
  printing: () => PrintService | null;
}): CallHandlers<CaseCall> {
  const { state, cases, printing } = deps;

  /** Who printed a case's slip, where, and the lookup address: from the counter's state. */
  function slipContext(record: CaseRecord, staffNo: string): CaseSlipContext {
    return {
      hallName: state.hallName(),
      windowName: state.window()?.name ?? '',
      clerkName: state.status?.clerk?.name ?? staffNo,
      clerkStaffNo: staffNo,
      serverUrl: state.enrollment?.serverUrl ?? null,
      item: state.config.items.get(record.itemCode) ?? null,
    };
  }

  /** Queues the slip of a decided case. */
  function printCaseSlip(record: CaseRecord): void {
    printing()?.enqueueForCase(record, slipContext(record, record.staffNo));
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
    recordSupplement({ caseNo, materials }) {
      const record = cases.supplement(caseNo, materials);
      // After the commit: the 补交回执 (signed by the clerk who took the material) joins the print queue.
      const staffNo = state.status?.clerk?.staffNo ?? record.staffNo;
      printing()?.enqueueSupplement(record, materials, slipContext(record, staffNo));
      return record;
    },
    listCases: () => cases.list(),
    getFigures: () => cases.figures(),
  };
}
