// 排队操作 beyond F1–F4 (issue 14): 叫指定号 / 回呼 (Alt+J: a number typed,
// today's parked tickets, today's 过号), 挂起 (Alt+H), 转窗 / 转业务 (Alt+Z:
// window and line pickers with their waiting counts, keep the citizen's place
// or put them first), 暂停服务 with a reason (Alt+X; Alt+X again or the
// button resumes), 预约签到 (Alt+A), 优先 / 绿色通道 (Alt+V). Each needs the
// hall server: offline, the core refuses with what to do instead, and the
// dialog says so. The screen lock (Alt+L) is apart and unchanged: it locks
// this screen; a pause with a reason is the window's state the hall and the
// outward screen see.
import { Alert, Button, Input, Modal, Radio, Segmented, Tabs, Tag, type ButtonProps } from 'antd';
import { useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { ClerkState, HallDeskApi } from '../../common/contract.ts';
import type { Priority } from '../../common/model.ts';
import type { QueueBoard } from '../../common/ticket-ops.ts';
import { callErrorText } from '../transport.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { formatClock, isAltKey, PRIORITY_TEXT } from './logic.ts';
import { RatingLinkContext } from './RatingPanel.tsx';
import './queue-routine.css';

/** Keys free of F1–F10 and the Alt keys in use (W, M, P, L, D, Y, and the case form's S/R/G/B/Q/T/1…9). */
export const QUEUE_ROUTINE_HOTKEY = {
  callTicket: 'Alt+J',
  park: 'Alt+H',
  transfer: 'Alt+Z',
  pause: 'Alt+X',
  checkIn: 'Alt+A',
  priority: 'Alt+V',
} as const;
type Dialog = 'callTicket' | 'transfer' | 'pause' | 'checkIn' | 'priority';
const KEY_OF: Record<Dialog | 'park', (event: KeyboardEvent) => boolean> = {
  callTicket: isAltKey('J'),
  park: isAltKey('H'),
  transfer: isAltKey('Z'),
  pause: isAltKey('X'),
  checkIn: isAltKey('A'),
  priority: isAltKey('V'),
};

/** "13:30" in the hall's time of an ISO time. */
const hallHourMinute = (iso: string) => formatClock(iso).slice(0, 5);

/** One call at a time; a ClerkState answer replaces the workspace's; a failure is kept for the dialog and told. */
function useRoutineCall() {
  const link = useContext(RatingLinkContext);
  const clerkStore = useClerkStoreApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async <T,>(what: string, call: (api: HallDeskApi) => Promise<T>, told?: (result: T) => string): Promise<T | null> => {
      if (!link) return null;
      if (busy) {
        setError('上一个操作还在进行，请稍候再按');
        return null;
      }
      setBusy(true);
      setError(null);
      try {
        const result = await call(link.api);
        if (result && typeof result === 'object' && 'connection' in result) {
          clerkStore.setState({ state: result as unknown as ClerkState, notice: null });
        }
        if (told) clerkStore.getState().tell('info', told(result));
        return result;
      } catch (failure) {
        const text = `${what}：${callErrorText(failure)}`;
        setError(text);
        clerkStore.getState().tell('error', text);
        return null;
      } finally {
        setBusy(false);
      }
    },
    [link, busy, clerkStore],
  );
  return { busy, error, setError, run };
}

/**
 * The keys and dialogs always (every tab); `bar`: also the row of buttons and
 * the pause strip, under F1–F4 on the 叫号 tab.
 */
export function QueueRoutinePanel({ bar }: { bar: boolean }) {
  const state = useClerk((s) => s.state);
  const clerkStore = useClerkStoreApi();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const { busy, run } = useRoutineCall();
  const current = state?.current ?? null;
  const pause = state?.pause ?? null;
  const signedIn = Boolean(state?.clerk) && !state?.locked;

  const park = useCallback(async () => {
    if (!clerkStore.getState().state?.current) {
      clerkStore.getState().tell('error', '挂起：当前没有正在办理的号，请先叫号');
      return;
    }
    await run('挂起', (api) => api.parkTicket({}), (s) => `已挂起，可在「叫指定号」（${QUEUE_ROUTINE_HOTKEY.callTicket}）的挂起列表回呼；${s.current ? '' : '现在可以叫下一位'}`);
  }, [clerkStore, run]);
  const resume = useCallback(
    () => run('恢复服务', (api) => api.resumeWindow({}), () => '已恢复服务，可以叫号'),
    [run],
  );

  useEffect(() => {
    if (!signedIn) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const which = (Object.keys(KEY_OF) as (Dialog | 'park')[]).find((key) => KEY_OF[key](event));
      if (!which) return;
      event.preventDefault();
      if (event.repeat) return;
      if (which === 'park') void park();
      else if (which === 'pause' && clerkStore.getState().state?.pause) void resume();
      else setDialog(which);
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [signedIn, park, resume, clerkStore]);

  if (!state?.clerk) return null;
  const button = (key: Dialog | 'park', label: string, onClick: () => void, disabled = false) => (
    <Button size="small" onClick={onClick} disabled={busy || disabled} data-testid={`qr-${key}`} title={`${label}（${QUEUE_ROUTINE_HOTKEY[key]}）`}>
      {label}
      <kbd>{QUEUE_ROUTINE_HOTKEY[key]}</kbd>
    </Button>
  );
  const dialogs = (
    <>
      {dialog === 'callTicket' && <CallTicketDialog onClose={() => setDialog(null)} />}
      {dialog === 'transfer' && <TransferDialog onClose={() => setDialog(null)} />}
      {dialog === 'pause' && <PauseDialog onClose={() => setDialog(null)} />}
      {dialog === 'checkIn' && <CheckInDialog onClose={() => setDialog(null)} />}
      {dialog === 'priority' && <PriorityDialog onClose={() => setDialog(null)} />}
    </>
  );
  if (!bar) return dialogs;
  return (
    <section className="qr-panel" aria-label="排队操作">
      {pause && (
        <div className="qr-paused" data-testid="qr-paused" role="status">
          <span>
            暂停服务中：<strong>{pause.reason}</strong>
            {pause.expectedBackAt && <> · 预计 {hallHourMinute(pause.expectedBackAt)} 恢复</>}
            {pause.note && <> · {pause.note}</>}
          </span>
          <Button size="small" type="primary" loading={busy} onClick={() => void resume()} data-testid="qr-resume">
            恢复服务 <kbd>Alt+X</kbd>
          </Button>
        </div>
      )}
      <div className="qr-buttons">
        {button('callTicket', '叫指定号 / 回呼', () => setDialog('callTicket'), Boolean(pause))}
        {button('park', '挂起', () => void park(), !current)}
        {button('transfer', '转窗 / 转业务', () => setDialog('transfer'))}
        {button('pause', '暂停（带原因）', () => setDialog('pause'), Boolean(pause) || Boolean(current))}
        {button('checkIn', '预约签到', () => setDialog('checkIn'))}
        {button('priority', '优先 / 绿色通道', () => setDialog('priority'))}
      </div>
      {dialogs}
    </section>
  );
}

function RoutineDialog(props: {
  title: string;
  testid: string;
  onClose: () => void;
  onOk: () => void;
  okText: string;
  busy: boolean;
  error: string | null;
  okDisabled?: boolean;
  width?: number;
  children: ReactNode;
}) {
  return (
    <Modal
      open
      title={props.title}
      onCancel={props.onClose}
      onOk={props.onOk}
      okText={props.okText}
      cancelText="取消（Esc）"
      confirmLoading={props.busy}
      okButtonProps={{ disabled: props.okDisabled, 'data-testid': `${props.testid}-ok` } as ButtonProps}
      width={props.width ?? 520}
      destroyOnHidden
    >
      <div data-testid={props.testid}>
        {props.children}
        {props.error && <Alert type="error" showIcon message={props.error} className="qr-error" data-testid={`${props.testid}-error`} />}
      </div>
    </Modal>
  );
}

/**
 * Today's queue from the hall server, loaded when a dialog opens — apart from
 * the dialog's own call, so that the clerk can act before it arrives. A
 * failure is said in the dialog.
 */
function useBoard(setError: (text: string | null) => void) {
  const link = useContext(RatingLinkContext);
  const [board, setBoard] = useState<QueueBoard | null>(null);
  useEffect(() => {
    if (!link) return;
    let live = true;
    link.api.getQueueBoard({}).then(
      (loaded) => live && setBoard(loaded),
      (failure: unknown) => live && setError(`读取排队情况：${callErrorText(failure)}`),
    );
    return () => {
      live = false;
    };
  }, [link, setError]);
  return board;
}

function CallTicketDialog({ onClose }: { onClose: () => void }) {
  const { busy, error, setError, run } = useRoutineCall();
  const board = useBoard(setError);
  const [number, setNumber] = useState('');
  const call = async (typed: string) => {
    const value = typed.trim().toUpperCase();
    if (value === '') return;
    const done = await run('叫指定号', (api) => api.callTicket({ number: value }), () => `已叫 ${value} 到本窗口`);
    if (done) onClose();
  };
  const list = (tickets: QueueBoard['parked'], empty: string, by: (t: QueueBoard['parked'][number]) => string) =>
    tickets.length === 0 ? (
      <div className="qr-empty">{empty}</div>
    ) : (
      <ul className="qr-list">
        {tickets.map((ticket) => (
          <li key={ticket.id}>
            <strong>{ticket.number}</strong>
            <span className="qr-list-note">{by(ticket)}</span>
            <Button size="small" type="primary" onClick={() => void call(ticket.number)} disabled={busy} data-testid={`qr-call-back-${ticket.number}`}>
              回呼
            </Button>
          </li>
        ))}
      </ul>
    );
  return (
    <RoutineDialog title={`叫指定号 / 回呼（${QUEUE_ROUTINE_HOTKEY.callTicket}）`} testid="dialog-call-ticket" onClose={onClose} onOk={() => void call(number)} okText="叫号（Enter）" busy={busy} error={error} okDisabled={number.trim() === ''}>
      <Tabs
        size="small"
        items={[
          {
            key: 'number',
            label: '输入号码',
            children: (
              <Input
                autoFocus
                value={number}
                maxLength={8}
                placeholder="群众号票上的号码，如 A031"
                aria-label="要叫的号码"
                data-testid="qr-call-number"
                onChange={(event) => setNumber(event.target.value)}
                // The field's own value: the last keystroke may not have re-rendered yet.
                onPressEnter={(event) => void call(event.currentTarget.value)}
              />
            ),
          },
          {
            key: 'parked',
            label: `挂起的号（${board?.parked.length ?? '…'}）`,
            children: list(board?.parked ?? [], board ? '今天没有挂起的号' : '正在读取…', (t) => `${t.windowId ?? ''}号窗口挂起`),
          },
          {
            key: 'noShows',
            label: `今日过号（${board?.noShows.length ?? '…'}）`,
            children: list(board?.noShows ?? [], board ? '今天没有过号的号' : '正在读取…', (t) => (t.endedAt ? `${formatClock(t.endedAt)} 过号` : '过号')),
          },
        ]}
      />
    </RoutineDialog>
  );
}

function TransferDialog({ onClose }: { onClose: () => void }) {
  const state = useClerk((s) => s.state);
  const { busy, error, setError, run } = useRoutineCall();
  const board = useBoard(setError);
  const [number, setNumber] = useState(state?.current?.number ?? '');
  const [kind, setKind] = useState<'window' | 'line'>('window');
  const [windowId, setWindowId] = useState<number | null>(null);
  const [lineId, setLineId] = useState<string | null>(null);
  const [place, setPlace] = useState<'keep' | 'first'>('keep');
  const own = state?.window?.id ?? null;
  const confirm = async () => {
    const value = number.trim().toUpperCase();
    if (value === '') return setError('转窗：请输入要转的号码');
    const to = kind === 'window' ? (windowId === null ? null : { windowId }) : lineId === null ? null : { lineId };
    if (!to) return setError(kind === 'window' ? '转窗：请选择要转去的窗口' : '转窗：请选择要转去的业务');
    const target = kind === 'window' ? board?.windows.find((w) => w.windowId === windowId)?.name : `${lineId} 类业务`;
    const done = await run('转窗', (api) => api.transferTicket({ number: value, to, place }), () => `已把 ${value} 转到${target ?? ''}（${place === 'keep' ? '保留原取号时间排队' : '排在最前'}）`);
    if (done) onClose();
  };
  return (
    <RoutineDialog title={`转窗 / 转业务（${QUEUE_ROUTINE_HOTKEY.transfer}）`} testid="dialog-transfer" onClose={onClose} onOk={() => void confirm()} okText="确认转出" busy={busy} error={error} width={600}>
      <div className="qr-row">
        <label htmlFor="qr-transfer-number">号码</label>
        <Input id="qr-transfer-number" value={number} maxLength={8} onChange={(e) => setNumber(e.target.value)} data-testid="qr-transfer-number" style={{ width: 120 }} />
        <Segmented
          value={kind}
          onChange={(value) => setKind(value as 'window' | 'line')}
          options={[
            { value: 'window', label: '转到窗口' },
            { value: 'line', label: '转到业务' },
          ]}
          aria-label="转到窗口或业务"
          data-testid="qr-transfer-kind"
        />
      </div>
      {!board && <div className="qr-empty">正在读取各窗口的排队情况…</div>}
      {board && kind === 'window' && (
        <Radio.Group value={windowId} onChange={(e) => setWindowId(e.target.value as number)} className="qr-choices" aria-label="要转去的窗口">
          {board.windows.map((w) => (
            <Radio key={w.windowId} value={w.windowId} disabled={!w.open || w.windowId === own}>
              <span className="qr-choice" data-testid={`qr-transfer-window-${w.windowId}`}>
                <span className="qr-choice-name">{w.name}</span>
                <span className="qr-choice-lines">{w.lineIds.join('、')} 类</span>
                <span className="qr-choice-count">等候 {w.waiting} 人</span>
                {w.windowId === own ? <Tag>本窗口</Tag> : !w.open ? <Tag>未开窗</Tag> : w.pause ? <Tag color="orange">暂停：{w.pause.reason}</Tag> : null}
              </span>
            </Radio>
          ))}
        </Radio.Group>
      )}
      {board && kind === 'line' && (
        <Radio.Group value={lineId} onChange={(e) => setLineId(e.target.value as string)} className="qr-choices" aria-label="要转去的业务">
          {board.lines.map((line) => (
            <Radio key={line.lineId} value={line.lineId}>
              <span className="qr-choice" data-testid={`qr-transfer-line-${line.lineId}`}>
                <span className="qr-choice-name">
                  {line.lineId} {line.name}
                </span>
                <span className="qr-choice-count">等候 {line.waiting} 人</span>
              </span>
            </Radio>
          ))}
        </Radio.Group>
      )}
      <div className="qr-row">
        <span>排队位置</span>
        <Radio.Group value={place} onChange={(e) => setPlace(e.target.value as 'keep' | 'first')} data-testid="qr-transfer-place">
          <Radio value="keep">保留原取号时间（不排到队尾）</Radio>
          <Radio value="first">排在最前</Radio>
        </Radio.Group>
      </div>
    </RoutineDialog>
  );
}

function PauseDialog({ onClose }: { onClose: () => void }) {
  const reasons = useClerk((s) => s.state?.pauseReasons ?? []);
  const { busy, error, setError, run } = useRoutineCall();
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [back, setBack] = useState('');
  const confirm = async () => {
    if (!reason) return setError('暂停服务：请选择暂停原因');
    const expectedBack = back.trim() === '' ? undefined : back.trim();
    const done = await run(
      '暂停服务',
      (api) => api.pauseWindow({ reason, ...(note.trim() ? { note: note.trim() } : {}), ...(expectedBack ? { expectedBack } : {}) }),
      () => `已暂停服务（${reason}），外屏和大厅可见；按 ${QUEUE_ROUTINE_HOTKEY.pause} 恢复服务`,
    );
    if (done) onClose();
  };
  return (
    <RoutineDialog title={`暂停服务（${QUEUE_ROUTINE_HOTKEY.pause}）`} testid="dialog-pause" onClose={onClose} onOk={() => void confirm()} okText="暂停服务" busy={busy} error={error}>
      <p className="qr-hint">外屏显示暂停原因和预计恢复时间，大厅也能看到；暂停期间不能叫号。只想锁住本屏幕请用 Alt+L。</p>
      <Radio.Group value={reason} onChange={(e) => setReason(e.target.value as string)} optionType="button" buttonStyle="solid" aria-label="暂停原因" data-testid="qr-pause-reason">
        {reasons.map((text) => (
          <Radio.Button key={text} value={text}>
            <span data-testid={`qr-pause-reason-${text}`}>{text}</span>
          </Radio.Button>
        ))}
      </Radio.Group>
      <div className="qr-row">
        <span>已选原因</span>
        <strong data-testid="qr-pause-reason-chosen">{reason ?? '（请选择）'}</strong>
      </div>
      <div className="qr-row">
        <label htmlFor="qr-pause-back">预计恢复</label>
        <Input id="qr-pause-back" value={back} maxLength={5} placeholder="如 13:30，可不填" onChange={(e) => setBack(e.target.value)} style={{ width: 140 }} data-testid="qr-pause-back" />
      </div>
      <div className="qr-row">
        <label htmlFor="qr-pause-note">说明</label>
        <Input id="qr-pause-note" value={note} maxLength={60} placeholder="可不填" onChange={(e) => setNote(e.target.value)} data-testid="qr-pause-note" />
      </div>
    </RoutineDialog>
  );
}

function CheckInDialog({ onClose }: { onClose: () => void }) {
  const { busy, error, setError, run } = useRoutineCall();
  const [typed, setTyped] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const confirm = async (entered = typed) => {
    const value = entered.trim().toUpperCase();
    if (value === '') return setError('预约签到：请输入预约码或身份证号码');
    const byId = /^\d{17}[\dX]$/.test(value);
    const done = await run('预约签到', (api) => api.checkInAppointment(byId ? { idNumber: value } : { code: value }), (r) =>
      `预约签到：${r.number}${r.onTime ? '（预约优先）' : '（已过迟到时限，按普通号排队）'}，前面还有 ${r.ahead} 人`,
    );
    // The ID number is not kept on screen once used.
    setTyped('');
    if (done) {
      setResult(
        `${done.number} · 预约时段 ${done.slot} · ${done.onTime ? '预约优先，本业务内先于普通号办理' : '已过迟到时限，按普通号排队'} · 前面还有 ${done.ahead} 人`,
      );
    }
  };
  return (
    <RoutineDialog title={`预约签到（${QUEUE_ROUTINE_HOTKEY.checkIn}）`} testid="dialog-check-in" onClose={onClose} onOk={() => (result ? onClose() : void confirm())} okText={result ? '完成' : '签到'} busy={busy} error={error}>
      <Input
        autoFocus
        value={typed}
        maxLength={32}
        placeholder="预约码，或预约时用的身份证号码"
        aria-label="预约码或身份证号码"
        data-testid="qr-check-in-input"
        onChange={(e) => setTyped(e.target.value)}
        onPressEnter={(e) => void confirm(e.currentTarget.value)}
      />
      {result && <Alert type="success" showIcon message={`已签到：${result}`} className="qr-result" data-testid="qr-check-in-result" />}
    </RoutineDialog>
  );
}

const PRIORITY_CHOICES: { value: Priority; label: string }[] = [
  { value: 'priority', label: `${PRIORITY_TEXT.priority}（老年人、残疾人等）` },
  { value: 'green', label: PRIORITY_TEXT.green },
  { value: 'appointment', label: PRIORITY_TEXT.appointment },
  { value: 'normal', label: PRIORITY_TEXT.normal },
];

function PriorityDialog({ onClose }: { onClose: () => void }) {
  const { busy, error, setError, run } = useRoutineCall();
  const [number, setNumber] = useState('');
  const [priority, setPriority] = useState<Priority>('priority');
  const confirm = async (entered = number) => {
    const value = entered.trim().toUpperCase();
    if (value === '') return setError('优先：请输入等候中的号码');
    const done = await run('优先', (api) => api.setTicketPriority({ number: value, priority }), (t) => `${t.number} 已改为「${PRIORITY_TEXT[t.priority]}」`);
    if (done) onClose();
  };
  return (
    <RoutineDialog title={`优先 / 绿色通道（${QUEUE_ROUTINE_HOTKEY.priority}）`} testid="dialog-priority" onClose={onClose} onOk={() => void confirm()} okText="确认" busy={busy} error={error}>
      <Input autoFocus value={number} maxLength={8} placeholder="等候中的号码，如 A015" aria-label="要调整的号码" data-testid="qr-priority-number" onChange={(e) => setNumber(e.target.value)} onPressEnter={(e) => void confirm(e.currentTarget.value)} />
      <Radio.Group value={priority} onChange={(e) => setPriority(e.target.value as Priority)} className="qr-choices" aria-label="优先级">
        {PRIORITY_CHOICES.map((choice) => (
          <Radio key={choice.value} value={choice.value}>
            {choice.label}
          </Radio>
        ))}
      </Radio.Group>
    </RoutineDialog>
  );
}
