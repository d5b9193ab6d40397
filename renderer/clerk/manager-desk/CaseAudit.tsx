// 查阅记录 (管理台 Alt+3): every opening of a case's details — who, when, from
// which counter, which case — newest first, paged. Read-only: the hall server
// refuses any change to it.
import { Alert, Button, Input, Table } from 'antd';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { CaseAuditEntry, CaseAuditPage } from '../../../common/case-search.ts';
import { callErrorText } from '../../transport.ts';
import { formatAt, useDeskLink } from './CaseSearch.tsx';

const PAGE_SIZE = 15;

export function CaseAuditTab() {
  const link = useDeskLink();
  const [caseNo, setCaseNo] = useState('');
  const [page, setPage] = useState<CaseAuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (number: number, filter: string) => {
      setLoading(true);
      try {
        setPage(await link.api.listCaseAudit({ caseNo: filter.trim() || undefined, page: number, pageSize: PAGE_SIZE }));
        setError(null);
      } catch (caught) {
        setError(callErrorText(caught));
      } finally {
        setLoading(false);
      }
    },
    [link],
  );
  useEffect(() => {
    let alive = true;
    void link.api.listCaseAudit({ page: 1, pageSize: PAGE_SIZE }).then(
      (first) => alive && setPage(first),
      (caught: unknown) => alive && setError(callErrorText(caught)),
    );
    return () => {
      alive = false;
    };
  }, [link]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void load(1, caseNo);
  };
  return (
    <div className="cs" data-testid="case-audit">
      <form className="cs-form cs-form-short" onSubmit={submit} aria-label="筛选">
        <label>
          办件编号
          <Input value={caseNo} onChange={(e) => setCaseNo(e.target.value)} placeholder="全部办件" allowClear data-testid="audit-case-no" />
        </label>
        <div className="cs-buttons">
          <Button type="primary" htmlType="submit" loading={loading} data-testid="audit-submit">
            查询 <kbd>Enter</kbd>
          </Button>
        </div>
      </form>
      <p className="cs-hint">查阅记录由大厅服务器保存，只能查看，任何人都不能修改或删除。</p>
      {error && <Alert type="error" showIcon title={error} data-testid="audit-error" />}
      {page && (
        <Table<CaseAuditEntry>
          data-testid="audit-results"
          size="small"
          rowKey="id"
          dataSource={page.entries}
          locale={{ emptyText: '暂无查阅记录' }}
          pagination={{
            current: page.page,
            pageSize: page.pageSize,
            total: page.total,
            showTotal: (total) => `共 ${total} 条`,
            onChange: (number) => void load(number, caseNo),
            showSizeChanger: false,
          }}
          columns={[
            { title: '序号', dataIndex: 'id' },
            { title: '查看时间', dataIndex: 'at', render: (value: string) => formatAt(value) },
            { title: '查看人', render: (_, e) => `${e.staffName}（工号 ${e.staffNo}）` },
            { title: '终端', render: (_, e) => `${e.deviceName}${e.windowId ? `（${e.windowId}号窗口）` : ''}` },
            { title: '办件编号', dataIndex: 'caseNo', render: (value: string) => <span className="cs-mono">{value}</span> },
            { title: '操作', render: () => '查看详情' },
          ]}
        />
      )}
    </div>
  );
}
