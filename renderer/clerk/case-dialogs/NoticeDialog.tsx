// 一次性告知: the notice (一次性告知书) as it will be given to the
// applicant, every missing material listed; 出具并打印 prints it too.
import { Button, Tag } from 'antd';
import { hallToday } from '../../../common/hall-time.ts';
import type { Item } from '../../../common/model.ts';
import { useCases } from '../case-context.ts';
import { noticeDocument, toApplicant } from '../case-logic.ts';
import { useClerk } from '../context.ts';
import {
  ConfirmButton,
  DecisionDialog,
  DialogError,
  useCaseDialog,
  useFocusOnOpen,
} from './DecisionDialog.tsx';

export function NoticeDialog({ item, open }: { item: Item; open: boolean }) {
  const { store, busy, onClose } = useCaseDialog();
  const view = useCases((s) => s.view);
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
    date: hallToday(),
  });
  const confirm = () => void store.getState().submit('notice');
  return (
    <DecisionDialog
      open={open}
      title="一次性告知书（预览）"
      onEnter={confirm}
      width={760}
      onClose={onClose}
      busy={busy}
      lead={[
        <Button
          key="print"
          data-testid="print-notice"
          disabled={!printer || busy}
          title={printer ? '出具告知，并在打印机上打印一次性告知书' : '本终端未配置打印机'}
          onClick={confirm}
        >
          出具并打印
        </Button>,
      ]}
      actions={[
        <ConfirmButton key="ok" ref={okRef} data-testid="confirm-notice" loading={busy} onClick={confirm}>
          确认出具告知
        </ConfirmButton>,
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
                <td>{m.requirement}</td>
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
    </DecisionDialog>
  );
}
