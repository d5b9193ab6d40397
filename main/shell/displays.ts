// Where the citizen's outward screen goes, as pure functions over the list of
// connected displays. The Electron shell feeds in `screen.getAllDisplays()`
// and the screen events; this file decides, main/electron/windows.ts obeys.
//
// Rule: the display named in the local settings when it is connected; else
// the first display that is not the primary (the clerk's); else, on a
// single-screen counter that never had an outward display, a normal window
// on the primary screen. Once the outward window has been on a display of
// its own, it is never put on the clerk's screen: when that display is
// removed (and no other secondary is left) the window is hidden, and it is
// placed back when a secondary returns. Screen events come in bursts (a
// monitor switching modes, a loose cable): `OutwardDriver` hides at once
// when the window's display goes, and makes every other move only after the
// screens have been quiet for a while.
import type { Timers, TimerHandle } from '../../common/announce.ts';
import type { DisplayOption, OutwardScreenStatus } from '../../common/device-setup.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DisplayInfo {
  id: number;
  bounds: Rect;
  /** The bounds minus task bars and docks; defaults to `bounds`. */
  workArea?: Rect;
  /** Set on the primary display when no `primaryId` is given. */
  primary?: boolean;
  /** Physical pixels per DIP (Electron's scaleFactor); defaults to 1. */
  scaleFactor?: number;
}

export type OutwardPlacement =
  | {
      /** Fullscreen and frameless on a display of its own. */
      kind: 'display';
      displayId: number;
      bounds: Rect;
      reason: 'chosen' | 'first-secondary' | 'current';
    }
  | {
      /** A normal window on the primary screen, beside the clerk's window. */
      kind: 'second-window-on-primary';
      /** The primary display; null only when no display is known at all. */
      displayId: number | null;
      /** Where the normal window may go: the primary's work area. */
      area: Rect | null;
      reason: 'no-secondary' | 'chosen-is-primary';
    }
  | {
      /**
       * Not shown anywhere: the outward display is gone and the window must
       * not land on the clerk's screen. Waits for a secondary to return.
       */
      kind: 'hidden';
      /** The display it was on (null when not known). */
      displayId: number | null;
      reason: 'display-lost';
    };

export interface ChooseOptions {
  /** The primary display's id; else the display flagged `primary`; else the first. */
  primaryId?: number | null;
  /**
   * The outward window has been on a display of its own since the app
   * started: with no secondary left it is hidden, not put on the primary.
   */
  hadSecondary?: boolean;
  /** The display it was on, for a hidden placement. */
  lostId?: number | null;
  /**
   * Where the outward window is now. In automatic mode it stays on this
   * display while it is connected and not the primary, instead of jumping
   * to whichever secondary happens to come first in the list.
   */
  currentId?: number | null;
}

export function primaryDisplayOf(displays: readonly DisplayInfo[], primaryId?: number | null): DisplayInfo | null {
  if (primaryId != null) {
    const byId = displays.find((d) => d.id === primaryId);
    if (byId) return byId;
  }
  return displays.find((d) => d.primary === true) ?? displays[0] ?? null;
}

/** Where the outward window goes for this list of displays and this setting. */
export function chooseOutwardDisplay(
  displays: readonly DisplayInfo[],
  chosenId: number | null,
  options: ChooseOptions = {},
): OutwardPlacement {
  const primary = primaryDisplayOf(displays, options.primaryId);
  const onDisplay = (display: DisplayInfo, reason: 'chosen' | 'first-secondary' | 'current'): OutwardPlacement => ({
    kind: 'display',
    displayId: display.id,
    bounds: { ...display.bounds },
    reason,
  });
  const onPrimary = (reason: 'no-secondary' | 'chosen-is-primary'): OutwardPlacement => ({
    kind: 'second-window-on-primary',
    displayId: primary ? primary.id : null,
    area: primary ? { ...(primary.workArea ?? primary.bounds) } : null,
    reason,
  });

  if (chosenId != null) {
    const chosen = displays.find((d) => d.id === chosenId);
    // The clerk's workspace lives on the primary: a fullscreen outward window
    // there would cover it, so a setting naming the primary means "beside it".
    if (chosen && chosen.id === primary?.id) return onPrimary('chosen-is-primary');
    if (chosen) return onDisplay(chosen, 'chosen');
  }
  const secondaries = displays.filter((d) => d.id !== primary?.id);
  if (options.currentId != null) {
    const current = secondaries.find((d) => d.id === options.currentId);
    if (current) return onDisplay(current, 'current');
  }
  const first = secondaries[0];
  if (first) return onDisplay(first, 'first-secondary');
  if (options.hadSecondary) return { kind: 'hidden', displayId: options.lostId ?? null, reason: 'display-lost' };
  return onPrimary('no-secondary');
}

// ---------------------------------------------------------------------------
// Replaying screen events.

export type DisplayEvent =
  | { type: 'display-added'; display: DisplayInfo; primaryId?: number }
  | { type: 'display-removed'; display: Pick<DisplayInfo, 'id'>; primaryId?: number }
  | { type: 'display-metrics-changed'; display: DisplayInfo; changedMetrics?: readonly string[]; primaryId?: number }
  /** The local settings now name another display (or null = automatic). */
  | { type: 'chosen-changed'; chosenId: number | null };

export interface OutwardState {
  displays: readonly DisplayInfo[];
  primaryId: number | null;
  chosenId: number | null;
  placement: OutwardPlacement;
  /** The window has been fullscreen on a display of its own: from now on it is hidden rather than put on the primary. */
  hadSecondary: boolean;
}

/**
 * What the shell must do to the outward window after an event:
 * - `none`: it is where it should be;
 * - `move`: go fullscreen on another display (a new secondary, or back to the chosen one);
 * - `refit`: same display, new geometry (resolution, arrangement or work area changed);
 * - `fall-back`: a single-screen counter (or a setting naming the primary) — normal window on the primary;
 * - `hide`: its display is gone — hide it, never leave it on the clerk's screen.
 */
export type OutwardAction =
  | { kind: 'none' }
  | { kind: 'move'; placement: Extract<OutwardPlacement, { kind: 'display' }> }
  | { kind: 'refit'; placement: Exclude<OutwardPlacement, { kind: 'hidden' }> }
  | { kind: 'fall-back'; placement: Extract<OutwardPlacement, { kind: 'second-window-on-primary' }> }
  | { kind: 'hide'; placement: Extract<OutwardPlacement, { kind: 'hidden' }> };

export function initialOutwardState(
  displays: readonly DisplayInfo[],
  chosenId: number | null,
  primaryId: number | null = null,
): OutwardState {
  const resolvedPrimary = primaryDisplayOf(displays, primaryId)?.id ?? null;
  const placement = chooseOutwardDisplay(displays, chosenId, { primaryId: resolvedPrimary });
  return {
    displays: displays.map(copyDisplay),
    primaryId: resolvedPrimary,
    chosenId,
    placement,
    hadSecondary: placement.kind === 'display',
  };
}

/** One event, placed at once (no debounce): the new state and what the shell must do. */
export function reduceOutward(state: OutwardState, event: DisplayEvent): { state: OutwardState; action: OutwardAction } {
  return settleOutward(applyDisplayEvent(state, event), state.placement);
}

/**
 * The event folded into the display list, the setting and the primary —
 * the placement left as it was (see `settleOutward`).
 */
export function applyDisplayEvent(state: OutwardState, event: DisplayEvent): OutwardState {
  let displays = state.displays;
  let chosenId = state.chosenId;
  let primaryId = state.primaryId;
  switch (event.type) {
    case 'display-added':
      displays = [...displays.filter((d) => d.id !== event.display.id), copyDisplay(event.display)];
      break;
    case 'display-removed':
      displays = displays.filter((d) => d.id !== event.display.id);
      break;
    case 'display-metrics-changed':
      displays = displays.some((d) => d.id === event.display.id)
        ? displays.map((d) => (d.id === event.display.id ? copyDisplay(event.display) : d))
        : [...displays, copyDisplay(event.display)];
      break;
    case 'chosen-changed':
      chosenId = event.chosenId;
      break;
  }
  if ('primaryId' in event && event.primaryId !== undefined) primaryId = event.primaryId;
  // A removed primary hands over to whatever the list now starts with
  // (the shell passes the real new primary id when it knows it).
  primaryId = primaryDisplayOf(displays, primaryId)?.id ?? null;
  return { ...state, displays, primaryId, chosenId };
}

/** Where the window goes for `state`'s displays and setting, coming from `before`. */
export function settleOutward(
  state: OutwardState,
  before: OutwardPlacement = state.placement,
): { state: OutwardState; action: OutwardAction } {
  const currentId = before.kind === 'display' ? before.displayId : null;
  const lostId = before.kind === 'display' || before.kind === 'hidden' ? before.displayId : null;
  const placement = chooseOutwardDisplay(state.displays, state.chosenId, {
    primaryId: state.primaryId,
    currentId,
    hadSecondary: state.hadSecondary,
    lostId,
  });
  const next: OutwardState = {
    ...state,
    placement,
    hadSecondary: state.hadSecondary || placement.kind === 'display',
  };
  return { state: next, action: actionBetween(before, placement) };
}

/**
 * True when the window, as placed in `state.placement`, sits on a display
 * that is gone or has become the primary (the clerk's): it must be hidden
 * now, before the OS moves it onto the clerk's screen.
 */
export function mustHideNow(state: OutwardState): boolean {
  const placement = state.placement;
  if (placement.kind !== 'display') return false;
  return placement.displayId === state.primaryId || !state.displays.some((d) => d.id === placement.displayId);
}

function actionBetween(before: OutwardPlacement, after: OutwardPlacement): OutwardAction {
  if (after.kind === 'hidden') {
    return before.kind === 'hidden' ? { kind: 'none' } : { kind: 'hide', placement: after };
  }
  if (after.kind === 'second-window-on-primary') {
    if (before.kind !== 'second-window-on-primary' || before.displayId !== after.displayId) {
      return { kind: 'fall-back', placement: after };
    }
    return sameRect(before.area, after.area) ? { kind: 'none' } : { kind: 'refit', placement: after };
  }
  if (before.kind !== 'display' || before.displayId !== after.displayId) return { kind: 'move', placement: after };
  return sameRect(before.bounds, after.bounds) ? { kind: 'none' } : { kind: 'refit', placement: after };
}

/**
 * Bounds for the outward screen as a normal window inside `area` (the
 * primary's work area): at most 1280×800, at least a quarter of the area,
 * against the right edge so the clerk's controls on the left stay visible.
 */
export function windowedBounds(area: Rect): Rect {
  const width = Math.max(Math.min(1280, area.width), Math.round(area.width / 2));
  const height = Math.max(Math.min(800, area.height), Math.round(area.height / 2));
  const w = Math.min(width, area.width);
  const h = Math.min(height, area.height);
  return { x: area.x + area.width - w, y: area.y + Math.round((area.height - h) / 2), width: w, height: h };
}

/** True when `inner` lies fully inside `outer`. */
export function rectInside(inner: Rect, outer: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

function sameRect(a: Rect | null, b: Rect | null): boolean {
  if (a === null || b === null) return a === b;
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

function copyDisplay(d: DisplayInfo): DisplayInfo {
  const copy: DisplayInfo = { id: d.id, bounds: { ...d.bounds } };
  if (d.workArea) copy.workArea = { ...d.workArea };
  if (d.primary !== undefined) copy.primary = d.primary;
  if (d.scaleFactor !== undefined) copy.scaleFactor = d.scaleFactor;
  return copy;
}

// ---------------------------------------------------------------------------
// The driver: screen events in, debounced actions out.

/** How long the screens must be quiet before the outward window is placed again. */
export const DISPLAY_DEBOUNCE_MS = 1500;

export interface OutwardDriverOptions {
  displays: readonly DisplayInfo[];
  chosenId: number | null;
  primaryId?: number | null;
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  /** Default DISPLAY_DEBOUNCE_MS. */
  debounceMs?: number;
  /** Carries out an action (never called with `none`); `state` is the state after it. */
  apply: (action: Exclude<OutwardAction, { kind: 'none' }>, state: OutwardState) => void;
}

/**
 * Follows the displays with a debounce. A change of setting is obeyed at
 * once. A screen event that takes the window's own display away (removed,
 * or become the primary) hides it at once; every other move — back onto a
 * returned display, to a new secondary, a refit — waits until no screen
 * event has come for `debounceMs`, and then happens once, from the
 * settled list: a display that drops out and comes back within the window
 * causes one hide and one return, not a flicker of moves.
 */
export class OutwardDriver {
  private applied: OutwardState;
  private latest: OutwardState;
  private timer: TimerHandle | null = null;
  private readonly timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  private readonly debounceMs: number;
  private readonly apply: OutwardDriverOptions['apply'];

  constructor(options: OutwardDriverOptions) {
    this.timers = options.timers;
    this.debounceMs = options.debounceMs ?? DISPLAY_DEBOUNCE_MS;
    this.apply = options.apply;
    this.applied = initialOutwardState(options.displays, options.chosenId, options.primaryId ?? null);
    this.latest = this.applied;
  }

  /** The state as last placed (its placement is where the window is now). */
  get state(): OutwardState {
    return this.applied;
  }

  /** True while screen events wait for the quiet period. */
  get pending(): boolean {
    return this.timer !== null;
  }

  handle(event: DisplayEvent): void {
    this.latest = applyDisplayEvent(this.latest, event);
    if (event.type === 'chosen-changed') {
      this.flush();
      return;
    }
    const current = { ...this.latest, placement: this.applied.placement };
    if (mustHideNow(current)) {
      const lost = this.applied.placement.kind === 'display' ? this.applied.placement.displayId : null;
      const placement = { kind: 'hidden', displayId: lost, reason: 'display-lost' } as const;
      this.applied = { ...current, placement, hadSecondary: true };
      this.latest = this.applied;
      this.apply({ kind: 'hide', placement }, this.applied);
    }
    this.restartTimer();
  }

  /** Places the window now from everything heard so far (the timer's job; also on a change of setting). */
  flush(): void {
    this.cancelTimer();
    const { state, action } = settleOutward(this.latest, this.applied.placement);
    this.applied = state;
    this.latest = state;
    if (action.kind !== 'none') this.apply(action, state);
  }

  dispose(): void {
    this.cancelTimer();
  }

  private restartTimer(): void {
    this.cancelTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.debounceMs);
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

// ---------------------------------------------------------------------------
// What the shell tells the core (设备设置 and the clerk's status bar).

export const OUTWARD_LOST_MESSAGE = '外屏显示器已断开：请检查外屏的视频线和电源，接回后外屏自动恢复';
export const OUTWARD_NO_SECONDARY_MESSAGE =
  '未检测到外屏显示器，对外屏以窗口显示在工作台屏幕上：请接好外屏显示器';
export const OUTWARD_ON_PRIMARY_MESSAGE =
  '设备设置选择了工作台所在的显示器，对外屏以窗口显示在工作台屏幕上：请在设备设置中选择外屏显示器';

/** ok: fullscreen on its own display; warning: a window on the clerk's screen; error: not shown. */
export function outwardStatusFor(placement: OutwardPlacement): OutwardScreenStatus {
  switch (placement.kind) {
    case 'display':
      return { level: 'ok', message: null };
    case 'hidden':
      return { level: 'error', message: OUTWARD_LOST_MESSAGE };
    case 'second-window-on-primary':
      return {
        level: 'warning',
        message: placement.reason === 'chosen-is-primary' ? OUTWARD_ON_PRIMARY_MESSAGE : OUTWARD_NO_SECONDARY_MESSAGE,
      };
  }
}

/**
 * The connected displays as 设备设置 lists them: 「显示器 2（1920×1080）」 in
 * physical pixels, numbered in the order the system gives them; `current`
 * is the display the outward window is on now (none while it is hidden).
 */
export function displayOptions(
  displays: readonly DisplayInfo[],
  primaryId: number | null,
  placement: OutwardPlacement | null,
): DisplayOption[] {
  const primary = primaryDisplayOf(displays, primaryId);
  const currentId = placement && placement.kind !== 'hidden' ? placement.displayId : null;
  return displays.map((d, index) => {
    const scale = d.scaleFactor && d.scaleFactor > 0 ? d.scaleFactor : 1;
    const width = Math.max(1, Math.round(d.bounds.width * scale));
    const height = Math.max(1, Math.round(d.bounds.height * scale));
    return {
      id: d.id,
      label: `显示器 ${index + 1}（${width}×${height}）`,
      width,
      height,
      primary: d.id === primary?.id,
      current: d.id === currentId,
    };
  });
}
