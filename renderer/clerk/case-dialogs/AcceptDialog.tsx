// 受理 / 容缺受理 of a promised case: the item, the applicant, the time
// limit and the promised date, and for 容缺受理 what is owed and by when.
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
            ['办理时限', limitText(item)],
            [
              '承诺办结日期',
              <strong
                className="dialog-date"
                data-testid="confirm-promised-date"
                data-date={view?.promisedDate ?? ''}
              >
                {formatDate(view?.promisedDate ?? null)}
              </strong>,
            ],
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
        <p className="dialog-note">确认后生成办件编号，承诺日期即对申请人作出的承诺。</p>
        <DialogError />
      </div>
    </DecisionDialog>
  );
}
