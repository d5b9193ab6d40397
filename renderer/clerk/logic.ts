// Pure rules of the clerk's workspace: which action applies now, which key
// runs it, and how things read in Chinese. No React, no DOM, unit-tested.
import type { CallLogEntry, ClerkState } from '../../common/contract.ts';
import type { Priority } from '../../common/model.ts';
import { hallClock } from '../../common/hall-time.ts';

export type QueueAction = 'callNext' | 'recall' | 'noShow' | 'complete';
export const QUEUE_ACTIONS: readonly QueueAction[] = ['callNext', 'recall', 'noShow', 'complete'];

export const ACTION_LABEL: Record<QueueAction, string> = {
  callNext: '叫号',
  recall: '重呼',
  noShow: '过号',
  complete: '办结',
};

export const ACTION_HOTKEY: Record<QueueAction, string> = {
  callNext: 'F1',
  recall: 'F2',
  noShow: 'F3',
  complete: 'F4',
};

/** Same wording as PRIORITY_LABEL in common/model.ts (kept here so the bundle needs no zod; a test checks they agree). */
export const PRIORITY_TEXT: Record<Priority, string> = {
  normal: '普通',
  appointment: '预约',
  priority: '优先',
  green: '绿色通道',
};

export interface Availability {
  enabled: boolean;
  /** Why it is not available now (zh-CN), or a hint; null when there is nothing to say. */
  reason: string | null;
}

/** How many more 重呼 the current ticket needs before 过号 is allowed (0 when none). */
export function recallsStillNeeded(state: Pick<ClerkState, 'current' | 'noShowMinRecalls'>): number {
  if (!state.current) return 0;
  return Math.max(0, state.noShowMinRecalls - state.current.recallCount);
}

export function availability(
  state: Pick<ClerkState, 'current' | 'noShowMinRecalls'>,
  action: QueueAction,
  busy: boolean,
): Availability {
  if (busy) return { enabled: false, reason: '正在处理上一个操作，请稍候' };
  if (action === 'callNext') return { enabled: true, reason: null };
  if (!state.current) return { enabled: false, reason: '当前无办理中的号，请先叫号' };
  if (action === 'noShow') {
    const needed = recallsStillNeeded(state);
    if (needed > 0) return { enabled: false, reason: `需先重呼 ${needed} 次` };
  }
  return { enabled: true, reason: null };
}

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}

/** Alt+<letter> with no other modifier, by key position (so it works with any input method or layout). */
export const isAltKey =
  (letter: string) =>
  (event: KeyLike & { code: string }): boolean =>
    event.code === `Key${letter}` && event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;

/** The queue action a key press asks for: bare F1–F4 only (Alt+F4 and friends stay the system's). */
export function hotkeyAction(event: KeyLike): QueueAction | null {
  if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return null;
  return QUEUE_ACTIONS.find((action) => ACTION_HOTKEY[action] === event.key) ?? null;
}

export const LOG_ACTION_LABEL: Record<CallLogEntry['action'], string> = {
  ...ACTION_LABEL,
  callTicket: '叫指定号',
  park: '挂起',
  transfer: '转出',
};

/** "09:05:07" in the hall's time (Beijing), whatever the browser's zone; the raw text if it is not a time. */
export const formatClock = (iso: string): string => hallClock(iso);

/** The name of a line as the window's queue lists it, else its letter. */
export function lineName(state: Pick<ClerkState, 'queue'>, lineId: string): string {
  return state.queue.find((line) => line.lineId === lineId)?.name ?? `${lineId} 类业务`;
}

/** "25 分钟" / "1 小时 5 分钟" / "不到 1 分钟" between two ISO times. */
export function formatDuration(fromIso: string, toIso: string): string {
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!Number.isFinite(ms)) return '—';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return '不到 1 分钟';
  if (minutes < 60) return `${minutes} 分钟`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} 小时 ${rest} 分钟` : `${Math.floor(minutes / 60)} 小时`;
}

/** "04:07" (or "1:04:07") from an ISO time to a clock reading in ms; never negative. */
export function formatStopwatch(sinceIso: string, nowMs: number): string {
  const since = new Date(sinceIso).getTime();
  if (!Number.isFinite(since)) return '—';
  const total = Math.max(0, Math.floor((nowMs - since) / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}
