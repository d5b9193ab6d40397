// 办结 of a case chosen in the list (CaseList.tsx): 准予 (1, Enter) or 不予
// (2); it cannot be taken back. A 容缺受理 case that still owes material
// cannot be 办结 (unless its item is 容缺后补): the dialog says so and offers
// 补交登记 instead (B, Enter).
import { Alert, Button } from 'antd';
import type { Ref } from 'react';
import { finishRefusal } from '../../../common/case-rules.ts';
import type { InstantOutcome } from '../../../common/cases.ts';
import { useCases, useCaseStoreApi } from '../case-context.ts';
import { formatDate } from '../case-logic.ts';
import { caseFacts, DecisionDialog, Facts, outcomeChoice, useFocusOnOpen } from './DecisionDialog.tsx';

/** Instead of 准予 / 不予 while material is owed: 补交登记 (B, Enter). */
function supplyChoice(supplyRef: Ref<HTMLButtonElement>, supply: () => void) {
  return {
    onEnter: supply,
    keys: { b: supply, B: supply },
    actions: [
      <Button key="supply" ref={supplyRef} type="primary" data-testid="finish-supply" onClick={supply}>
        补交登记 <kbd>B</kbd>
      </Button>,
    ],
  };
}

export function FinishDialog() {
  const store = useCaseStoreApi();
  const record = useCases((s) => s.finishing);
  const busy = useCases((s) => s.finishBusy);
  const error = useCases((s) => s.finishError);
  const item = useCases((s) => (record && s.catalogue?.items.find((i) => i.code === record.itemCode)) || null);
  const open = record !== null;
  const approveRef = useFocusOnOpen<HTMLButtonElement>(open);
  const finish = (outcome: InstantOutcome) => {
    if (record) void store.getState().finish(record.caseNo, outcome);
  };
  // The core's own rule: while material is owed the buttons give way to 补交登记.
  const blocked = record ? finishRefusal(record, item) : null;
  const supply = () => {
    if (record) store.getState().openSupply(record);
  };
  return (
    <DecisionDialog
      open={open}
      title="办结"
      width={560}
      onClose={() => store.getState().openFinish(null)}
      busy={busy}
      backLabel="取消"
      {...(blocked ? supplyChoice(approveRef, supply) : outcomeChoice('finish', busy, approveRef, finish))}
    >
      {record && (
        <div data-testid="dialog-finish">
          <Facts
            rows={[...caseFacts(record), ['承诺办结日期', formatDate(record.promisedDate)]]}
          />
          {blocked ? (
            <div data-testid="finish-blocked">
              <Alert type="warning" showIcon title="尚有容缺材料未补交，暂不能办结" description={blocked} />
            </div>
          ) : (
            <p className="dialog-note">请选择审批结果：准予（Enter 或 1）或不予（2）。办结后不能撤回。</p>
          )}
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
