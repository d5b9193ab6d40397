// 受理 / 容缺受理 of an instant case (即办件): decided on the spot, 准予 (1,
// Enter) or 不予 (2).
import type { InstantOutcome } from '../../../common/cases.ts';
import type { Item } from '../../../common/model.ts';
import { DECISION_TEXT, formatDate } from '../case-logic.ts';
import { useAcceptance } from './acceptance.ts';
import {
  DecisionDialog,
  DialogError,
  Facts,
  outcomeChoice,
  useCaseDialog,
  useFocusOnOpen,
} from './DecisionDialog.tsx';

export function InstantDialog({ item, open }: { item: Item; open: boolean }) {
  const { store, busy, onClose } = useCaseDialog();
  const { decision, view, applicantLine, owed } = useAcceptance();
  const approveRef = useFocusOnOpen<HTMLButtonElement>(open);
  const submit = (instantOutcome: InstantOutcome) =>
    void store.getState().submit(decision, { instantOutcome });
  return (
    <DecisionDialog
      open={open}
      title={`即办件${DECISION_TEXT[decision]}：当场办结`}
      width={620}
      onClose={onClose}
      busy={busy}
      {...outcomeChoice('instant', busy, approveRef, submit)}
    >
      <div data-testid="dialog-instant">
        <Facts
          rows={[
            ['事项', item.name],
            ['申请人', applicantLine],
          ]}
        />
        {owed.length > 0 && (
          <div className="dialog-owed">
            容缺材料：{owed.map((m) => m.name).join('、')}，须于 {formatDate(view?.owedBy ?? null)} 前补交。
          </div>
        )}
        <p className="dialog-note">
          本事项为即办件，受理即当场办结。请选择办理结果：准予（Enter 或 1）或不予（2）。
        </p>
        <DialogError />
      </div>
    </DecisionDialog>
  );
}
