// 办件列表 (F8): the open promised cases of this window, nearest deadline
// first, marked yellow when near and red when overdue, each finished (办结)
// from here; then every case decided here today.
import { Alert, Button, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, type HTMLAttributes } from 'react';
import type { CaseRecord } from '../../common/cases.ts';
import { useCases, useCaseStoreApi } from './case-context.ts';
import { FinishDialog } from './CaseDialogs.tsx';
import {
  CASE_HOTKEY,
  DEADLINE_TEXT,
  DECISION_TEXT,
  deadlineText,
  formatShortDate,
  recordStateText,
} from './case-logic.ts';
import { formatClock } from './logic.ts';

const DECISION_COLOR: Record<CaseRecord['decision'], string> = {
  accept: 'blue',
  accept_with_missing: 'gold',
  notice: 'orange',
  refuse: 'red',
};

function columns(withFinish: boolean, openFinish: (record: CaseRecord) => void): ColumnsType<CaseRecord> {
  const cols: ColumnsType<CaseRecord> = [
    {
      title: '办件编号',
      dataIndex: 'caseNo',
      width: 170,
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
          <span className="list-status">{recordStateText(record)}</span>
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
      width: 84,
      render: (_: unknown, record) =>
        record.status === 'accepted' ? (
          <Button
            size="small"
            type="primary"
            data-testid={`case-finish-${record.caseNo}`}
            onClick={() => openFinish(record)}
          >
            办结
          </Button>
        ) : null,
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

const rowProps = (record: CaseRecord) =>
  ({
    'data-testid': `case-row-${record.caseNo}`,
    'data-deadline': record.deadline,
    'data-status': record.status,
  }) as HTMLAttributes<HTMLElement>;

export function CaseListView() {
  const store = useCaseStoreApi();
  const list = useCases((s) => s.list);
  const loading = useCases((s) => s.listLoading);
  const error = useCases((s) => s.listError);
  useEffect(() => void store.getState().refreshList(), [store]);
  const openFinish = (record: CaseRecord) => store.getState().openFinish(record);
  const open = list?.open ?? [];
  const today = list?.today ?? [];
  const overdue = open.filter((r) => r.deadline === 'overdue').length;
  const near = open.filter((r) => r.deadline === 'near').length;
  return (
    <section className="case-list" aria-label="办件列表" data-testid="case-list">
      {error && (
        <Alert
          type="error"
          showIcon
          title={`办件列表载入失败：${error}`}
          action={
            <Button size="small" onClick={() => void store.getState().refreshList()}>
              重试
            </Button>
          }
        />
      )}
      <div className="case-list-section">
        <header className="case-list-head">
          <span>
            在办承诺件 <strong>{open.length}</strong>
          </span>
          {overdue > 0 && <Tag color="red">超期 {overdue}</Tag>}
          {near > 0 && <Tag color="gold">临近期限 {near}</Tag>}
          <span className="case-list-hint">
            <kbd>{CASE_HOTKEY.caseList}</kbd> / <kbd>Esc</kbd> 返回
          </span>
        </header>
        <Table<CaseRecord>
          data-testid="case-open-table"
          size="small"
          rowKey="caseNo"
          pagination={false}
          loading={loading && !list}
          dataSource={open}
          columns={columns(true, openFinish)}
          rowClassName={rowClass}
          onRow={rowProps}
          scroll={{ y: 'calc(50vh - 170px)' }}
          locale={{ emptyText: '暂无在办的承诺件' }}
        />
      </div>
      <div className="case-list-section">
        <header className="case-list-head">
          <span>
            今日办件 <strong data-testid="case-today-count">{today.length}</strong>
          </span>
        </header>
        <Table<CaseRecord>
          data-testid="case-today-table"
          size="small"
          rowKey="caseNo"
          pagination={false}
          dataSource={today}
          columns={columns(false, openFinish)}
          rowClassName={rowClass}
          onRow={(record) =>
            ({
              ...rowProps(record),
              'data-testid': `case-today-${record.caseNo}`,
            }) as HTMLAttributes<HTMLElement>
          }
          scroll={{ y: 'calc(50vh - 170px)' }}
          locale={{ emptyText: '今日暂无办件' }}
        />
      </div>
      <FinishDialog />
    </section>
  );
}
