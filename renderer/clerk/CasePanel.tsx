// The 办件 panel: find the item (F7), the applicant, the materials checklist
// and the decision (受理 / 容缺受理 / 一次性告知 / 不予受理); after the
// decision, the case number. The core judges the form (CaseDraftView) and
// mirrors it to the citizen's screen; the buttons follow its verdict.
import {
  Alert,
  App as AntApp,
  Button,
  Checkbox,
  Form,
  Input,
  Radio,
  Tag,
  Typography,
  type InputRef,
} from 'antd';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { searchItems } from '../../common/case-rules.ts';
import type { CaseDecision, CaseRecord } from '../../common/cases.ts';
import type { Item } from '../../common/model.ts';
import { hallToday } from '../../common/hall-time.ts';
import { validateApplicant } from '../../common/identity.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import type { CaseStore } from './case-store.ts';
import {
  APPLICANT_FIELDS,
  APPLICANT_TYPE_TEXT,
  CASE_HOTKEY,
  DECISION_HOTKEY,
  DECISION_TEXT,
  DECISIONS,
  decisionBlocker,
  FIELD_LABEL,
  FIELD_MAX_LENGTH,
  FIELD_PLACEHOLDER,
  fieldMessage,
  formatDate,
  KIND_TEXT,
  limitText,
  materialDigit,
  materialFormText,
  OUTCOME_TEXT,
  otherErrors,
  owedText,
  recordStateText,
  toApplicant,
  type ApplicantType,
  type FieldKey,
} from './case-logic.ts';
import { CaseDialogs } from './case-dialogs/CaseDialogs.tsx';
import { useClerk } from './context.ts';
import { RetryAlert } from './Notices.tsx';
import type { ButtonLook } from './theme.ts';
import { IdCardInfo } from './IdCard.tsx';

/** Test ids of the applicant inputs (kebab-case, see test/e2e/cases.e2e.test.ts). */
export const FIELD_TESTID: Record<FieldKey, string> = {
  personName: 'applicant-name',
  idNumber: 'applicant-id-number',
  phone: 'applicant-phone',
  enterpriseName: 'applicant-enterprise-name',
  creditCode: 'applicant-credit-code',
  contactName: 'applicant-contact-name',
  contactPhone: 'applicant-contact-phone',
};

export const DECISION_TESTID: Record<CaseDecision, string> = {
  accept: 'decide-accept',
  accept_with_missing: 'decide-accept-with-missing',
  notice: 'decide-notice',
  refuse: 'decide-refuse',
};

export function CasePanel() {
  const result = useCases((s) => s.result);
  const catalogueError = useCases((s) => s.catalogueError);
  const catalogue = useCases((s) => s.catalogue);
  const load = useCases((s) => s.loadCatalogue);
  useCaseToasts();
  return (
    <section className="case-panel" aria-label="办件" data-testid="case-panel">
      {catalogueError && !catalogue && (
        <RetryAlert title={`事项目录载入失败：${catalogueError}`} onRetry={() => void load()} />
      )}
      {result ? (
        <CaseResult record={result} />
      ) : (
        <>
          <div className="case-grid">
            <div className="case-col">
              <ItemPicker />
              <ApplicantForm />
            </div>
            <div className="case-col">
              <MaterialsChecklist />
            </div>
          </div>
          <DecisionBar />
        </>
      )}
      <CaseDialogs />
    </section>
  );
}

/** Panel messages (a refused hotkey, say) also pop up, for a clerk looking at the citizen. */
function useCaseToasts() {
  const message = useCases((s) => s.message);
  const { message: toast } = AntApp.useApp();
  useEffect(() => {
    if (!message) return void toast.destroy('case-message');
    void toast.open({ type: message.kind, content: message.text, key: 'case-message', duration: 4 });
  }, [message, toast]);
}

// ---- item search --------------------------------------------------------------

function ItemPicker() {
  const store = useCaseStoreApi();
  const items = useCases((s) => s.catalogue?.items);
  const lines = useCases((s) => s.catalogue?.lines);
  const itemCode = useCases((s) => s.form.itemCode);
  const current = useClerk((s) => s.state?.current ?? null);
  const lineId = current?.lineId ?? null;
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const inputRef = useRef<InputRef>(null);
  const listRef = useRef<HTMLUListElement>(null);

  const results = useMemo(() => searchItems(items ?? [], query, lineId), [items, query, lineId]);
  const selected = useMemo(() => items?.find((i) => i.code === itemCode) ?? null, [items, itemCode]);
  const lineName = (id: string) => lines?.find((l) => l.id === id)?.name ?? `${id} 类业务`;

  // F6/F7/Ctrl+K ask for the search box: focus it with its text selected and open the list.
  useEffect(() => {
    const take = (request: CaseStore['focus']) => {
      if (request?.target !== 'search' || !inputRef.current) return;
      store.setState({ focus: null });
      inputRef.current.focus({ cursor: 'all' });
      setOpen(true);
      setActive(0);
    };
    take(store.getState().focus);
    return store.subscribe((state, previous) => {
      if (state.focus !== previous.focus) take(state.focus);
    });
  }, [store]);

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active, open]);

  const pick = (item: Item | undefined) => {
    if (!item) return;
    store.getState().chooseItem(item, current?.number ?? null);
    setQuery('');
    setOpen(false);
    store.getState().requestFocus('applicant');
  };

  const onKeyDown = (event: ReactKeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return; // The IME is still choosing characters.
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) return setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (results.length ? (i + step + results.length) % results.length : 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (open) pick(results[active]);
      else setOpen(true);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault(); // Closes the list only; the panel's Esc waits for the next press.
      setOpen(false);
    }
  };

  const showList = open && items !== undefined;
  return (
    <div className="item-picker" data-esc-local={showList ? 'true' : undefined}>
      <label className="case-label" htmlFor="item-search">
        事项
        <span className="case-label-hint">
          名称、事项编码或拼音首字母 · <kbd>{CASE_HOTKEY.findItem}</kbd> /{' '}
          <kbd>{CASE_HOTKEY.findItemAlt}</kbd>
        </span>
      </label>
      <div className="item-search-box">
        <Input
          id="item-search"
          ref={inputRef}
          data-testid="item-search"
          size="large"
          allowClear
          autoComplete="off"
          spellCheck={false}
          placeholder={
            selected ? `更换事项：输入名称、编码或拼音首字母` : '输入事项名称、编码或拼音首字母，如 yyzz'
          }
          value={query}
          role="combobox"
          aria-expanded={showList}
          aria-controls="item-results"
          aria-activedescendant={
            showList && results[active] ? `item-option-${results[active].code}` : undefined
          }
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        {showList && (
          <ul
            className="item-results"
            id="item-results"
            role="listbox"
            data-testid="item-results"
            ref={listRef}
          >
            {results.length === 0 && (
              <li className="item-empty">没有找到“{query}”，请换个名称、编码或拼音首字母</li>
            )}
            {results.map((item, index) => (
              <li
                key={item.code}
                id={`item-option-${item.code}`}
                role="option"
                aria-selected={index === active}
                className={index === active ? 'item-option item-option-active' : 'item-option'}
                data-testid={`item-option-${item.code}`}
                // mousedown, not click: the input keeps the focus until the pick is made.
                onMouseDown={(event) => {
                  event.preventDefault();
                  pick(item);
                }}
                onMouseEnter={() => setActive(index)}
              >
                <ItemSummary item={item} lineName={lineName(item.lineId)} ownLine={item.lineId === lineId} />
              </li>
            ))}
          </ul>
        )}
      </div>
      {selected ? (
        <div className="item-selected" data-testid="item-selected" data-code={selected.code}>
          <ItemSummary item={selected} lineName={lineName(selected.lineId)} ownLine={false} large />
        </div>
      ) : (
        <div className="item-none">
          {items ? (
            <>
              请先选择事项{current ? `（${current.number} · ${lineName(current.lineId)}的事项排在前面）` : ''}
            </>
          ) : (
            '正在载入事项目录…'
          )}
        </div>
      )}
    </div>
  );
}

function ItemSummary({
  item,
  lineName,
  ownLine,
  large = false,
}: {
  item: Item;
  lineName: string;
  ownLine: boolean;
  large?: boolean;
}) {
  return (
    <div className={large ? 'item-summary item-summary-large' : 'item-summary'}>
      <div className="item-title">
        <Tag color={item.kind === 'instant' ? 'green' : 'blue'} className="item-kind" data-testid="item-kind">
          {KIND_TEXT[item.kind]}
        </Tag>
        <span className="item-name">{item.name}</span>
        <span className="item-limit">{limitText(item)}</span>
      </div>
      <div className="item-meta">
        <span className="item-code">{item.code}</span>
        <span>{item.department}</span>
        <span>{item.fee}</span>
        <span className={ownLine ? 'item-line item-line-own' : 'item-line'}>
          {item.lineId} {lineName}
        </span>
        <span>{item.applicantTypes.map((t) => APPLICANT_TYPE_TEXT[t]).join(' / ')}</span>
      </div>
    </div>
  );
}

// ---- applicant ----------------------------------------------------------------

function ApplicantForm() {
  const store = useCaseStoreApi();
  const item = useCases((s) => s.item());
  const applicant = useCases((s) => s.form.applicant);
  const touched = useCases((s) => s.touched);
  const attempted = useCases((s) => s.attempted);
  const view = useCases((s) => s.view);
  const fresh = useCases((s) => s.viewRevision === s.revision);
  const syncError = useCases((s) => s.syncError);
  const focus = useCases((s) => s.focus);
  const firstRef = useRef<InputRef>(null);

  useEffect(() => {
    if (focus?.target !== 'applicant' || !firstRef.current) return;
    store.setState({ focus: null });
    firstRef.current.focus({ cursor: 'end' });
  }, [focus, store]);

  // The same rules as the core, at once, while the core's verdict is on its way.
  const localErrors = useMemo(
    () =>
      item ? validateApplicant(toApplicant(applicant), item.applicantTypes, hallToday()) : null,
    [item, applicant],
  );
  const coreErrors = fresh && view ? view.fieldErrors : null;
  const errors = coreErrors ?? localErrors ?? {};
  const others = item ? otherErrors(errors, applicant.type) : [];

  if (!item) {
    return (
      <div className="applicant applicant-disabled">
        <div className="case-label">申请人</div>
        <div className="case-placeholder">选择事项后填写申请人信息</div>
      </div>
    );
  }
  const types = item.applicantTypes;
  return (
    <div className="applicant">
      <div className="case-label">
        申请人
        {types.length > 1 ? (
          <Radio.Group
            className="applicant-type"
            optionType="button"
            size="small"
            value={applicant.type}
            onChange={(event) => {
              store.getState().setApplicantType(event.target.value as ApplicantType);
              store.getState().requestFocus('applicant');
            }}
            options={types.map((type) => ({
              value: type,
              label: <span data-testid={`applicant-type-${type}`}>{APPLICANT_TYPE_TEXT[type]}</span>,
            }))}
          />
        ) : (
          <Tag className="applicant-type-only" data-testid={`applicant-type-${types[0]}`}>
            仅限{APPLICANT_TYPE_TEXT[types[0] ?? 'person']}
          </Tag>
        )}
        {types.length > 1 && (
          <span className="case-label-hint">
            切换 <kbd>{CASE_HOTKEY.switchApplicant}</kbd>
          </span>
        )}
      </div>
      <Form layout="vertical" component="div" className={`applicant-fields applicant-${applicant.type}`}>
        {APPLICANT_FIELDS[applicant.type].map((field, index) => {
          const value = applicant[field];
          const message = fieldMessage(field, value, {
            shown: attempted || touched[field] === true,
            coreErrors,
            localErrors,
          });
          return (
            <Form.Item
              key={field}
              label={FIELD_LABEL[field]}
              htmlFor={`applicant-${field}`}
              validateStatus={message ? 'error' : undefined}
              help={message ? <span data-testid={`${FIELD_TESTID[field]}-error`}>{message}</span> : undefined}
              className={field === 'enterpriseName' || field === 'creditCode' ? 'field-wide' : undefined}
            >
              <Input
                id={`applicant-${field}`}
                ref={index === 0 ? firstRef : undefined}
                data-testid={FIELD_TESTID[field]}
                value={value}
                maxLength={FIELD_MAX_LENGTH[field]}
                placeholder={FIELD_PLACEHOLDER[field]}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={message ? true : undefined}
                className={field === 'idNumber' || field === 'creditCode' ? 'input-code' : undefined}
                onChange={(event) => store.getState().setField(field, event.target.value)}
                onBlur={() => store.getState().touch(field)}
                onKeyDown={(event) => {
                  // Enter moves on like Tab: the last field hands over to the materials.
                  if (event.key !== 'Enter' || event.nativeEvent.isComposing) return;
                  event.preventDefault();
                  const fields = APPLICANT_FIELDS[applicant.type];
                  const next = fields[index + 1];
                  if (next) document.getElementById(`applicant-${next}`)?.focus();
                  else store.getState().requestFocus('materials');
                }}
              />
            </Form.Item>
          );
        })}
      </Form>
      {applicant.type === 'person' && <IdCardInfo />}
      {(others.length > 0 || syncError) && (
        <div className="applicant-other-errors" data-testid="case-form-errors" role="alert">
          {others.map((text) => (
            <div key={text}>{text}</div>
          ))}
          {syncError && <div>核验失败：{syncError}</div>}
        </div>
      )}
    </div>
  );
}

// ---- materials ----------------------------------------------------------------

function MaterialsChecklist() {
  const store = useCaseStoreApi();
  const item = useCases((s) => s.item());
  const provided = useCases((s) => s.form.provided);
  const focus = useCases((s) => s.focus);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (focus?.target !== 'materials' || !listRef.current) return;
    store.setState({ focus: null });
    const first = listRef.current.querySelector<HTMLInputElement>('input[type="checkbox"]:not(:checked)');
    (first ?? listRef.current.querySelector<HTMLInputElement>('input[type="checkbox"]'))?.focus();
  }, [focus, store]);

  if (!item) {
    return (
      <div className="materials materials-disabled">
        <div className="case-label">申请材料</div>
        <div className="case-placeholder">选择事项后显示材料清单</div>
      </div>
    );
  }
  const count = provided.filter(Boolean).length;
  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const index = materialDigit(event);
    if (index === null) return;
    event.preventDefault();
    store.getState().toggleProvided(index);
  };
  return (
    <div className="materials">
      <div className="case-label">
        申请材料
        <span className="materials-count" data-testid="materials-count">
          已收 {count}/{item.materials.length}
        </span>
        <span className="case-label-hint" title="焦点在清单上时按 Space 或数字键勾选；任何时候可按 Alt+数字">
          <kbd>{CASE_HOTKEY.toggleMaterial}</kbd> 勾选
        </span>
        <Button
          size="small"
          className="materials-all"
          data-testid="materials-all"
          disabled={count === item.materials.length}
          onClick={() => store.getState().allProvided()}
        >
          全部齐全 <kbd>{CASE_HOTKEY.allProvided}</kbd>
        </Button>
      </div>
      <div
        className="materials-list"
        role="group"
        aria-label="申请材料清单"
        ref={listRef}
        onKeyDown={onKeyDown}
      >
        {item.materials.map((material, index) => {
          const checked = provided[index] === true;
          return (
            <label
              key={`${index}-${material.name}`}
              className={checked ? 'material material-provided' : 'material'}
              data-testid={`material-${index}`}
              data-provided={checked}
            >
              <Checkbox
                checked={checked}
                onChange={(event) => store.getState().setProvided(index, event.target.checked)}
              />
              <span className="material-index">{index + 1}</span>
              <span className="material-text">
                <span className="material-name">
                  {material.name}
                  <span className="material-form">{materialFormText(material)}</span>
                  {material.waivable && (
                    <Tag color="gold" className="material-waivable">
                      可容缺
                    </Tag>
                  )}
                </span>
                {material.requirement && <span className="material-requirement">{material.requirement}</span>}
              </span>
            </label>
          );
        })}
      </div>
    </div>
  );
}

// ---- decision -----------------------------------------------------------------

const DECISION_STYLE: Record<CaseDecision, ButtonLook> = {
  accept: { color: 'primary', variant: 'solid' },
  accept_with_missing: { color: 'gold', variant: 'solid' },
  notice: { color: 'orange', variant: 'outlined' },
  refuse: { color: 'danger', variant: 'outlined' },
};

function DecisionBar() {
  const store = useCaseStoreApi();
  const item = useCases((s) => s.item());
  const form = useCases((s) => s.form);
  const view = useCases((s) => s.view);
  const fresh = useCases((s) => s.viewRevision === s.revision);
  const submitting = useCases((s) => s.submitting);
  const message = useCases((s) => s.message);
  if (!item) return null;
  // A view of an older form still tells what was allowed a moment ago; the key/click re-checks before acting.
  const missing = view?.missing ?? [];
  const required = missing.filter((m) => !m.waivable).length;
  let summary: string;
  if (!view) summary = '正在核验…';
  else if (Object.keys(view.fieldErrors).length > 0) summary = '请先改正申请人信息';
  else if (missing.length === 0) summary = '材料齐全，可以受理';
  else if (required === 0) summary = `缺 ${missing.length} 项可容缺材料：可容缺受理，或一次性告知`;
  else summary = `缺 ${missing.length} 项材料（${required} 项不可容缺）：请一次性告知，或不予受理`;
  return (
    <div className="decision">
      {message && (
        <Alert
          key={message.seq}
          className="decision-message"
          type={message.kind}
          showIcon
          title={message.text}
          closable={{ onClose: () => store.setState({ message: null }), 'aria-label': '关闭提示' }}
        />
      )}
      <div className="decision-row">
        <div className="decision-info">
          <div className="decision-facts">
            {item.kind === 'promised' ? (
              <span>
                承诺办结
                <strong data-testid="case-promised-date" data-date={view?.promisedDate ?? ''}>
                  {formatDate(view?.promisedDate ?? null)}
                </strong>
                <span className="decision-limit">（{limitText(item)}）</span>
              </span>
            ) : (
              <span>
                <Tag color="green">即办件</Tag>受理后当场办结
              </span>
            )}
            {view?.owedBy && (
              <span className="decision-owed" data-testid="case-owed-by" data-date={view.owedBy}>
                容缺补交 <strong>{formatDate(view.owedBy)}</strong> 前
              </span>
            )}
          </div>
          <div className="decision-summary" data-testid="decision-summary" data-fresh={fresh}>
            {summary}
          </div>
        </div>
        <div className="decision-buttons">
          {DECISIONS.map((decision) => {
            const blocker = decisionBlocker(decision, view, form, item);
            return (
              <Button
                key={decision}
                data-testid={DECISION_TESTID[decision]}
                data-allowed={blocker === null}
                className="decision-button"
                {...DECISION_STYLE[decision]}
                disabled={blocker !== null || (submitting !== null && submitting !== decision)}
                loading={submitting === decision}
                title={blocker ?? `${DECISION_TEXT[decision]}（${DECISION_HOTKEY[decision]}）`}
                onClick={() => void store.getState().decide(decision)}
              >
                <span className="decision-label">{DECISION_TEXT[decision]}</span>
                <kbd className="decision-key">{DECISION_HOTKEY[decision]}</kbd>
              </Button>
            );
          })}
        </div>
      </div>
    </div>
  );
}

// ---- result -------------------------------------------------------------------

const RESULT_TITLE: Record<CaseDecision, string> = {
  accept: '已受理',
  accept_with_missing: '已容缺受理',
  notice: '已出具一次性告知',
  refuse: '不予受理',
};

function CaseResult({ record }: { record: CaseRecord }) {
  const store = useCaseStoreApi();
  const current = useClerk((s) => s.state?.current ?? null);
  const tone = record.decision === 'refuse' ? 'refused' : record.decision === 'notice' ? 'notice' : 'ok';
  const newRef = useRef<HTMLButtonElement>(null);
  useEffect(() => newRef.current?.focus(), []);
  return (
    <div
      className={`case-result case-result-${tone}`}
      data-testid="case-result"
      data-decision={record.decision}
      data-status={record.status}
    >
      <div className="case-result-head">
        <span className="case-result-title" data-testid="case-result-decision">
          {RESULT_TITLE[record.decision]}
          {record.outcome && `，已办结（${OUTCOME_TEXT[record.outcome]}）`}
        </span>
        <span className="case-result-item">{record.itemName}</span>
      </div>
      <div className="case-result-no-row">
        <span className="case-result-caption">办件编号</span>
        <Typography.Text
          className="case-result-no"
          data-testid="case-result-no"
          copyable={{ text: record.caseNo, tooltips: ['复制办件编号', '已复制'] }}
        >
          {record.caseNo}
        </Typography.Text>
      </div>
      <dl className="case-result-facts">
        <dt>申请人</dt>
        <dd>
          {record.applicantMasked.name} · {record.applicantMasked.idMasked}
        </dd>
        <dt>状态</dt>
        <dd>{recordStateText(record)}</dd>
        {record.promisedDate && (
          <>
            <dt>承诺办结日期</dt>
            <dd
              className="case-result-promised"
              data-testid="case-result-promised"
              data-date={record.promisedDate}
            >
              {formatDate(record.promisedDate)}
            </dd>
          </>
        )}
        {record.owedBy && (
          <>
            <dt>容缺补交</dt>
            <dd>
              {record.missing.map((m) => m.name).join('、')}，请于 {formatDate(record.owedBy)} 前补交
            </dd>
          </>
        )}
        {record.decision === 'notice' && (
          <>
            <dt>需补正材料</dt>
            <dd>
              {record.missing.length} 项：{record.missing.map((m) => m.name).join('、')}
            </dd>
          </>
        )}
        {record.refuseReason && (
          <>
            <dt>不予受理理由</dt>
            <dd>{record.refuseReason}</dd>
          </>
        )}
        <dt>关联票号</dt>
        <dd>{record.ticketNumber ?? '无（未叫号办理）'}</dd>
      </dl>
      <div className="case-result-actions">
        <Button
          ref={newRef}
          type="primary"
          size="large"
          data-testid="case-result-new"
          onClick={() => {
            store.getState().newCase(current?.number ?? null);
            store.getState().requestFocus('search');
          }}
        >
          新建办件 <kbd>{CASE_HOTKEY.newCase}</kbd>
        </Button>
        <Button
          size="large"
          onClick={() => {
            store.getState().setTab('list');
            void store.getState().refreshList();
          }}
        >
          办件列表 <kbd>{CASE_HOTKEY.caseList}</kbd>
        </Button>
        {owedText(record) !== null ? (
          <span className="case-result-hint" data-testid="case-result-owed-hint">
            申请人补交后，请在办件列表中补交登记{record.status === 'accepted' ? '，材料补齐后再办结' : ''}
          </span>
        ) : (
          record.status === 'accepted' && (
            <span className="case-result-hint">承诺件办结后，请在办件列表中办结</span>
          )
        )}
      </div>
    </div>
  );
}
