// The idle lock's timing and keys (renderer/clerk/idle.ts) over a fake clock.
import { describe, expect, it } from 'vitest';
import {
  createIdleTimer,
  IDLE_RETRY_MS,
  isDeviceSetupHotkey,
  isLockHotkey,
  keyAllowedWhileLocked,
  type IdleClock,
} from '../../renderer/clerk/idle.ts';

function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  const clock: IdleClock = {
    now: () => now,
    setTimeout(run, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, run });
      return id;
    },
    clearTimeout: (id) => void timers.delete(id),
  };
  /** Moves time on, firing every timer that falls due (in order), like page.clock.runFor. */
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].run();
    }
    now = end;
  };
  return { clock, advance, pending: () => timers.size };
}

const key = (
  over: Partial<{
    key: string;
    code: string;
    altKey: boolean;
    ctrlKey: boolean;
    metaKey: boolean;
    shiftKey: boolean;
  }>,
) => ({
  key: '',
  code: '',
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  ...over,
});

describe('idle timer', () => {
  it('fires once after the timeout without activity, and not before', () => {
    const { clock, advance } = fakeClock();
    let fired = 0;
    createIdleTimer({ timeoutMs: 60_000, clock, onIdle: () => (fired++, true) });
    advance(59_999);
    expect(fired).toBe(0);
    advance(1);
    expect(fired).toBe(1);
    advance(10 * 60_000);
    expect(fired).toBe(1);
  });

  it('counts from the last activity, with one timer only', () => {
    const { clock, advance, pending } = fakeClock();
    let fired = 0;
    const timer = createIdleTimer({ timeoutMs: 60_000, clock, onIdle: () => (fired++, true) });
    advance(50_000);
    for (let i = 0; i < 100; i++) timer.activity(); // a mouse moving
    expect(pending()).toBe(1);
    advance(50_000);
    expect(fired).toBe(0);
    advance(10_000);
    expect(fired).toBe(1);
  });

  it('starts again with activity after it fired', () => {
    const { clock, advance } = fakeClock();
    let fired = 0;
    const timer = createIdleTimer({ timeoutMs: 1000, clock, onIdle: () => (fired++, true) });
    advance(1000);
    timer.activity();
    advance(999);
    expect(fired).toBe(1);
    advance(1);
    expect(fired).toBe(2);
  });

  it('asks again later when onIdle could not act; stop() ends it', () => {
    const { clock, advance, pending } = fakeClock();
    let calls = 0;
    const timer = createIdleTimer({ timeoutMs: 1000, clock, onIdle: () => ++calls > 1 });
    advance(1000);
    expect(calls).toBe(1);
    advance(IDLE_RETRY_MS);
    expect(calls).toBe(2);
    timer.activity();
    timer.stop();
    expect(pending()).toBe(0);
    advance(60_000);
    expect(calls).toBe(2);
  });
});

describe('lock keys', () => {
  it('Alt+L and Alt+D by key position, without other modifiers', () => {
    expect(isLockHotkey(key({ key: 'l', code: 'KeyL', altKey: true }))).toBe(true);
    expect(isLockHotkey(key({ key: 'L', code: 'KeyL', altKey: true, shiftKey: true }))).toBe(false);
    expect(isLockHotkey(key({ key: 'l', code: 'KeyL' }))).toBe(false);
    expect(isDeviceSetupHotkey(key({ key: '∂', code: 'KeyD', altKey: true }))).toBe(true);
    expect(isDeviceSetupHotkey(key({ key: 'd', code: 'KeyD', altKey: true, ctrlKey: true }))).toBe(false);
  });

  it('while locked only the password can be typed', () => {
    for (const k of ['a', '1', 'Enter', 'Backspace', 'Tab', 'ArrowLeft']) {
      expect(keyAllowedWhileLocked(key({ key: k, code: 'KeyA' }))).toBe(true);
    }
    expect(keyAllowedWhileLocked(key({ key: 'v', code: 'KeyV', ctrlKey: true }))).toBe(true);
    for (const k of ['F1', 'F2', 'F3', 'F4', 'F6', 'F9', 'F10', 'Escape']) {
      expect(keyAllowedWhileLocked(key({ key: k, code: k }))).toBe(false);
    }
    expect(keyAllowedWhileLocked(key({ key: 'k', code: 'KeyK', ctrlKey: true }))).toBe(false);
    expect(keyAllowedWhileLocked(key({ key: 's', code: 'KeyS', altKey: true }))).toBe(false);
    expect(keyAllowedWhileLocked(key({ key: 'p', code: 'KeyP', altKey: true }))).toBe(false);
  });
});
