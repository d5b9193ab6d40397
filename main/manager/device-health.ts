// The window's devices as the hall's overview shows them (issue 17, point 1):
// this counter tells the hall server how its printer, evaluator and outward
// screen are (POST /v1/windows/{id}/devices) whenever that changes in the
// clerk's state, and again after a failed try once the state moves (e.g. the
// link comes back). One report in flight at a time; nothing personal in it.
import type { ClerkState } from '../../common/contract.ts';
import type { DeviceHealth, DeviceHealthReport } from '../../common/hall-overview.ts';
import type { HallClient } from '../hall-client.ts';
import type { Logger } from '../log.ts';

/** What the clerk's state says of the window's devices, as the hall's overview takes it. */
export function deviceHealthOf(state: ClerkState): DeviceHealthReport {
  const printer: DeviceHealth = state.printer
    ? { level: state.printer.level, message: state.printer.message }
    : { level: 'none', message: null };
  const evaluator: DeviceHealth = state.devices.evaluator
    ? state.devices.evaluator.state === 'ok'
      ? { level: 'ok', message: null }
      : { level: 'error', message: state.devices.evaluator.message.slice(0, 200) }
    : { level: 'none', message: null };
  const outward: DeviceHealth = { level: state.devices.outward.level, message: state.devices.outward.message };
  return { printer, evaluator, outward };
}

export class DeviceHealthReporter {
  private sent: string | null = null;
  private inFlight = false;
  private latest: { windowId: number; report: DeviceHealthReport } | null = null;
  private readonly target: () => HallClient | null;
  private readonly log: Logger;

  constructor(options: { target: () => HallClient | null; log: Logger }) {
    this.target = options.target;
    this.log = options.log;
  }

  /** Each published clerk state: report the devices if they changed since the last report the server took. */
  follow(state: ClerkState): void {
    if (!state.enrolled || !state.window || state.connection.state !== 'online') return;
    this.latest = { windowId: state.window.id, report: deviceHealthOf(state) };
    void this.send();
  }

  private async send(): Promise<void> {
    if (this.inFlight || !this.latest) return;
    const { windowId, report } = this.latest;
    const text = JSON.stringify([windowId, report]);
    if (text === this.sent) return;
    const client = this.target();
    if (!client) return;
    this.inFlight = true;
    try {
      await client.request('reportDevices', { params: { id: windowId }, body: report });
      this.sent = text;
    } catch (error) {
      // Tried again on the next state published (the link coming back is one).
      this.log.debug('device health report failed', { error: String(error) });
    } finally {
      this.inFlight = false;
    }
    if (this.latest && JSON.stringify([this.latest.windowId, this.latest.report]) !== this.sent) void this.send();
  }
}
