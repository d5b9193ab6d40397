// The printer in the clerk's workspace: a badge in the header (green / amber /
// red, with what is wrong and what to do) and the 打印队列 drawer (Alt+P or a
// click on the badge): every slip not printed yet and the latest printed,
// with 重试 / 重新打印 / 重打 and a preview of the slip as the printer prints it.
import { Alert, Button, Drawer, Empty, Tag, Tooltip } from 'antd';
import { useEffect } from 'react';
import type { PrintJob, PrinterState } from '../../common/printing.ts';
import { PRINT_JOB_KIND_TEXT, PRINT_JOB_STATE_TEXT } from '../../common/printing.ts';
import { useClerk } from './context.ts';
import { formatClock, isAltKey } from './logic.ts';
import { usePrintQueue, usePrintQueueApi } from './print-store.ts';
import './print.css';

/** Alt+P (打印): F9 and F10 belong to 好差评 (RatingPanel.tsx). */
export const PRINT_QUEUE_HOTKEY = 'Alt+P';
const isPrintQueueHotkey = isAltKey('P');

/** The short label of a printer message: 「打印机缺纸：请装入…」 → 打印机缺纸. */
export function printerLabel(printer: Pick<PrinterState, 'level' | 'message'>): string {
  if (!printer.message) return '打印机正常';
  return printer.message.split(/[：:；;，,。]/)[0]!.slice(0, 16);
}

const STATE_COLOR: Record<PrintJob['state'], string> = {
  queued: 'blue',
  printing: 'processing',
  printed: 'green',
  refused: 'orange',
  failed: 'red',
};

/** The badge, the Alt+P hotkey and the drawer; nothing when this counter has no printer. */
export function PrinterStatus() {
  const printer = useClerk((s) => s.state?.printer ?? null);
  const store = usePrintQueueApi();
  const open = usePrintQueue((s) => s.open);
  const configured = printer !== null;
  useEffect(() => {
    if (!configured) return;
    const onKey = (event: KeyboardEvent) => {
      if (!isPrintQueueHotkey(event)) return;
      event.preventDefault();
      store.getState().setOpen(!store.getState().open);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, configured]);
  // What the core says changed (a job printed, the paper ran out): the open list follows.
  const waiting = printer?.waiting ?? 0;
  const level = printer?.level ?? 'ok';
  const message = printer?.message ?? null;
  useEffect(() => {
    if (open) void store.getState().refresh();
  }, [store, open, waiting, level, message]);
  if (!printer) return null;
  const label = printerLabel(printer);
  const tip = `${printer.description}${printer.message ? `：${printer.message}` : '，可以打印'}（${PRINT_QUEUE_HOTKEY} 打印队列）`;
  return (
    <>
      <Tooltip title={tip}>
        <button
          type="button"
          className={`status-badge status-${printer.level}`}
          data-testid="printer-state"
          data-level={printer.level}
          aria-label={`打印机：${label}`}
          onClick={() => store.getState().setOpen(true)}
        >
          <span className="status-dot" />
          {label}
          {printer.waiting > 0 && (
            <span className="printer-waiting" data-testid="printer-waiting">
              待打 {printer.waiting}
            </span>
          )}
          <kbd>{PRINT_QUEUE_HOTKEY}</kbd>
        </button>
      </Tooltip>
      <PrintQueueDrawer open={open} printer={printer} />
    </>
  );
}

function PrintQueueDrawer({ open, printer }: { open: boolean; printer: PrinterState }) {
  const store = usePrintQueueApi();
  const view = usePrintQueue((s) => s.view);
  const error = usePrintQueue((s) => s.error);
  const jobs = view?.jobs ?? [];
  return (
    <Drawer
      open={open}
      title={
        <span>
          打印队列 <kbd>{PRINT_QUEUE_HOTKEY}</kbd>
        </span>
      }
      size={560}
      onClose={() => store.getState().setOpen(false)}
      destroyOnHidden
    >
      <div data-testid="print-queue">
        <Alert
          className="printer-alert"
          type={printer.level === 'ok' ? 'success' : printer.level === 'warning' ? 'warning' : 'error'}
          showIcon
          title={printer.message ?? `${printer.description}：正常，可以打印`}
          description={printer.level === 'error' ? '排除后点任务上的「重试」；未打印的单据会一直留在这里。' : undefined}
        />
        {error && <Alert className="printer-alert" type="error" showIcon title={error} data-testid="print-queue-error" />}
        {jobs.length === 0 ? (
          <Empty description="暂无打印任务" />
        ) : (
          <ul className="print-jobs">
            {jobs.map((job) => (
              <PrintJobRow key={job.id} job={job} />
            ))}
          </ul>
        )}
      </div>
    </Drawer>
  );
}

function PrintJobRow({ job }: { job: PrintJob }) {
  const store = usePrintQueueApi();
  const busy = usePrintQueue((s) => s.busy);
  const preview = usePrintQueue((s) => (s.preview?.id === job.id ? s.preview.src : null));
  const working = busy === job.id;
  const stateText = job.state === 'failed' && job.maybePrinted ? '可能已部分打印' : PRINT_JOB_STATE_TEXT[job.state];
  const canRetry = job.state === 'refused' || job.state === 'queued' || (job.state === 'failed' && !job.maybePrinted);
  return (
    <li className="print-job" data-testid={`print-job-${job.id}`} data-state={job.state} data-case={job.caseNo ?? ''}>
      <div className="print-job-head">
        <Tag color={STATE_COLOR[job.state]} data-testid={`print-job-state-${job.id}`}>
          {stateText}
        </Tag>
        <span className="print-job-kind">{PRINT_JOB_KIND_TEXT[job.kind]}</span>
        <span className="print-job-case">{job.caseNo ?? job.title}</span>
        {job.reprintOf !== null && <Tag>重打</Tag>}
        <span className="print-job-time">
          {formatClock(job.printedAt ?? job.createdAt)}
          {job.attempts > 1 ? ` · 第 ${job.attempts} 次` : ''}
        </span>
      </div>
      {job.lastError && (
        <div className={job.state === 'printed' ? 'print-job-note' : 'print-job-error'} data-testid={`print-job-error-${job.id}`}>
          {job.lastError}
        </div>
      )}
      <div className="print-job-actions">
        {canRetry && (
          <Button
            size="small"
            type="primary"
            data-testid={`print-retry-${job.id}`}
            loading={working}
            disabled={busy !== null && !working}
            onClick={() => void store.getState().retry(job.id)}
          >
            重试
          </Button>
        )}
        {job.state === 'failed' && job.maybePrinted && (
          <Button
            size="small"
            danger
            data-testid={`print-reprint-${job.id}`}
            loading={working}
            disabled={busy !== null && !working}
            onClick={() => void store.getState().reprint(job.id)}
          >
            已核对，重新打印
          </Button>
        )}
        {job.state === 'printed' && (
          <Button
            size="small"
            data-testid={`print-reprint-${job.id}`}
            loading={working}
            disabled={busy !== null && !working}
            onClick={() => void store.getState().reprint(job.id)}
          >
            重打一份
          </Button>
        )}
        <Button size="small" type="link" data-testid={`print-preview-${job.id}`} onClick={() => void store.getState().togglePreview(job.id)}>
          {preview ? '收起预览' : '预览'}
        </Button>
      </div>
      {preview && <img className="print-job-preview" src={preview} alt={`${job.title} 预览`} data-testid={`print-preview-image-${job.id}`} />}
    </li>
  );
}
