import { describe, expect, it } from 'vitest';
import {
  chooseOutwardDisplay,
  displayOptions,
  DISPLAY_DEBOUNCE_MS,
  initialOutwardState,
  OUTWARD_LOST_MESSAGE,
  OUTWARD_NO_SECONDARY_MESSAGE,
  OutwardDriver,
  outwardStatusFor,
  rectInside,
  reduceOutward,
  windowedBounds,
  type DisplayEvent,
  type DisplayInfo,
  type OutwardAction,
  type OutwardState,
} from '../../main/shell/displays.ts';

const laptop: DisplayInfo = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
};
const citizenScreen: DisplayInfo = { id: 2, bounds: { x: 1920, y: 0, width: 1280, height: 800 } };
const spare: DisplayInfo = { id: 3, bounds: { x: -1024, y: 0, width: 1024, height: 768 } };

/** Replays events and returns every action, in order, plus the final state. */
function replay(start: OutwardState, events: DisplayEvent[]): { actions: OutwardAction[]; state: OutwardState } {
  let state = start;
  const actions: OutwardAction[] = [];
  for (const event of events) {
    const step = reduceOutward(state, event);
    actions.push(step.action);
    state = step.state;
  }
  return { actions, state };
}

const kinds = (actions: OutwardAction[]) => actions.map((a) => a.kind);
const target = (action: OutwardAction | undefined) => (action && action.kind !== 'none' ? action.placement.displayId : undefined);

describe('chooseOutwardDisplay', () => {
  it('uses the display named in the settings when it is connected', () => {
    const p = chooseOutwardDisplay([laptop, citizenScreen, spare], 3, { primaryId: 1 });
    expect(p).toEqual({ kind: 'display', displayId: 3, bounds: spare.bounds, reason: 'chosen' });
  });

  it('falls back to the first non-primary display when the named one is absent', () => {
    const p = chooseOutwardDisplay([laptop, citizenScreen], 99, { primaryId: 1 });
    expect(p).toMatchObject({ kind: 'display', displayId: 2, reason: 'first-secondary' });
  });

  it('is a normal window on the primary when there is only one display', () => {
    const p = chooseOutwardDisplay([laptop], null, { primaryId: 1 });
    expect(p).toEqual({ kind: 'second-window-on-primary', displayId: 1, area: laptop.workArea, reason: 'no-secondary' });
  });

  it('never puts a fullscreen outward window over the clerk: a setting naming the primary means beside it', () => {
    const p = chooseOutwardDisplay([laptop, citizenScreen], 1, { primaryId: 1 });
    expect(p).toMatchObject({ kind: 'second-window-on-primary', displayId: 1, reason: 'chosen-is-primary' });
  });

  it('reads the primary from the flag when no primaryId is given, else takes the first display', () => {
    const flagged = chooseOutwardDisplay([citizenScreen, { ...laptop, primary: true }], null);
    expect(flagged).toMatchObject({ kind: 'display', displayId: 2 });
    const unflagged = chooseOutwardDisplay([laptop, citizenScreen], null);
    expect(unflagged).toMatchObject({ kind: 'display', displayId: 2 });
  });

  it('uses the whole bounds as the area when a display has no work area', () => {
    const p = chooseOutwardDisplay([citizenScreen], null, { primaryId: 2 });
    expect(p).toMatchObject({ kind: 'second-window-on-primary', area: citizenScreen.bounds });
  });

  it('answers a normal window with no display when none is known', () => {
    expect(chooseOutwardDisplay([], null)).toEqual({
      kind: 'second-window-on-primary',
      displayId: null,
      area: null,
      reason: 'no-secondary',
    });
  });
});

describe('reduceOutward', () => {
  it('moves to a second monitor when it is plugged in, hides (not on the clerk screen) when it is pulled, and returns when it is re-added', () => {
    const start = initialOutwardState([laptop], null, 1);
    expect(start.placement.kind).toBe('second-window-on-primary');
    expect(start.hadSecondary).toBe(false);

    const { actions, state } = replay(start, [
      { type: 'display-added', display: citizenScreen, primaryId: 1 },
      { type: 'display-removed', display: { id: 2 }, primaryId: 1 },
      { type: 'display-added', display: citizenScreen, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['move', 'hide', 'move']);
    expect(actions.map(target)).toEqual([2, 2, 2]);
    expect(actions[1]).toEqual({ kind: 'hide', placement: { kind: 'hidden', displayId: 2, reason: 'display-lost' } });
    expect(state.placement).toMatchObject({ kind: 'display', displayId: 2, bounds: citizenScreen.bounds });
  });

  it('waits on a secondary for the display named in the settings and moves there when it is plugged in', () => {
    const start = initialOutwardState([laptop, citizenScreen], 3, 1);
    expect(start.placement).toMatchObject({ kind: 'display', displayId: 2, reason: 'first-secondary' });

    const { actions } = replay(start, [
      { type: 'display-added', display: spare, primaryId: 1 },
      { type: 'display-removed', display: { id: 3 }, primaryId: 1 },
      { type: 'display-added', display: spare, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['move', 'move', 'move']);
    expect(actions.map(target)).toEqual([3, 2, 3]);
  });

  it('waits on the primary when the named display is the only other one and it is absent', () => {
    const start = initialOutwardState([laptop], 2, 1);
    const { actions, state } = replay(start, [{ type: 'display-added', display: citizenScreen, primaryId: 1 }]);
    expect(actions).toEqual([{ kind: 'move', placement: { kind: 'display', displayId: 2, bounds: citizenScreen.bounds, reason: 'chosen' } }]);
    expect(state.chosenId).toBe(2);
  });

  it('refits the outward window when its own display changes resolution, and ignores other displays', () => {
    const start = initialOutwardState([laptop, citizenScreen], null, 1);
    const bigger = { ...citizenScreen, bounds: { x: 1920, y: 0, width: 1920, height: 1080 } };
    const { actions, state } = replay(start, [
      { type: 'display-metrics-changed', display: bigger, changedMetrics: ['bounds'], primaryId: 1 },
      // Scale factor only: the same bounds, nothing to do.
      { type: 'display-metrics-changed', display: bigger, changedMetrics: ['scaleFactor'], primaryId: 1 },
      // The clerk's display changes: the outward window is not on it.
      { type: 'display-metrics-changed', display: { ...laptop, workArea: { x: 0, y: 0, width: 1920, height: 1000 } }, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['refit', 'none', 'none']);
    expect(actions[0]).toMatchObject({ placement: { displayId: 2, bounds: bigger.bounds } });
    expect(state.placement).toMatchObject({ displayId: 2, bounds: bigger.bounds });
  });

  it('refits the fallback window when the primary work area changes', () => {
    const start = initialOutwardState([laptop], null, 1);
    const smaller = { ...laptop, workArea: { x: 0, y: 0, width: 1600, height: 860 } };
    const { actions } = replay(start, [{ type: 'display-metrics-changed', display: smaller, primaryId: 1 }]);
    expect(actions).toEqual([
      { kind: 'refit', placement: { kind: 'second-window-on-primary', displayId: 1, area: smaller.workArea, reason: 'no-secondary' } },
    ]);
  });

  it('with three displays in automatic mode, stays put when another secondary comes or goes', () => {
    const start = initialOutwardState([laptop, citizenScreen], null, 1);
    const { actions, state } = replay(start, [
      { type: 'display-added', display: spare, primaryId: 1 },
      { type: 'display-removed', display: { id: 3 }, primaryId: 1 },
      { type: 'display-added', display: spare, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['none', 'none', 'none']);
    expect(state.placement).toMatchObject({ displayId: 2 });
  });

  it('with three displays, moves to the remaining secondary when its own is pulled, then stays there', () => {
    const start = initialOutwardState([laptop, citizenScreen, spare], null, 1);
    expect(start.placement).toMatchObject({ displayId: 2 });
    const { actions } = replay(start, [
      { type: 'display-removed', display: { id: 2 }, primaryId: 1 },
      // Display 2 comes back: in automatic mode the window does not jump again.
      { type: 'display-added', display: citizenScreen, primaryId: 1 },
      { type: 'display-removed', display: { id: 3 }, primaryId: 1 },
      { type: 'display-removed', display: { id: 2 }, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['move', 'none', 'move', 'hide']);
    expect(actions.map(target)).toEqual([3, undefined, 2, 2]);
  });

  it('with three displays and a chosen one, returns to the chosen display each time it comes back', () => {
    const start = initialOutwardState([laptop, citizenScreen, spare], 3, 1);
    expect(start.placement).toMatchObject({ displayId: 3, reason: 'chosen' });
    const { actions } = replay(start, [
      { type: 'display-removed', display: { id: 3 }, primaryId: 1 },
      { type: 'display-added', display: spare, primaryId: 1 },
    ]);
    expect(kinds(actions)).toEqual(['move', 'move']);
    expect(actions.map(target)).toEqual([2, 3]);
  });

  it('never strands the window: after any removal it is on a connected secondary, or hidden', () => {
    let state = initialOutwardState([laptop, citizenScreen, spare], 2, 1);
    const removals: DisplayEvent[] = [
      { type: 'display-removed', display: { id: 2 } },
      { type: 'display-removed', display: { id: 3 } },
    ];
    for (const event of removals) {
      state = reduceOutward(state, event).state;
      if (state.placement.kind === 'hidden') continue;
      const connected = state.displays.map((d) => d.id);
      expect(connected).toContain(state.placement.displayId);
      expect(state.placement.displayId).not.toBe(state.primaryId);
    }
    expect(state.placement.kind).toBe('hidden');
  });

  it('hides the outward screen when the primary itself is pulled and its display becomes the clerk screen', () => {
    const start = initialOutwardState([laptop, citizenScreen], null, 1);
    // No primaryId in the event: the first remaining display becomes primary.
    const { actions, state } = replay(start, [{ type: 'display-removed', display: { id: 1 } }]);
    expect(state.primaryId).toBe(2);
    expect(actions).toEqual([{ kind: 'hide', placement: { kind: 'hidden', displayId: 2, reason: 'display-lost' } }]);
  });

  it('on a single-screen counter that never had an outward display, stays a window on the primary', () => {
    const start = initialOutwardState([laptop], null, 1);
    const { actions, state } = replay(start, [
      { type: 'display-metrics-changed', display: laptop, primaryId: 1 },
      { type: 'chosen-changed', chosenId: 7 },
    ]);
    expect(kinds(actions)).toEqual(['none', 'none']);
    expect(state.placement).toMatchObject({ kind: 'second-window-on-primary', displayId: 1, reason: 'no-secondary' });
  });

  it('obeys a change of setting without any screen event', () => {
    const start = initialOutwardState([laptop, citizenScreen, spare], null, 1);
    const { actions } = replay(start, [
      { type: 'chosen-changed', chosenId: 3 },
      { type: 'chosen-changed', chosenId: 3 },
      { type: 'chosen-changed', chosenId: 1 },
      { type: 'chosen-changed', chosenId: null },
    ]);
    expect(kinds(actions)).toEqual(['move', 'none', 'fall-back', 'move']);
    expect(actions.map(target)).toEqual([3, undefined, 1, 2]);
  });

  it('treats a re-announced display as an update, not a duplicate', () => {
    const start = initialOutwardState([laptop, citizenScreen], null, 1);
    const { state } = replay(start, [{ type: 'display-added', display: citizenScreen, primaryId: 1 }]);
    expect(state.displays.map((d) => d.id)).toEqual([1, 2]);
  });

  it('does not share objects with its input', () => {
    const input = [structuredClone(laptop), structuredClone(citizenScreen)];
    const start = initialOutwardState(input, null, 1);
    input[1]!.bounds.width = 1;
    expect(start.placement).toMatchObject({ bounds: { width: 1280 } });
    expect(start.displays[1]!.bounds.width).toBe(1280);
  });
});

/** Timers the test advances by hand. */
function manualTimers() {
  let now = 0;
  let nextHandle = 1;
  const due = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback: () => void, ms: number) {
      const handle = nextHandle++;
      due.set(handle, { at: now + ms, callback });
      return handle;
    },
    clearTimeout(handle: unknown) {
      due.delete(handle as number);
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = until;
    },
    get pending() {
      return due.size;
    },
  };
}

/** A driver on manual timers that records every action it asks the shell for. */
function driver(displays: DisplayInfo[], chosenId: number | null = null) {
  const timers = manualTimers();
  const actions: OutwardAction[] = [];
  const d = new OutwardDriver({
    displays,
    chosenId,
    primaryId: 1,
    timers,
    apply: (action) => actions.push(action),
  });
  return { d, timers, actions };
}

const removed = (id: number): DisplayEvent => ({ type: 'display-removed', display: { id }, primaryId: 1 });
const added = (display: DisplayInfo): DisplayEvent => ({ type: 'display-added', display, primaryId: 1 });

describe('OutwardDriver (debounced)', () => {
  it('hides at once when the outward display is removed, and never puts the window on the primary', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    expect(d.state.placement).toMatchObject({ kind: 'display', displayId: 2 });
    d.handle(removed(2));
    expect(actions).toEqual([{ kind: 'hide', placement: { kind: 'hidden', displayId: 2, reason: 'display-lost' } }]);
    timers.advance(60_000);
    expect(actions).toHaveLength(1);
    expect(d.state.placement.kind).toBe('hidden');
    expect(outwardStatusFor(d.state.placement)).toEqual({ level: 'error', message: OUTWARD_LOST_MESSAGE });
  });

  it('a display that drops and comes back within the debounce: one hide, one return, no flicker', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    d.handle(removed(2));
    timers.advance(300);
    d.handle(added(citizenScreen));
    timers.advance(300);
    d.handle(removed(2));
    d.handle(added(citizenScreen));
    timers.advance(DISPLAY_DEBOUNCE_MS - 1);
    expect(kinds(actions)).toEqual(['hide']);
    expect(d.pending).toBe(true);
    timers.advance(1);
    expect(actions).toEqual([
      { kind: 'hide', placement: { kind: 'hidden', displayId: 2, reason: 'display-lost' } },
      { kind: 'move', placement: { kind: 'display', displayId: 2, bounds: citizenScreen.bounds, reason: 'first-secondary' } },
    ]);
    expect(d.pending).toBe(false);
    expect(timers.pending).toBe(0);
  });

  it('re-added after the debounce: placed back fullscreen on it once the screens are quiet', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    d.handle(removed(2));
    timers.advance(10_000);
    d.handle(added(citizenScreen));
    expect(kinds(actions)).toEqual(['hide']);
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(kinds(actions)).toEqual(['hide', 'move']);
    expect(d.state.placement).toEqual({ kind: 'display', displayId: 2, bounds: citizenScreen.bounds, reason: 'first-secondary' });
    expect(outwardStatusFor(d.state.placement)).toEqual({ level: 'ok', message: null });
  });

  it('returns to the chosen display when it comes back, hiding (not falling back to the primary) meanwhile', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen], 2);
    d.handle(removed(2));
    timers.advance(DISPLAY_DEBOUNCE_MS * 3);
    d.handle(added(citizenScreen));
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(kinds(actions)).toEqual(['hide', 'move']);
    expect(actions[1]).toMatchObject({ placement: { displayId: 2, reason: 'chosen' } });
  });

  it('refits after a burst of metric changes, once, with the last geometry', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    const sizes = [1024, 1600, 1920];
    for (const width of sizes) {
      d.handle({
        type: 'display-metrics-changed',
        display: { ...citizenScreen, bounds: { ...citizenScreen.bounds, width } },
        changedMetrics: ['bounds'],
        primaryId: 1,
      });
      timers.advance(200);
    }
    expect(actions).toEqual([]);
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(actions).toEqual([
      { kind: 'refit', placement: { kind: 'display', displayId: 2, bounds: { ...citizenScreen.bounds, width: 1920 }, reason: 'current' } },
    ]);
  });

  it('a change of setting moves the window at once, with no debounce', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen, spare]);
    d.handle({ type: 'chosen-changed', chosenId: 3 });
    expect(actions).toEqual([{ kind: 'move', placement: { kind: 'display', displayId: 3, bounds: spare.bounds, reason: 'chosen' } }]);
    expect(timers.pending).toBe(0);
    d.handle({ type: 'chosen-changed', chosenId: 3 });
    expect(actions).toHaveLength(1);
  });

  it('a change of setting during a burst settles everything heard so far, at once', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    d.handle(added(spare));
    d.handle({ type: 'chosen-changed', chosenId: 3 });
    expect(kinds(actions)).toEqual(['move']);
    expect(actions[0]).toMatchObject({ placement: { displayId: 3 } });
    expect(d.pending).toBe(false);
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(actions).toHaveLength(1);
  });

  it('with another secondary left: hides at once, then moves to it once quiet (still never on the primary)', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen, spare], 3);
    d.handle(removed(3));
    expect(kinds(actions)).toEqual(['hide']);
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(kinds(actions)).toEqual(['hide', 'move']);
    expect(target(actions[1])).toBe(2);
    d.handle(added(spare));
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(kinds(actions)).toEqual(['hide', 'move', 'move']);
    expect(target(actions[2])).toBe(3);
  });

  it('ignores a display that is not its own coming and going', () => {
    const { d, timers, actions } = driver([laptop, citizenScreen]);
    d.handle(added(spare));
    d.handle(removed(3));
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(actions).toEqual([]);
  });

  it('on a single-screen counter, shows a window on the primary with a warning, and moves to a monitor when one is plugged in', () => {
    const { d, timers, actions } = driver([laptop]);
    expect(d.state.placement).toMatchObject({ kind: 'second-window-on-primary', reason: 'no-secondary' });
    expect(outwardStatusFor(d.state.placement)).toEqual({ level: 'warning', message: OUTWARD_NO_SECONDARY_MESSAGE });
    d.handle(added(citizenScreen));
    expect(actions).toEqual([]);
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(kinds(actions)).toEqual(['move']);
    d.handle(removed(2));
    expect(kinds(actions)).toEqual(['move', 'hide']);
  });

  it('dispose drops a pending placement', () => {
    const { d, timers, actions } = driver([laptop]);
    d.handle(added(citizenScreen));
    d.dispose();
    timers.advance(DISPLAY_DEBOUNCE_MS);
    expect(actions).toEqual([]);
  });
});

describe('displayOptions', () => {
  it('labels the displays in physical pixels and marks the primary and the one the outward screen is on', () => {
    const hiDpi = { ...spare, scaleFactor: 1.5 };
    const placement = chooseOutwardDisplay([laptop, citizenScreen, hiDpi], null, { primaryId: 1 });
    expect(displayOptions([laptop, citizenScreen, hiDpi], 1, placement)).toEqual([
      { id: 1, label: '显示器 1（1920×1080）', width: 1920, height: 1080, primary: true, current: false },
      { id: 2, label: '显示器 2（1280×800）', width: 1280, height: 800, primary: false, current: true },
      { id: 3, label: '显示器 3（1536×1152）', width: 1536, height: 1152, primary: false, current: false },
    ]);
  });

  it('marks none as current while the outward window is hidden, and the primary when it is a window there', () => {
    expect(
      displayOptions([laptop], 1, { kind: 'hidden', displayId: 2, reason: 'display-lost' }).map((o) => o.current),
    ).toEqual([false]);
    const windowed = chooseOutwardDisplay([laptop], null, { primaryId: 1 });
    expect(displayOptions([laptop], 1, windowed).map((o) => o.current)).toEqual([true]);
    expect(displayOptions([laptop, citizenScreen], 1, null).map((o) => o.current)).toEqual([false, false]);
  });
});

describe('windowedBounds', () => {
  it('fits a 1280×800 window against the right edge of a large work area', () => {
    expect(windowedBounds({ x: 0, y: 0, width: 1920, height: 1040 })).toEqual({ x: 640, y: 120, width: 1280, height: 800 });
  });

  it('stays inside a small or offset work area', () => {
    const area = { x: -1024, y: 40, width: 1024, height: 728 };
    const b = windowedBounds(area);
    expect(rectInside(b, area)).toBe(true);
    expect(b).toEqual({ x: -1024, y: 40, width: 1024, height: 728 });
  });

  it('rectInside is false for a window hanging off the area', () => {
    expect(rectInside({ x: 1900, y: 0, width: 100, height: 100 }, { x: 0, y: 0, width: 1920, height: 1080 })).toBe(false);
  });
});
