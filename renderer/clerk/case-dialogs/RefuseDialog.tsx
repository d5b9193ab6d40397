// 不予受理: one of the hall's legal reasons (digit keys choose), and a
// detail — required for a reason of 「其他」.
import { Alert, Input, Radio } from 'antd';
import { useState } from 'react';
import type { Item } from '../../../common/model.ts';
import { useCases } from '../case-context.ts';
import {
  ConfirmButton,
  DecisionDialog,
  DialogError,
  useCaseDialog,
  useFocusOnOpen,
} from './DecisionDialog.tsx';

const needsDetail = (reason: string | null) => reason !== null && reason.includes('其他');

export function RefuseDialog({ item, open }: { item: Item; open: boolean }) {
  const { store, busy, onClose } = useCaseDialog();
  const reasons = useCases((s) => s.catalogue?.refuseReasons ?? null);
  const [reason, setReason] = useState<string | null>(null);
  const [detail, setDetail] = useState('');
  const groupRef = useFocusOnOpen<HTMLDivElement>(open);

  const missingDetail = needsDetail(reason) && detail.trim() === '';
  const ready = reason !== null && !missingDetail;
  const submit = () => {
    if (!ready) return;
    void store.getState().submit('refuse', { refuseReason: reason, refuseDetail: detail.trim() || null });
  };
  return (
    <DecisionDialog
      open={open}
      title="不予受理"
      // Digits choose a reason (not while typing the detail); Enter, or Ctrl+Enter in the text area, confirms.
      onEnter={submit}
      keys={Object.fromEntries(
        (reasons ?? []).slice(0, 9).map((text, index) => [String(index + 1), () => setReason(text)]),
      )}
      width={640}
      onClose={onClose}
      busy={busy}
      actions={[
        <ConfirmButton
          key="ok"
          danger
          data-testid="confirm-refuse"
          disabled={!ready}
          loading={busy}
          title={reason === null ? '请先选择理由' : missingDetail ? '请填写具体说明' : undefined}
          onClick={submit}
          keyHint="Ctrl+Enter"
        >
          确认不予受理
        </ConfirmButton>,
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
