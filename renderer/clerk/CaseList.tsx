// 办件列表 (F8): the open cases of this window, nearest deadline first,
// marked yellow when near and red when overdue, each finished (办结) from
// here — and a 容缺受理 case's 补交 recorded here (补交登记) while material is
// owed; then every case decided here today.
import { Button, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, type HTMLAttributes, type ReactNode } from 'react';
import type { CaseRecord } from '../../common/cases.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import { FinishDialog } from './case-dialogs/FinishDialog.tsx';
import { SupplementDialog } from './case-dialogs/SupplementDialog.tsx';
import {
  CASE_HOTKEY,
  DEADLINE_TEXT,
  DECISION_TEXT,
  deadlineText,
  formatShortDate,
  owedText,
  recordStateText,
} from './case-logic.ts';
import { formatClock } from './logic.ts';
import { RetryAlert } from './Notices.tsx';

const DECISION_COLOR: Record<CaseRecord['decision'], string> = {
  accept: 'blue',
  accept_with_missing: 'gold',
  notice: 'orange',
  refuse: 'red',
};

interface RowActions {
  openFinish: (record: CaseRecord) => void;
  openSupply: (record: CaseRecord) => void;
}

function columns(withFinish: boolean, actions: RowActions): ColumnsType<CaseRecord> {
  const cols: ColumnsType<CaseRecord> = [
    {
      title: '办件编号',
      dataIndex: 'caseNo',
      // Room for a big hall's number on one line: 20261207-B200-12345-0001 (issue 20).
      width: 220,
      render: (caseNo: string) => <span className="case-no">{caseNo}</span>,
    },
    {
      title: '事项',
      dataIndex: 'itemName',
      ellipsis: true,
      render: (name: string, record) => (
        <span>
          <Tag color={record.kind === 'instant' ? 'green' : 'blue'} className="list-kind">
            {record.kind === 'instant' ? '即办' : '承诺'}
          </Tag>
          {name}
        </span>
      ),
    },
    {
      title: '申请人',
      key: 'applicant',
      width: 150,
      ellipsis: true,
      render: (_: unknown, record) => record.applicantMasked.name,
    },
    {
      title: '决定',
      key: 'decision',
      width: 150,
      render: (_: unknown, record) => (
        <span className="list-decision">
          <Tag color={DECISION_COLOR[record.decision]}>{DECISION_TEXT[record.decision]}</Tag>
          <span className="list-status" data-testid={withFinish ? `case-state-${record.caseNo}` : undefined}>
            {owedText(record) ?? recordStateText(record)}
          </span>
        </span>
      ),
    },
    {
      title: '承诺日期',
      dataIndex: 'promisedDate',
      width: 112,
      render: (date: string | null) => formatShortDate(date),
    },
    {
      title: '期限',
      key: 'deadline',
      width: 130,
      render: (_: unknown, record) => (
        <span
          className={`deadline deadline-${record.deadline}`}
          data-testid={`case-deadline-${record.caseNo}`}
        >
          {(record.deadline === 'near' || record.deadline === 'overdue') && record.status !== 'finished' && (
            <span className="deadline-dot" aria-label={DEADLINE_TEXT[record.deadline]} />
          )}
          {deadlineText(record)}
        </span>
      ),
    },
  ];
  if (withFinish) {
    cols.push({
      title: '操作',
      key: 'finish',
      width: 128,
      render: (_: unknown, record) => (
        <span>
          {owedText(record) !== null && (
            <Button
              size="small"
              type={record.status === 'accepted' ? 'default' : 'primary'}
              data-testid={`case-supply-${record.caseNo}`}
              onClick={() => actions.openSupply(record)}
            >
              补交
            </Button>
          )}{' '}
          {record.status === 'accepted' && (
            <Button
              size="small"
              type="primary"
              data-testid={`case-finish-${record.caseNo}`}
              onClick={() => actions.openFinish(record)}
            >
              办结
            </Button>
          )}
        </span>
      ),
    });
  } else {
    cols.splice(4, 0, {
      title: '时间',
      dataIndex: 'decidedAt',
      width: 80,
      render: (at: string) => formatClock(at),
    });
  }
  return cols;
}

const rowClass = (record: CaseRecord) =>
  record.status !== 'finished' && (record.deadline === 'near' || record.deadline === 'overdue')
    ? `case-row case-row-${record.deadline}`
    : 'case-row';

/** A row's test id is `${prefix}-${caseNo}`. */
const rowProps = (prefix: string) => (record: CaseRecord) =>
  ({
    'data-testid': `${prefix}-${record.caseNo}`,
    'data-deadline': record.deadline,
    'data-status': record.status,
  }) as HTMLAttributes<HTMLElement>;

/** One of the two lists: its heading, then the cases (deadlines near or past marked). */
function CaseSection(props: {
  head: ReactNode;
  testid: string;
  rowPrefix: string;
  records: CaseRecord[];
  columns: ColumnsType<CaseRecord>;
  loading?: boolean;
  empty: string;
}) {
  return (
    <div className="case-list-section">
      <header className="case-list-head">{props.head}</header>
      <Table<CaseRecord>
        data-testid={props.testid}
        size="small"
        rowKey="caseNo"
        pagination={false}
        loading={props.loading}
        dataSource={props.records}
        columns={props.columns}
        rowClassName={rowClass}
        onRow={rowProps(props.rowPrefix)}
        scroll={{ y: 'calc(50vh - 170px)' }}
        locale={{ emptyText: props.empty }}
      />
    </div>
  );
}

export function CaseListView() {
  const store = useCaseStoreApi();
  const list = useCases((s) => s.list);
  const loading = useCases((s) => s.listLoading);
  const error = useCases((s) => s.listError);
  useEffect(() => void store.getState().refreshList(), [store]);
  const actions: RowActions = {
    openFinish: (record) => store.getState().openFinish(record),
    openSupply: (record) => store.getState().openSupply(record),
  };
  const open = list?.open ?? [];
  const owing = open.filter((r) => owedText(r) !== null).length;
  const today = list?.today ?? [];
  const overdue = open.filter((r) => r.deadline === 'overdue').length;
  const near = open.filter((r) => r.deadline === 'near').length;
  return (
    <section className="case-list" aria-label="办件列表" data-testid="case-list">
      {error && (
        <RetryAlert
          title={`办件列表载入失败：${error}`}
          onRetry={() => void store.getState().refreshList()}
        />
      )}
      <CaseSection
        head={
          <>
            <span>
              在办件 <strong>{open.length}</strong>
            </span>
            {owing > 0 && <Tag color="gold">待补交 {owing}</Tag>}
            {overdue > 0 && <Tag color="red">超期 {overdue}</Tag>}
            {near > 0 && <Tag color="gold">临近期限 {near}</Tag>}
            <span className="case-list-hint">
              <kbd>{CASE_HOTKEY.caseList}</kbd> / <kbd>Esc</kbd> 返回
            </span>
          </>
        }
        testid="case-open-table"
        rowPrefix="case-row"
        records={open}
        columns={columns(true, actions)}
        loading={loading && !list}
        empty="暂无在办的办件"
      />
      <CaseSection
        head={
          <span>
            今日办件 <strong data-testid="case-today-count">{today.length}</strong>
          </span>
        }
        testid="case-today-table"
        rowPrefix="case-today"
        records={today}
        columns={columns(false, actions)}
        empty="今日暂无办件"
      />
      <FinishDialog />
      <SupplementDialog />
    </section>
  );
}
