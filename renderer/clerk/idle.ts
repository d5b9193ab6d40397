// 暂停服务 timing and keys, without React or the DOM: the idle timer that
// locks the screen after ClerkState.idleLockMinutes without the clerk
// touching keyboard or mouse, the hotkeys Alt+L (暂停服务) and Alt+D (设备设置),
// and which keys still work on the lock screen. Unit-tested with a fake clock.
import { isAltKey, type KeyLike } from './logic.ts';

/** The events that count as the clerk being at the counter. */
export const ACTIVITY_EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;

export const LOCK_HOTKEY = 'Alt+L';
export const DEVICE_SETUP_HOTKEY = 'Alt+D';

/** The timers the idle timer uses (window.setTimeout and Date.now in the page, so page.clock can drive them). */
export interface IdleClock {
  now(): number;
  setTimeout(run: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export interface IdleTimer {
  /** The clerk did something: the countdown starts again. Cheap enough for every mousemove. */
  activity(): void;
  stop(): void;
}

/** When the countdown ran out but onIdle could not act (another call in flight), it tries again this much later. */
export const IDLE_RETRY_MS = 5_000;

/**
 * Calls onIdle once `timeoutMs` pass without activity(). A single timer is
 * kept: when it fires early (there was activity meanwhile) it re-arms for the
 * time left. After onIdle acted (answered true) nothing more happens until the
 * next activity(); when it answered false it is asked again IDLE_RETRY_MS later.
 */
export function createIdleTimer(options: {
  timeoutMs: number;
  onIdle: () => boolean;
  clock: IdleClock;
}): IdleTimer {
  const { timeoutMs, onIdle, clock } = options;
  let last = clock.now();
  let timer: number | null = null;
  let stopped = false;

  const arm = (ms: number) => {
    timer = clock.setTimeout(check, Math.max(0, ms));
  };
  const check = () => {
    timer = null;
    if (stopped) return;
    const left = last + timeoutMs - clock.now();
    if (left > 0) return arm(left);
    if (!onIdle()) arm(IDLE_RETRY_MS);
  };
  arm(timeoutMs);

  return {
    activity() {
      if (stopped) return;
      last = clock.now();
      if (timer === null) arm(timeoutMs);
    },
    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}

/** Alt+L (暂停服务) and Alt+D (设备设置), with no other modifier. */
export const isLockHotkey = isAltKey('L');
export const isDeviceSetupHotkey = isAltKey('D');

/** Editing keys a password field needs (select all, copy, cut, paste, undo, redo). */
const CTRL_EDITING = new Set(['KeyA', 'KeyC', 'KeyV', 'KeyX', 'KeyZ', 'KeyY']);

/**
 * On the lock screen only typing the password is allowed: characters, Enter,
 * Backspace, Tab, arrows, and Ctrl+A/C/V/X/Z/Y. Function keys (F1–F4 叫号…,
 * F6–F10), Esc and every Alt/Meta or other Ctrl combination do nothing.
 */
export function keyAllowedWhileLocked(event: KeyLike & { code: string }): boolean {
  if (event.altKey || event.metaKey) return false;
  if (event.ctrlKey) return CTRL_EDITING.has(event.code);
  if (/^F\d{1,2}$/.test(event.key)) return false;
  if (event.key === 'Escape') return false;
  return true;
}
