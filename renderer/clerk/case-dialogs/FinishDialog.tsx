// 办结 of a case chosen in the list (CaseList.tsx): 准予 (1, Enter) or 不予
// (2); it cannot be taken back.
import { Alert } from 'antd';
import type { InstantOutcome } from '../../../common/cases.ts';
import { useCases, useCaseStoreApi } from '../case-context.ts';
import { formatDate } from '../case-logic.ts';
import { DecisionDialog, Facts, outcomeChoice, useFocusOnOpen } from './DecisionDialog.tsx';

export function FinishDialog() {
  const store = useCaseStoreApi();
  const record = useCases((s) => s.finishing);
  const busy = useCases((s) => s.finishBusy);
  const error = useCases((s) => s.finishError);
  const open = record !== null;
  const approveRef = useFocusOnOpen<HTMLButtonElement>(open);
  const finish = (outcome: InstantOutcome) => {
    if (record) void store.getState().finish(record.caseNo, outcome);
  };
  return (
    <DecisionDialog
      open={open}
      title="办结"
      width={560}
      onClose={() => store.getState().openFinish(null)}
      busy={busy}
      backLabel="取消"
      {...outcomeChoice('finish', busy, approveRef, finish)}
    >
      {record && (
        <div data-testid="dialog-finish">
          <Facts
            rows={[
              ['办件编号', <span className="case-no">{record.caseNo}</span>],
              ['事项', record.itemName],
              ['申请人', `${record.applicantMasked.name} · ${record.applicantMasked.idMasked}`],
              ['承诺办结日期', formatDate(record.promisedDate)],
            ]}
          />
          <p className="dialog-note">请选择审批结果：准予（Enter 或 1）或不予（2）。办结后不能撤回。</p>
          {error && (
            <div data-testid="finish-error">
              <Alert type="error" showIcon title={`未能办结：${error}`} />
            </div>
          )}
        </div>
      )}
    </DecisionDialog>
  );
}
