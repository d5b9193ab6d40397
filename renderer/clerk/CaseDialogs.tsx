// The dialogs that confirm a decision before it is recorded: 受理 with the
// promised date (即办件: 准予 / 不予 on the spot), 容缺受理 with what is owed,
// the one-time notice (一次性告知书) preview, 不予受理 with the hall's reasons,
// throwing a draft away, and 办结 from the case list. Enter confirms the
// focused button, Esc goes back.
import { Alert, Button, Input, Modal, Radio, Tag } from 'antd';
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import type { InstantOutcome } from '../../common/cases.ts';
import type { Item } from '../../common/model.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import {
  DECISION_TEXT,
  formatDate,
  limitText,
  localIsoDate,
  noticeDocument,
  toApplicant,
} from './case-logic.ts';
import { useClerk } from './context.ts';

/** Focuses the returned element once a dialog has opened (antd first puts the focus on its ×). */
function useFocusOnOpen<T extends HTMLElement>(open: boolean) {
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

function DialogError() {
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

export function CaseDialogs() {
  const dialog = useCases((s) => s.dialog);
  const item = useCases((s) => s.item());
  return (
    <>
      {item && (
        <>
          <AcceptDialog
            item={item}
            open={(dialog === 'accept' || dialog === 'accept_with_missing') && item.kind === 'promised'}
          />
          <InstantDialog
            item={item}
            open={(dialog === 'accept' || dialog === 'accept_with_missing') && item.kind === 'instant'}
          />
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

function Facts({ rows }: { rows: [string, ReactNode][] }) {
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

function useApplicantLine(): string {
  const applicant = useCases((s) => s.form.applicant);
  const a = toApplicant(applicant);
  return a.type === 'person' ? `${a.name}（身份证 ${a.idNumber}）` : `${a.name}（信用代码 ${a.creditCode}）`;
}

function AcceptDialog({ item, open }: { item: Item; open: boolean }) {
  const store = useCaseStoreApi();
  const dialog = useCases((s) => s.dialog);
  const view = useCases((s) => s.view);
  const submitting = useCases((s) => s.submitting);
  const applicantLine = useApplicantLine();
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const decision = dialog === 'accept_with_missing' ? 'accept_with_missing' : 'accept';
  const owed = decision === 'accept_with_missing' ? (view?.missing ?? []) : [];
  const confirm = () => void store.getState().submit(decision);
  return (
    <DecisionDialog
      open={open}
      title={`确认${DECISION_TEXT[decision]}`}
      onKeyDown={dialogKeys(confirm)}
      width={620}
      onClose={() => store.getState().closeDialog()}
      busy={submitting !== null}
      actions={[
        <Button
          key="ok"
          ref={okRef}
          type="primary"
          data-testid="confirm-accept"
          loading={submitting !== null}
          onClick={confirm}
        >
          确认{DECISION_TEXT[decision]} <kbd>Enter</kbd>
        </Button>,
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

function InstantDialog({ item, open }: { item: Item; open: boolean }) {
  const store = useCaseStoreApi();
  const dialog = useCases((s) => s.dialog);
  const view = useCases((s) => s.view);
  const submitting = useCases((s) => s.submitting);
  const applicantLine = useApplicantLine();
  const approveRef = useFocusOnOpen<HTMLButtonElement>(open);
  const decision = dialog === 'accept_with_missing' ? 'accept_with_missing' : 'accept';
  const owed = decision === 'accept_with_missing' ? (view?.missing ?? []) : [];
  const submit = (instantOutcome: InstantOutcome) =>
    void store.getState().submit(decision, { instantOutcome });
  const onKeyDown = dialogKeys(() => submit('approved'), {
    '1': () => submit('approved'),
    '2': () => submit('not_approved'),
  });
  return (
    <DecisionDialog
      open={open}
      title={`即办件${DECISION_TEXT[decision]}：当场办结`}
      onKeyDown={onKeyDown}
      width={620}
      onClose={() => store.getState().closeDialog()}
      busy={submitting !== null}
      actions={[
        <Button
          key="reject"
          danger
          data-testid="instant-reject"
          loading={submitting !== null}
          onClick={() => submit('not_approved')}
        >
          不予 <kbd>2</kbd>
        </Button>,
        <Button
          key="approve"
          ref={approveRef}
          type="primary"
          data-testid="instant-approve"
          loading={submitting !== null}
          onClick={() => submit('approved')}
        >
          准予 <kbd>1</kbd>
        </Button>,
      ]}
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

function NoticeDialog({ item, open }: { item: Item; open: boolean }) {
  const store = useCaseStoreApi();
  const view = useCases((s) => s.view);
  const submitting = useCases((s) => s.submitting);
  const applicant = useCases((s) => s.form.applicant);
  const clerk = useClerk((s) => s.state?.clerk ?? null);
  const windowName = useClerk((s) => s.state?.window?.name ?? '');
  const hallName = useClerk((s) => s.state?.hallName ?? '');
  const printer = useClerk((s) => s.state?.printer ?? null);
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const doc = noticeDocument({
    item,
    applicantName: toApplicant(applicant).name,
    missing: view?.missing ?? [],
    clerkName: clerk?.name ?? '',
    staffNo: clerk?.staffNo ?? '',
    windowName,
    hallName,
    date: localIsoDate(new Date()),
  });
  const confirm = () => void store.getState().submit('notice');
  return (
    <Modal
      open={open}
      title="一次性告知书（预览）"
      wrapProps={{ onKeyDown: dialogKeys(confirm) }}
      width={760}
      centered
      maskClosable={false}
      destroyOnHidden
      onCancel={() => store.getState().closeDialog()}
      footer={[
        <Button
          key="print"
          data-testid="print-notice"
          disabled={!printer || submitting !== null}
          title={printer ? '出具告知，并在打印机上打印一次性告知书' : '本终端未配置打印机'}
          onClick={confirm}
        >
          出具并打印
        </Button>,
        <Button key="back" onClick={() => store.getState().closeDialog()} disabled={submitting !== null}>
          返回修改 <kbd>Esc</kbd>
        </Button>,
        <Button
          key="ok"
          ref={okRef}
          type="primary"
          data-testid="confirm-notice"
          loading={submitting !== null}
          onClick={confirm}
        >
          确认出具告知 <kbd>Enter</kbd>
        </Button>,
      ]}
    >
      <article className="notice-doc" data-testid="notice-preview">
        <h2 className="notice-title">{doc.title}</h2>
        <p className="notice-to">{doc.applicant}：</p>
        <p className="notice-intro">{doc.intro}</p>
        <table className="notice-table">
          <thead>
            <tr>
              <th>序号</th>
              <th>材料名称</th>
              <th>形式及份数</th>
              <th>要求</th>
            </tr>
          </thead>
          <tbody>
            {doc.materials.map((m) => (
              <tr key={m.index} data-testid="notice-missing">
                <td>{m.index}</td>
                <td>
                  {m.name}
                  {m.waivable && (
                    <Tag color="gold" className="notice-waivable">
                      可容缺
                    </Tag>
                  )}
                </td>
                <td>{m.form}</td>
                <td>{m.requirement || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="notice-closing">{doc.closing}</p>
        <dl className="notice-footer">
          {doc.footer.map((f) => (
            <div key={f.label}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      </article>
      <DialogError />
    </Modal>
  );
}

const needsDetail = (reason: string | null) => reason !== null && reason.includes('其他');

function RefuseDialog({ item, open }: { item: Item; open: boolean }) {
  const store = useCaseStoreApi();
  const reasons = useCases((s) => s.catalogue?.refuseReasons ?? null);
  const submitting = useCases((s) => s.submitting);
  const [reason, setReason] = useState<string | null>(null);
  const [detail, setDetail] = useState('');
  const groupRef = useFocusOnOpen<HTMLDivElement>(open);

  const missingDetail = needsDetail(reason) && detail.trim() === '';
  const ready = reason !== null && !missingDetail;
  const submit = () => {
    if (!ready) return;
    void store.getState().submit('refuse', { refuseReason: reason, refuseDetail: detail.trim() || null });
  };
  // Digits choose a reason (not while typing the detail); Enter, or Ctrl+Enter in the text area, confirms.
  const onKeyDown = dialogKeys(
    submit,
    Object.fromEntries(
      (reasons ?? []).slice(0, 9).map((text, index) => [String(index + 1), () => setReason(text)]),
    ),
  );
  return (
    <DecisionDialog
      open={open}
      title="不予受理"
      onKeyDown={onKeyDown}
      width={640}
      onClose={() => store.getState().closeDialog()}
      busy={submitting !== null}
      actions={[
        <Button
          key="ok"
          danger
          type="primary"
          data-testid="confirm-refuse"
          disabled={!ready}
          loading={submitting !== null}
          title={reason === null ? '请先选择理由' : missingDetail ? '请填写具体说明' : undefined}
          onClick={submit}
        >
          确认不予受理 <kbd>Ctrl+Enter</kbd>
        </Button>,
      ]}
    >
      <div data-testid="dialog-refuse">
        <p className="dialog-note">事项：{item.name}。请选择法定理由（数字键选择），必要时补充说明：</p>
        {reasons === null ? (
          <Alert type="error" showIcon title="未能取得不予受理理由列表，请重新载入事项目录后再试" />
        ) : (
          <div ref={groupRef} tabIndex={-1} className="refuse-reasons-wrap">
            <Radio.Group
              className="refuse-reasons"
              value={reason}
              onChange={(event) => setReason(event.target.value as string)}
              options={reasons.map((text, index) => ({
                value: text,
                label: (
                  <span data-testid={`refuse-reason-${index}`}>
                    <kbd className="refuse-key">{index + 1}</kbd> {text}
                  </span>
                ),
              }))}
            />
          </div>
        )}
        <div className="refuse-detail">
          <label htmlFor="refuse-detail">补充说明{needsDetail(reason) ? '（必填）' : '（选填）'}</label>
          <Input.TextArea
            id="refuse-detail"
            data-testid="refuse-detail"
            value={detail}
            maxLength={500}
            showCount
            autoSize={{ minRows: 2, maxRows: 4 }}
            placeholder="向申请人说明的具体情形，如依据的条款"
            status={missingDetail ? 'error' : undefined}
            onChange={(event) => setDetail(event.target.value)}
          />
        </div>
        <DialogError />
      </div>
    </DecisionDialog>
  );
}

function DiscardDialog({ open }: { open: boolean }) {
  const store = useCaseStoreApi();
  const ticket = useClerk((s) => s.state?.current?.number ?? null);
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const discard = () => {
    store.getState().newCase(ticket);
    store.getState().setTab('queue');
  };
  return (
    <Modal
      open={open}
      title="放弃当前办件？"
      wrapProps={{ onKeyDown: dialogKeys(discard) }}
      width={460}
      centered
      destroyOnHidden
      onCancel={() => store.getState().closeDialog()}
      footer={[
        <Button key="back" onClick={() => store.getState().closeDialog()}>
          继续填写 <kbd>Esc</kbd>
        </Button>,
        <Button key="ok" ref={okRef} danger type="primary" data-testid="discard-confirm" onClick={discard}>
          放弃 <kbd>Enter</kbd>
        </Button>,
      ]}
    >
      <p>已选择的事项、填写的申请人信息和勾选的材料将被清空，对外屏也不再显示。</p>
    </Modal>
  );
}

/** 办结 of a case chosen in the list (CaseList.tsx). */
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
  const onKeyDown = dialogKeys(() => finish('approved'), {
    '1': () => finish('approved'),
    '2': () => finish('not_approved'),
  });
  return (
    <DecisionDialog
      open={open}
      title="办结"
      onKeyDown={onKeyDown}
      width={560}
      onClose={() => store.getState().openFinish(null)}
      busy={busy}
      backLabel="取消"
      actions={[
        <Button
          key="reject"
          danger
          data-testid="finish-reject"
          loading={busy}
          onClick={() => finish('not_approved')}
        >
          不予 <kbd>2</kbd>
        </Button>,
        <Button
          key="approve"
          ref={approveRef}
          type="primary"
          data-testid="finish-approve"
          loading={busy}
          onClick={() => finish('approved')}
        >
          准予 <kbd>1</kbd>
        </Button>,
      ]}
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

/**
 * The frame every decision dialog shares: centred, closed only by its own
 * buttons or Esc, a 返回 button first (disabled while the decision is being
 * sent), then the dialog's own actions.
 */
function DecisionDialog(props: {
  open: boolean;
  title: ReactNode;
  width: number;
  onKeyDown: (event: ReactKeyboardEvent) => void;
  onClose: () => void;
  busy: boolean;
  backLabel?: string;
  actions: ReactNode[];
  children: ReactNode;
}) {
  return (
    <Modal
      open={props.open}
      title={props.title}
      wrapProps={{ onKeyDown: props.onKeyDown }}
      width={props.width}
      centered
      maskClosable={false}
      destroyOnHidden
      onCancel={props.onClose}
      footer={[
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
