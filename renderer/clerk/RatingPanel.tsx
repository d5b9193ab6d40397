// Ratings (好差评) in the clerk's workspace: the evaluator's health in the
// header, the rating panel (the session open now, the latest result, 请评价
// with F9) and, for a manager, the bad-rating follow-ups (差评回访, F10) in a
// manager drawer (manager-drawer.tsx: the same frame, Esc and one-at-a-time
// as 设备设置 and 同步异常). Calls go through the one api link (../api.ts).
import { Button, Empty, Input, Tag, Tooltip } from 'antd';
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ClerkState } from '../../common/contract.ts';
import { managerOnlyMessage } from '../../common/errors.ts';
import {
  CHANNEL_LABEL,
  FOLLOW_UP_LABEL,
  LEVEL_NAME,
  NEXT_FOLLOW_UP_STATE,
  type FollowUp,
  type FollowUpState,
} from '../../common/ratings.ts';
import { callErrorText, type Link } from '../transport.ts';
import { useClerk, useClerkStoreApi } from './context.ts';
import { formatClock } from './logic.ts';
import { ManagerDrawerFrame, openDrawer, useManagerDrawer, type DrawerState } from './manager-drawer.tsx';

export const RATING_HOTKEY = { request: 'F9', followUps: 'F10' } as const;

/** Bare F10 (no modifier). */
const isFollowUpsHotkey = (event: KeyboardEvent) =>
  event.key === RATING_HOTKEY.followUps && !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
const FOLLOW_UPS_REFUSAL = managerOnlyMessage('差评回访');

/** The 差评回访 drawer, one per workspace: open or not, and the list as last loaded (each opening loads it afresh). */
interface FollowUpDrawerState extends DrawerState {
  items: FollowUp[] | null;
  /** The last failed load, in Chinese. */
  error: string | null;
  refresh(): Promise<void>;
}

function createFollowUpDrawer(link: Link) {
  return createStore<FollowUpDrawerState>()((set, get) => ({
    open: false,
    items: null,
    error: null,
    setOpen(open) {
      if (open === get().open) return;
      set(open ? { open } : { open, items: null, error: null });
      if (open) void get().refresh();
    },
    async refresh() {
      try {
        const items = await link.api.listFollowUps({});
        if (get().open) set({ items, error: null });
      } catch (error) {
        if (get().open) set({ error: callErrorText(error) });
      }
    },
  }));
}

/** The api link, for the rating calls (set in main.tsx). */
export const RatingLinkContext = createContext<Link | null>(null);

function useLink(): Link {
  const link = useContext(RatingLinkContext);
  if (!link) throw new Error('RatingLinkContext is missing');
  return link;
}

const HEALTH: Record<NonNullable<ClerkState['devices']['evaluator']>['state'], { label: string; level: 'ok' | 'warning' | 'error' }> = {
  ok: { label: '评价器正常', level: 'ok' },
  not_answering: { label: '评价器无应答', level: 'warning' },
  unplugged: { label: '评价器未连接', level: 'error' },
};

/** In the header's status area: the evaluator's health (green / amber / red), the zh-CN message on hover. */
export function EvaluatorBadge() {
  const evaluator = useClerk((s) => s.state?.devices?.evaluator ?? null);
  if (!evaluator) return null;
  const { label, level } = HEALTH[evaluator.state];
  return (
    <Tooltip title={evaluator.message || '评价器已连接，可以评价'}>
      <span
        className={`status-badge status-${level}`}
        data-testid="evaluator-state"
        data-state={evaluator.state}
        aria-label={`评价器：${label}`}
      >
        <span className="status-dot" />
        {label}
      </span>
    </Tooltip>
  );
}

/** The side panel: 请评价 (F9), the session open now, the latest result; 差评回访 for managers. */
export function RatingPanel() {
  const link = useLink();
  const clerkStore = useClerkStoreApi();
  const rating = useClerk((s) => s.state?.rating ?? null);
  const evaluator = useClerk((s) => s.state?.devices?.evaluator ?? null);
  const manager = useClerk((s) => s.state?.clerk?.role === 'manager');
  const locked = useClerk((s) => s.state?.locked ?? false);
  const [busy, setBusy] = useState(false);
  const [drawer] = useState(() => createFollowUpDrawer(link));
  const drawerOpen = useStore(drawer, (s) => s.open);
  // F10 opens or closes it for a manager (a clerk is told why not), Esc closes it.
  useManagerDrawer({ drawer, isHotkey: isFollowUpsHotkey, refusal: FOLLOW_UPS_REFUSAL });
  // 暂停服务 leaves nothing open under the lock screen.
  useEffect(() => {
    if (locked) drawer.getState().setOpen(false);
  }, [locked, drawer]);

  const request = useCallback(async () => {
    setBusy(true);
    try {
      await link.api.requestRating({});
    } catch (error) {
      clerkStore.getState().tell('error', `请评价：${callErrorText(error)}`);
    } finally {
      setBusy(false);
    }
  }, [link, clerkStore]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key !== RATING_HOTKEY.request) return;
      event.preventDefault();
      if (event.repeat) return;
      void request();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [request]);

  const latest = rating?.latest ?? null;
  return (
    <section className="panel" aria-label="好差评">
      <header className="panel-head">
        <span>好差评</span>
        {evaluator && evaluator.state !== 'ok' && (
          <span className="panel-extra panel-stale" data-testid="evaluator-message" title={evaluator.message}>
            {evaluator.message}
          </span>
        )}
      </header>
      <div className="rating-body">
        {rating?.open || (rating && rating.waiting.length > 0) ? (
          // One line whatever the backlog: the log below must stay in sight at 1366×768.
          <div className="rating-now">
            {rating.open ? (
              <span data-testid="rating-open">
                <Tag color="processing">评价中</Tag>
                {rating.open.ticketNumber ?? '（无号）'} · 截止 {formatClock(rating.open.endsAt)}
              </span>
            ) : null}
            {rating.waiting.length > 0 ? (
              <span
                data-testid="rating-waiting"
                title={`待评价：${rating.waiting.map((number) => number ?? '（无号）').join('、')}（上一位群众评价结束后，依次开始）`}
              >
                <Tag>待评价</Tag>
                {rating.waiting.length === 1 ? (rating.waiting[0] ?? '（无号）') : `${rating.waiting.length} 位`}
              </span>
            ) : null}
          </div>
        ) : null}
        <div className="rating-latest" data-testid="clerk-latest-rating">
          {latest
            ? `最近评价：${latest.level !== null ? LEVEL_NAME[latest.level] : latest.outcome === 'cancelled' ? '已取消' : '未评价'}`
            : '最近评价：暂无'}
          {latest && (
            <span className="panel-extra">
              {' '}
              {latest.ticketNumber ?? ''} {formatClock(latest.at)}
              {latest.channel !== 'none' ? ` · ${CHANNEL_LABEL[latest.channel]}` : ''}
            </span>
          )}
        </div>
        <div className="rating-actions">
          <Button data-testid="request-rating" onClick={() => void request()} loading={busy} disabled={!!rating?.open}>
            请评价 <kbd>{RATING_HOTKEY.request}</kbd>
          </Button>
          {manager && (
            <Button data-testid="open-follow-ups" onClick={() => openDrawer(drawer)}>
              差评回访 <kbd>{RATING_HOTKEY.followUps}</kbd>
            </Button>
          )}
        </div>
      </div>
      <ManagerDrawerFrame
        drawer={drawer}
        open={drawerOpen && !locked}
        title="差评回访"
        hotkey={RATING_HOTKEY.followUps}
        closeTestId="follow-ups-close"
        testid="follow-up-drawer"
      >
        <FollowUps drawer={drawer} />
      </ManagerDrawerFrame>
    </section>
  );
}

const STATE_COLOR: Record<FollowUpState, string> = { verifying: 'red', fixing: 'orange', called_back: 'green' };

/** 差评回访: bad ratings with their due date; each moves forward only, with a note. */
function FollowUps({ drawer }: { drawer: ReturnType<typeof createFollowUpDrawer> }) {
  const items = useStore(drawer, (s) => s.items);
  const error = useStore(drawer, (s) => s.error);
  const refresh = useStore(drawer, (s) => s.refresh);
  return (
    <div data-testid="follow-ups" data-esc-local>
      {error && <div className="follow-error">{error}</div>}
      {items && items.length === 0 && <Empty description="暂无差评回访记录" />}
      {items?.map((item) => <FollowUpCard key={item.id} item={item} onChanged={refresh} />)}
    </div>
  );
}

function FollowUpCard({ item, onChanged }: { item: FollowUp; onChanged: () => Promise<void> }) {
  const link = useLink();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = NEXT_FOLLOW_UP_STATE[item.state];
  const advance = async () => {
    setBusy(true);
    try {
      // By its rating and the state shown: any window's follow-up, at the hall server (this counter's own offline).
      await link.api.advanceFollowUp({ id: item.id, note, ratingId: item.ratingId, from: item.state });
      setNote('');
      setError(null);
      await onChanged();
    } catch (e) {
      setError(callErrorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="follow-card" data-testid={`follow-up-${item.id}`}>
      <div className="follow-head">
        <Tag color={STATE_COLOR[item.state]} data-testid="follow-up-state">
          {FOLLOW_UP_LABEL[item.state]}
        </Tag>
        <strong>{LEVEL_NAME[item.level]}</strong> · <span data-testid="follow-up-window">{item.windowId}号窗口</span> · {item.ticketNumber ?? '无号'} · 工号 {item.staffNo}
        {item.caseNo && ` · 办件 ${item.caseNo}`} · 评价于 {formatClock(item.ratedAt)} · 回访期限 {item.dueDate}
      </div>
      <ol className="follow-steps">
        {item.steps.map((step) => (
          <li key={step.state}>
            {FOLLOW_UP_LABEL[step.state]}：{step.note}（{step.staffNo ?? '系统'}，{formatClock(step.at)}）
          </li>
        ))}
      </ol>
      {next && (
        <div className="follow-advance">
          <Input.TextArea
            value={note}
            onChange={(e) => setNote(e.target.value)}
            placeholder={`处理说明（转为「${FOLLOW_UP_LABEL[next]}」必填）`}
            autoSize={{ minRows: 1, maxRows: 4 }}
            maxLength={500}
          />
          <Button type="primary" loading={busy} disabled={note.trim() === ''} onClick={() => void advance()}>
            转为「{FOLLOW_UP_LABEL[next]}」
          </Button>
        </div>
      )}
      {error && <div className="follow-error">{error}</div>}
    </div>
  );
}
