// 超时提醒: the clerk's state carries the service's overtime level
// (common/overtime.ts), built when the state is. So that the level changes in
// the state (and for whoever reads it) at the moment the service crosses its
// standard time, and twice it, this watch follows each published state and
// publishes again at the next crossing. Timers are injected.
import { nextOvertimeChange, type ServiceTiming } from '../../common/overtime.ts';

export interface OvertimeTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: OvertimeTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class OvertimeWatch {
  private readonly publish: () => void;
  private readonly now: () => number;
  private readonly timers: OvertimeTimers;
  private armed: { key: string; handle: unknown } | null = null;

  constructor(options: { publish: () => void; now: () => number; timers?: OvertimeTimers }) {
    this.publish = options.publish;
    this.now = options.now;
    this.timers = options.timers ?? realTimers;
  }

  /** The service in the state just published (null: none): arms one timer for its next crossing. */
  follow(service: ServiceTiming | null): void {
    const now = this.now();
    const next = service ? nextOvertimeChange(service, now) : null;
    const key = service && next !== null ? `${service.amberAt}|${next}` : '';
    if (this.armed?.key === key) return;
    this.stop();
    if (next === null) return;
    const handle = this.timers.setTimeout(() => {
      this.armed = null;
      this.publish();
      // A little after the crossing, so the state built then is past it.
    }, Math.max(0, next - now) + 50);
    this.armed = { key, handle };
  }

  stop(): void {
    if (this.armed) this.timers.clearTimeout(this.armed.handle);
    this.armed = null;
  }
}
