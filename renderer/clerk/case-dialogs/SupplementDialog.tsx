// 补交登记 of a 容缺受理 case chosen in the list (CaseList.tsx): the clerk
// ticks the owed materials the applicant handed in (all ticked to begin with;
// digit keys toggle), Enter records them and prints the 补交回执.
import { Alert, Checkbox } from 'antd';
import { useState } from 'react';
import { owedMaterials } from '../../../common/case-rules.ts';
import { materialFormText } from '../../../common/materials.ts';
import { useCases, useCaseStoreApi } from '../case-context.ts';
import { formatDate } from '../case-logic.ts';
import { useClerk } from '../context.ts';
import { caseFacts, ConfirmButton, DecisionDialog, Facts, useFocusOnOpen } from './DecisionDialog.tsx';

export function SupplementDialog() {
  const store = useCaseStoreApi();
  const record = useCases((s) => s.supplying);
  // Remounted per case: every 补交 starts with all owed materials ticked.
  return <SupplementForm key={record?.caseNo ?? 'closed'} open={record !== null} store={store} />;
}

function SupplementForm({ open, store }: { open: boolean; store: ReturnType<typeof useCaseStoreApi> }) {
  const record = useCases((s) => s.supplying);
  const busy = useCases((s) => s.supplyBusy);
  const error = useCases((s) => s.supplyError);
  const printer = useClerk((s) => s.state?.printer ?? null);
  const item = useCases((s) => (record && s.catalogue?.items.find((i) => i.code === record.itemCode)) || null);
  const owed = record ? owedMaterials(record) : [];
  const [ticked, setTicked] = useState<ReadonlySet<string>>(() => new Set(owed.map((m) => m.name)));
  const okRef = useFocusOnOpen<HTMLButtonElement>(open);
  const toggle = (name: string) =>
    setTicked((current) => {
      const next = new Set(current);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  const chosen = owed.filter((m) => ticked.has(m.name)).map((m) => m.name);
  const confirm = () => {
    if (record && chosen.length > 0) void store.getState().supply(record.caseNo, chosen);
  };
  const formOf = (name: string) => {
    const material = item?.materials.find((m) => m.name === name);
    return material ? materialFormText(material) : null;
  };
  return (
    <DecisionDialog
      open={open}
      title="补交登记"
      width={640}
      onEnter={confirm}
      keys={Object.fromEntries(owed.slice(0, 9).map((m, index) => [String(index + 1), () => toggle(m.name)]))}
      onClose={() => store.getState().openSupply(null)}
      busy={busy}
      backLabel="取消"
      actions={[
        <ConfirmButton
          key="ok"
          ref={okRef}
          data-testid="confirm-supply"
          disabled={chosen.length === 0}
          title={chosen.length === 0 ? '请勾选本次补交的材料' : undefined}
          loading={busy}
          onClick={confirm}
        >
          {printer ? '登记补交并打印回执' : '登记补交'}
        </ConfirmButton>,
      ]}
    >
      {record && (
        <div data-testid="dialog-supply">
          <Facts
            rows={[
              ...caseFacts(record),
              ['补交期限', `${formatDate(record.owedBy)} 前`],
              ...(record.promisedDate ? [['承诺办结日期', formatDate(record.promisedDate)] as [string, string]] : []),
            ]}
          />
          <p className="dialog-note">请勾选申请人本次交来的材料（数字键勾选），核对原件、复印件及份数：</p>
          <div className="materials-list" role="group" aria-label="待补交的材料">
            {owed.map((m, index) => {
              const checked = ticked.has(m.name);
              const form = formOf(m.name);
              return (
                <label
                  key={m.name}
                  className={checked ? 'material material-provided' : 'material'}
                  data-testid={`supply-material-${index}`}
                  data-checked={checked}
                >
                  <Checkbox checked={checked} onChange={() => toggle(m.name)} />
                  <span className="material-index">{index + 1}</span>
                  <span className="material-text">
                    <span className="material-name">
                      {m.name}
                      {form && <span className="material-form">{form}</span>}
                    </span>
                    {m.requirement && <span className="material-requirement">{m.requirement}</span>}
                  </span>
                </label>
              );
            })}
          </div>
          <p className="dialog-note">
            {chosen.length === owed.length
              ? '登记后容缺材料全部补齐，即可在办件列表中办结。'
              : `登记后仍待补交 ${owed.length - chosen.length} 项。`}
            {printer ? '同时打印补交回执，交申请人与受理回执一并留存。' : '本终端未配置打印机，不打印补交回执。'}
          </p>
          {error && (
            <div data-testid="supply-error">
              <Alert type="error" showIcon title={`未能登记补交：${error}`} />
            </div>
          )}
        </div>
      )}
    </DecisionDialog>
  );
}
