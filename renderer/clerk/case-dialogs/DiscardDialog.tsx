// 放弃当前办件？ (Esc on a form with input): empties the form, and the
// outward screen stops showing it.
import { useClerk } from '../context.ts';
import { ConfirmButton, DecisionDialog, useCaseDialog, useFocusOnOpen } from './DecisionDialog.tsx';

export function DiscardDialog({ open }: { open: boolean }) {
  const { store, onClose } = useCaseDialog();
  const ticket = useClerk((s) => s.state?.current?.number ?? null);
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const discard = () => {
    store.getState().newCase(ticket);
    store.getState().setTab('queue');
  };
  return (
    <DecisionDialog
      open={open}
      title="放弃当前办件？"
      onEnter={discard}
      width={460}
      closeOnMask
      onClose={onClose}
      backLabel="继续填写"
      actions={[
        <ConfirmButton key="ok" ref={okRef} danger data-testid="discard-confirm" onClick={discard}>
          放弃
        </ConfirmButton>,
      ]}
    >
      <p>已选择的事项、填写的申请人信息和勾选的材料将被清空，对外屏也不再显示。</p>
    </DecisionDialog>
  );
}
