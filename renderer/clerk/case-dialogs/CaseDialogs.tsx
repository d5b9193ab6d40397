// The dialogs that confirm a decision before it is recorded: 受理 with the
// promised date (即办件: 准予 / 不予 on the spot — after 容缺受理 only for a
// 容缺后补 item, else it waits for the owed material), 容缺受理 with what is owed,
// the one-time notice (一次性告知书) preview, 不予受理 with the hall's reasons,
// and throwing a draft away; 办结 from the case list is FinishDialog.tsx.
// All on one frame (DecisionDialog.tsx): Enter confirms the focused button,
// Esc goes back.
import { statusAfterDecision } from '../../../common/case-rules.ts';
import { useCases } from '../case-context.ts';
import { AcceptDialog } from './AcceptDialog.tsx';
import { DiscardDialog } from './DiscardDialog.tsx';
import { InstantDialog } from './InstantDialog.tsx';
import { NoticeDialog } from './NoticeDialog.tsx';
import { RefuseDialog } from './RefuseDialog.tsx';

export function CaseDialogs() {
  const dialog = useCases((s) => s.dialog);
  const item = useCases((s) => s.item());
  const accepting = dialog === 'accept' || dialog === 'accept_with_missing';
  // The core's rule: is the case finished on the spot (准予 / 不予 now) or does it stay 受理?
  const onTheSpot = accepting && item !== null && statusAfterDecision(dialog, item) === 'finished';
  return (
    <>
      {item && (
        <>
          <AcceptDialog item={item} open={accepting && !onTheSpot} />
          <InstantDialog item={item} open={onTheSpot} />
          <NoticeDialog item={item} open={dialog === 'notice'} />
          {/* Remounted on open and close: every refusal starts with no reason chosen. */}
          <RefuseDialog
            key={dialog === 'refuse' ? 'open' : 'closed'}
            item={item}
            open={dialog === 'refuse'}
          />
        </>
      )}
      <DiscardDialog open={dialog === 'discard'} />
    </>
  );
}
