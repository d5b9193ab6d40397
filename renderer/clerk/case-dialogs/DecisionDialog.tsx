// The frame every 办件 dialog shares, and what goes in it: Enter confirms
// wherever the focus is, Esc and 返回 go back, the confirming button takes
// the focus on opening, and a refused decision's reason shows inside.
import { Alert, Button, Modal, type ButtonProps } from 'antd';
import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent, type ReactNode, type Ref } from 'react';
import type { CaseRecord, InstantOutcome } from '../../../common/cases.ts';
import { useCases, useCaseStoreApi } from '../case-context.ts';

/** Focuses the returned element once a dialog has opened (antd first puts the focus on its ×). */
export function useFocusOnOpen<T extends HTMLElement>(open: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (!open) return;
    let frame = window.requestAnimationFrame(function retry() {
      if (ref.current) ref.current.focus();
      else frame = window.requestAnimationFrame(retry);
    });
    return () => window.cancelAnimationFrame(frame);
  }, [open]);
  return ref;
}

/**
 * Enter confirms a dialog wherever the focus is inside it (a focused button
 * handles Enter itself; a text area keeps it for new lines); `keys` adds
 * single-key choices such as 1 / 2 for 准予 / 不予.
 */
function dialogKeys(confirm: () => void, keys: Record<string, () => void> = {}) {
  return (event: ReactKeyboardEvent) => {
    if (event.nativeEvent.isComposing || event.repeat) return;
    const target = event.target as HTMLElement;
    const typing =
      target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type === 'text');
    // antd focuses the × first when a dialog opens: a quick Enter then means "confirm", not "close".
    const button = target instanceof HTMLButtonElement && !target.classList.contains('ant-modal-close');
    if (event.key === 'Enter' && !button && (!typing || event.ctrlKey)) {
      event.preventDefault();
      confirm();
      return;
    }
    if (typing || event.ctrlKey || event.altKey || event.metaKey) return;
    const choice = keys[event.key];
    if (choice) {
      event.preventDefault();
      choice();
    }
  };
}

/**
 * Centred, closed only by its own buttons or Esc (`closeOnMask`: a click
 * beside it too), then the footer: `lead`, 返回 (disabled while the decision
 * is being sent), the dialog's own actions.
 */
export function DecisionDialog(props: {
  open: boolean;
  title: ReactNode;
  width: number;
  /** What Enter (Ctrl+Enter in a text area) does. */
  onEnter: () => void;
  /** Single keys of the dialog's own, such as 1 / 2 for 准予 / 不予. */
  keys?: Record<string, () => void>;
  onClose: () => void;
  busy?: boolean;
  backLabel?: string;
  closeOnMask?: boolean;
  lead?: ReactNode[];
  actions: ReactNode[];
  children: ReactNode;
}) {
  return (
    <Modal
      open={props.open}
      title={props.title}
      wrapProps={{ onKeyDown: dialogKeys(props.onEnter, props.keys) }}
      width={props.width}
      centered
      maskClosable={props.closeOnMask === true}
      destroyOnHidden
      onCancel={props.onClose}
      footer={[
        ...(props.lead ?? []),
        <Button key="back" onClick={props.onClose} disabled={props.busy}>
          {props.backLabel ?? '返回修改'} <kbd>Esc</kbd>
        </Button>,
        ...props.actions,
      ]}
    >
      {props.children}
    </Modal>
  );
}

/** The case store, and for the frame: 返回 closes the case form's dialog, which waits while a decision is sent. */
export function useCaseDialog() {
  const store = useCaseStoreApi();
  const busy = useCases((s) => s.submitting !== null);
  return { store, busy, onClose: () => store.getState().closeDialog() };
}

/** A dialog's confirming button (primary), its key after the label. */
export function ConfirmButton({
  keyHint = 'Enter',
  children,
  ...button
}: ButtonProps & { keyHint?: string; ref?: Ref<HTMLButtonElement> }) {
  return (
    <Button type="primary" {...button}>
      {children} <kbd>{keyHint}</kbd>
    </Button>
  );
}

/** 不予 (2) and 准予 (1, Enter) of an instant case or of 办结: the frame's keys and its two buttons. */
export function outcomeChoice(
  testIdPrefix: string,
  busy: boolean,
  approveRef: Ref<HTMLButtonElement>,
  choose: (outcome: InstantOutcome) => void,
) {
  return {
    onEnter: () => choose('approved'),
    keys: { '1': () => choose('approved'), '2': () => choose('not_approved') },
    actions: [
      <Button
        key="reject"
        danger
        data-testid={`${testIdPrefix}-reject`}
        loading={busy}
        onClick={() => choose('not_approved')}
      >
        不予 <kbd>2</kbd>
      </Button>,
      <Button
        key="approve"
        ref={approveRef}
        type="primary"
        data-testid={`${testIdPrefix}-approve`}
        loading={busy}
        onClick={() => choose('approved')}
      >
        准予 <kbd>1</kbd>
      </Button>,
    ],
  };
}

/** The facts every dialog on a listed case starts with: its number, item and (masked) applicant. */
export function caseFacts(record: CaseRecord): [string, ReactNode][] {
  return [
    ['办件编号', <span className="case-no">{record.caseNo}</span>],
    ['事项', record.itemName],
    ['申请人', `${record.applicantMasked.name} · ${record.applicantMasked.idMasked}`],
  ];
}

export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="dialog-facts">
      {rows.map(([label, value]) => (
        <div key={label} className="dialog-fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Why the core refused the decision; the form stays as it was. */
export function DialogError() {
  const error = useCases((s) => s.submitError);
  if (!error) return null;
  return (
    <div data-testid="dialog-error" className="dialog-error">
      <Alert
        type="error"
        showIcon
        title={`未能提交：${error}`}
        description="表单内容仍在，可以改正后重试。"
      />
    </div>
  );
}
