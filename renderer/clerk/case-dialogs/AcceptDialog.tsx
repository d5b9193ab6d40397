// 受理 / 容缺受理 of a promised case: the item, the applicant, the time
// limit and the promised date, and for 容缺受理 what is owed and by when
// (never after the promised date). Also 容缺受理 of a 即办件 that is not
// 容缺后补: it is 受理 now and 办结 once the owed material is in.
import type { ReactNode } from 'react';
import type { Item } from '../../../common/model.ts';
import { DECISION_TEXT, formatDate, limitText } from '../case-logic.ts';
import { useAcceptance } from './acceptance.ts';
import {
  ConfirmButton,
  DecisionDialog,
  DialogError,
  Facts,
  useCaseDialog,
  useFocusOnOpen,
} from './DecisionDialog.tsx';

export function AcceptDialog({ item, open }: { item: Item; open: boolean }) {
  const { store, busy, onClose } = useCaseDialog();
  const { decision, view, applicantLine, owed } = useAcceptance();
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const confirm = () => void store.getState().submit(decision);
  return (
    <DecisionDialog
      open={open}
      title={`确认${DECISION_TEXT[decision]}`}
      onEnter={confirm}
      width={620}
      onClose={onClose}
      busy={busy}
      actions={[
        <ConfirmButton key="ok" ref={okRef} data-testid="confirm-accept" loading={busy} onClick={confirm}>
          确认{DECISION_TEXT[decision]}
        </ConfirmButton>,
      ]}
    >
      <div data-testid="dialog-accept" data-decision={decision}>
        <Facts
          rows={[
            ['事项', item.name],
            ['申请人', applicantLine],
            ...(item.kind === 'instant'
              ? [['办理时限', '即办件：容缺材料补齐后当场办结'] as [string, string]]
              : [
                  ['办理时限', limitText(item)] as [string, string],
                  [
                    '承诺办结日期',
                    <strong
                      className="dialog-date"
                      data-testid="confirm-promised-date"
                      data-date={view?.promisedDate ?? ''}
                    >
                      {formatDate(view?.promisedDate ?? null)}
                    </strong>,
                  ] as [string, ReactNode],
                ]),
          ]}
        />
        {owed.length > 0 && (
          <div className="dialog-owed" data-testid="dialog-owed">
            <div className="dialog-owed-title">
              容缺材料（{owed.length} 项），须于{' '}
              <strong data-testid="dialog-owed-by">{formatDate(view?.owedBy ?? null)}</strong> 前补交：
            </div>
            <ol>
              {owed.map((m) => (
                <li key={m.name}>
                  {m.name}
                  {m.requirement && <span className="dialog-requirement">（{m.requirement}）</span>}
                </li>
              ))}
            </ol>
          </div>
        )}
        <p className="dialog-note">
          {item.kind === 'instant'
            ? '确认后生成办件编号；申请人补交后，在办件列表（F8）中补交登记，再办结。'
            : owed.length > 0
              ? '确认后生成办件编号，承诺日期即对申请人作出的承诺；材料补齐前不能办结。'
              : '确认后生成办件编号，承诺日期即对申请人作出的承诺。'}
        </p>
        <DialogError />
      </div>
    </DecisionDialog>
  );
}
