// 办件查询 (管理台 Alt+2): the hall's cases across windows and days, by case
// number, the applicant's ID number (exact), item, status, window, clerk and
// date range; paged; applicants masked. 查看详情 opens one case and is
// recorded in 查阅记录 (the page says so before and after). Enter searches.
import { Alert, Button, Input, Modal, Select, Table, Tag } from 'antd';
import { useCallback, useContext, useEffect, useState, type FormEvent } from 'react';
import { CASE_STATUS_LABEL, type CaseDetails, type CaseSearchQuery, type CaseSearchResult, type CaseSearchRow } from '../../../common/case-search.ts';
import { DECISION_LABEL, type CaseStatus } from '../../../common/cases.ts';
import { hallDateTimeAt } from '../../../common/calendar.ts';
import { callErrorText, type Link } from '../../transport.ts';
import { RatingLinkContext } from '../RatingPanel.tsx';
import { deskStore } from './desk-store.ts';
import './case-search.css';

export const RECORDED_NOTICE = '查看详情会记入查阅记录（查看人、时间、终端、办件编号），仅在工作需要时查看';

interface Form {
  caseNo: string;
  idNumber: string;
  itemCode: string;
  status: CaseStatus | '';
  windowId: string;
  staffNo: string;
  from: string;
  to: string;
}
const EMPTY: Form = { caseNo: '', idNumber: '', itemCode: '', status: '', windowId: '', staffNo: '', from: '', to: '' };
const PAGE_SIZE = 10;

export function useDeskLink(): Link {
  const link = useContext(RatingLinkContext);
  if (!link) throw new Error('RatingLinkContext is missing');
  return link;
}

export const formatAt = (iso: string | null): string => (iso ? hallDateTimeAt(iso).slice(0, 16) : '—');

function queryOf(form: Form, page: number): CaseSearchQuery {
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  return {
    caseNo: text(form.caseNo),
    idNumber: text(form.idNumber),
    itemCode: text(form.itemCode),
    status: form.status === '' ? undefined : form.status,
    windowId: form.windowId === '' ? undefined : Number(form.windowId),
    staffNo: text(form.staffNo),
    from: text(form.from),
    to: text(form.to),
    page,
    pageSize: PAGE_SIZE,
  };
}

export function CaseSearchTab() {
  const link = useDeskLink();
  const [form, setForm] = useState<Form>(EMPTY);
  const [result, setResult] = useState<CaseSearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [items, setItems] = useState<{ value: string; label: string }[]>([]);
  const [windows, setWindows] = useState<{ value: string; label: string }[]>([]);
  const [details, setDetails] = useState<CaseDetails | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  // While 办件详情 is open, Esc closes it, not the desk.
  useEffect(() => {
    deskStore.getState().setInner(details !== null);
    return () => deskStore.getState().setInner(false);
  }, [details]);

  useEffect(() => {
    let alive = true;
    void link.api.getCatalogue({}).then(
      (catalogue) => alive && setItems(catalogue.items.map((item) => ({ value: item.code, label: `${item.name}（${item.code}）` }))),
      () => {},
    );
    void link.api.getQueueBoard({}).then(
      (board) => alive && setWindows(board.windows.map((w) => ({ value: String(w.windowId), label: w.name }))),
      () => {},
    );
    return () => {
      alive = false;
    };
  }, [link]);

  const search = useCallback(
    async (page: number) => {
      setLoading(true);
      try {
        setResult(await link.api.searchCases(queryOf(form, page)));
        setError(null);
      } catch (caught) {
        setError(callErrorText(caught));
      } finally {
        setLoading(false);
      }
    },
    [form, link],
  );

  const open = async (row: CaseSearchRow) => {
    setOpening(row.caseNo);
    try {
      setDetails(await link.api.openCaseRecord({ caseNo: row.caseNo }));
      setError(null);
    } catch (caught) {
      setError(callErrorText(caught));
    } finally {
      setOpening(null);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void search(1);
  };
  const field = (key: keyof Form) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: event.target.value })),
  });

  return (
    <div className="cs" data-testid="case-search">
      <form className="cs-form" onSubmit={submit} aria-label="查询条件">
        <label>
          办件编号
          <Input {...field('caseNo')} data-testid="cs-case-no" placeholder="如 20261207-03-7-0012" allowClear autoFocus />
        </label>
        <label>
          申请人证件号码
          <Input {...field('idNumber')} data-testid="cs-id-number" placeholder="身份证号码或统一社会信用代码（完整 18 位）" allowClear />
        </label>
        <label>
          事项
          <Select
            value={form.itemCode || undefined}
            onChange={(value?: string) => setForm((f) => ({ ...f, itemCode: value ?? '' }))}
            options={items}
            showSearch={{ optionFilterProp: 'label' }}
            allowClear
            placeholder="全部事项"
            data-testid="cs-item"
          />
        </label>
        <label>
          状态
          <Select
            value={form.status || undefined}
            onChange={(value?: CaseStatus) => setForm((f) => ({ ...f, status: value ?? '' }))}
            options={(Object.keys(CASE_STATUS_LABEL) as CaseStatus[]).map((s) => ({ value: s, label: CASE_STATUS_LABEL[s] }))}
            allowClear
            placeholder="全部状态"
            data-testid="cs-status"
          />
        </label>
        <label>
          窗口
          <Select
            value={form.windowId || undefined}
            onChange={(value?: string) => setForm((f) => ({ ...f, windowId: value ?? '' }))}
            options={windows}
            allowClear
            placeholder="全部窗口"
            data-testid="cs-window"
          />
        </label>
        <label>
          工号
          <Input {...field('staffNo')} data-testid="cs-staff-no" placeholder="如 1001" allowClear />
        </label>
        <label>
          受理日期从
          <Input type="date" {...field('from')} data-testid="cs-from" />
        </label>
        <label>
          至
          <Input type="date" {...field('to')} data-testid="cs-to" />
        </label>
        <div className="cs-buttons">
          <Button type="primary" htmlType="submit" loading={loading} data-testid="cs-submit">
            查询 <kbd>Enter</kbd>
          </Button>
          <Button onClick={() => setForm(EMPTY)} data-testid="cs-clear">
            清空条件
          </Button>
        </div>
      </form>
      <p className="cs-hint">
        不填日期时查近 30 天（按办件编号或证件号码查询时不限日期）；日期范围最长一年。申请人信息均已脱敏。{RECORDED_NOTICE}。
      </p>
      {error && <Alert type="error" showIcon title={error} data-testid="cs-error" />}
      {result && (
        <Table<CaseSearchRow>
          data-testid="cs-results"
          size="small"
          rowKey="caseNo"
          dataSource={result.rows}
          locale={{ emptyText: '没有符合条件的办件' }}
          pagination={{
            current: result.page,
            pageSize: result.pageSize,
            total: result.total,
            showTotal: (total) => `共 ${total} 件${result.from ? `（${result.from} 至 ${result.to}）` : ''}`,
            onChange: (page) => void search(page),
            showSizeChanger: false,
          }}
          columns={[
            { title: '办件编号', dataIndex: 'caseNo', render: (value: string) => <span className="cs-mono">{value}</span> },
            { title: '事项', dataIndex: 'itemName' },
            {
              title: '申请人',
              render: (_, row) => (
                <span data-testid="cs-applicant">
                  {row.applicant.name} <span className="cs-mono">{row.applicant.idMasked}</span>
                </span>
              ),
            },
            { title: '窗口', dataIndex: 'windowName' },
            { title: '工作人员', render: (_, row) => `${row.staffName ?? ''} ${row.staffNo}` },
            {
              title: '状态',
              render: (_, row) => <Tag color={row.status === 'finished' ? 'green' : row.status === 'refused' ? 'red' : 'blue'}>{CASE_STATUS_LABEL[row.status]}</Tag>,
            },
            { title: '受理时间', dataIndex: 'decidedAt', render: (value: string) => formatAt(value) },
            {
              title: '操作',
              render: (_, row) => (
                <Button size="small" loading={opening === row.caseNo} onClick={() => void open(row)} title={RECORDED_NOTICE} data-testid={`cs-open-${row.caseNo}`}>
                  查看详情
                </Button>
              ),
            },
          ]}
        />
      )}
      <Modal
        open={details !== null}
        title={details ? `办件详情 ${details.caseNo}` : ''}
        onCancel={() => setDetails(null)}
        footer={<Button onClick={() => setDetails(null)}>关闭 <kbd>Esc</kbd></Button>}
        width={720}
      >
        {details && <DetailsView details={details} />}
      </Modal>
    </div>
  );
}

function DetailsView({ details }: { details: CaseDetails }) {
  return (
    <div data-testid="cs-details">
      <Alert type="info" showIcon title={`本次查看已记入查阅记录（第 ${details.auditId} 条）`} data-testid="cs-recorded" />
      <dl className="cs-details">
        <dt>事项</dt>
        <dd>
          {details.itemName}（{details.itemCode}，{details.kind === 'instant' ? '即办件' : '承诺件'}）
        </dd>
        <dt>申请人</dt>
        <dd>
          {details.applicant.name} {details.applicant.idMasked}（{details.applicant.type === 'person' ? '个人' : '企业'}）
        </dd>
        <dt>窗口 / 工作人员</dt>
        <dd>
          {details.windowName}（{details.deviceName}） / {details.staffName ?? ''} {details.staffNo}
        </dd>
        <dt>办理结果</dt>
        <dd>
          {DECISION_LABEL[details.decision]} · {CASE_STATUS_LABEL[details.status]}
          {details.outcome && `（${details.outcome === 'approved' ? '准予' : '不予'}）`}
        </dd>
        <dt>受理时间</dt>
        <dd>{formatAt(details.decidedAt)}</dd>
        {details.ticketNumber && (
          <>
            <dt>排队号</dt>
            <dd>{details.ticketNumber}</dd>
          </>
        )}
        {details.promisedDate && (
          <>
            <dt>承诺办结日期</dt>
            <dd>{details.promisedDate}</dd>
          </>
        )}
        {details.finishedAt && (
          <>
            <dt>办结</dt>
            <dd>
              {formatAt(details.finishedAt)} {details.finishedBy ?? ''}
            </dd>
          </>
        )}
        {details.missing.length > 0 && (
          <>
            <dt>缺少的材料</dt>
            <dd>
              {details.missing.map((m) => `${m.name}${m.suppliedAt ? '（已补交）' : ''}`).join('、')}
              {details.owedBy && `；应于 ${details.owedBy} 前补交`}
            </dd>
          </>
        )}
        {details.refuseReason && (
          <>
            <dt>不予受理原因</dt>
            <dd>{details.refuseReason}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
