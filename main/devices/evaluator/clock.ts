// Time for the device layer, injected so that tests can drive it: drivers,
// sessions and the simulator never touch the global timers directly.

/** Opaque: whatever the timer implementation hands back. */
export type TimerHandle = unknown;

export interface Timers {
  /** Milliseconds on a monotonic-enough clock (Date.now() for the system). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending device timer must never keep the process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle) clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
