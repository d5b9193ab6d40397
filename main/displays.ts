// Where the citizen's outward screen goes, as pure functions over the list of
// connected displays. The Electron shell feeds in `screen.getAllDisplays()`
// and the screen events; this file decides, main/electron/windows.ts obeys.
//
// Rule: the display named in the local settings when it is connected; else
// the first display that is not the primary (the clerk's); else a normal
// window on the primary screen. Never leave the window on a display that is
// gone; when the chosen display comes back, move back to it.

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
    };

export interface ChooseOptions {
  /** The primary display's id; else the display flagged `primary`; else the first. */
  primaryId?: number | null;
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
  return first ? onDisplay(first, 'first-secondary') : onPrimary('no-secondary');
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
}

/**
 * What the shell must do to the outward window after an event:
 * - `none`: it is where it should be;
 * - `move`: go fullscreen on another display (a new secondary, or back to the chosen one);
 * - `refit`: same display, new geometry (resolution, arrangement or work area changed);
 * - `fall-back`: no secondary display left — leave fullscreen, normal window on the primary.
 */
export type OutwardAction =
  | { kind: 'none' }
  | { kind: 'move'; placement: Extract<OutwardPlacement, { kind: 'display' }> }
  | { kind: 'refit'; placement: OutwardPlacement }
  | { kind: 'fall-back'; placement: Extract<OutwardPlacement, { kind: 'second-window-on-primary' }> };

export function initialOutwardState(
  displays: readonly DisplayInfo[],
  chosenId: number | null,
  primaryId: number | null = null,
): OutwardState {
  const resolvedPrimary = primaryDisplayOf(displays, primaryId)?.id ?? null;
  return {
    displays: displays.map(copyDisplay),
    primaryId: resolvedPrimary,
    chosenId,
    placement: chooseOutwardDisplay(displays, chosenId, { primaryId: resolvedPrimary }),
  };
}

export function reduceOutward(state: OutwardState, event: DisplayEvent): { state: OutwardState; action: OutwardAction } {
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

  const before = state.placement;
  const currentId = before.kind === 'display' ? before.displayId : null;
  const placement = chooseOutwardDisplay(displays, chosenId, { primaryId, currentId });
  const next: OutwardState = { displays, primaryId, chosenId, placement };
  return { state: next, action: actionBetween(before, placement) };
}

function actionBetween(before: OutwardPlacement, after: OutwardPlacement): OutwardAction {
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
  return copy;
}
