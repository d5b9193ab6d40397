// The two screens' views, built from the counter's parts, and their
// publication as contract events: each view is emitted when it changed since
// it was last emitted. The outward view carries only what the citizen may see.
import type { ClerkState, OutwardView } from '../common/contract.ts';
import type { OutwardScreenStatus } from '../common/device-setup.ts';
import type { EventName } from '../common/ipc-names.ts';
import type { CaseService } from './cases/case-service.ts';
import type { CounterDevices } from './device-setup/counter-devices.ts';
import type { IdCardService } from './id-card/id-card-service.ts';
import type { RatingService } from './ratings/rating-service.ts';
import type { Outbox } from './store/outbox.ts';
import type { Pusher } from './sync/pusher.ts';
import type { SyncStreams } from './sync/streams.ts';
import type { CounterState } from './core/counter-state.ts';
import { serviceTiming, type ServiceTiming } from '../common/overtime.ts';

export type ViewListener = (name: EventName, payload: unknown) => void;

export interface ViewSources {
  state: CounterState;
  streams: SyncStreams;
  outbox: Outbox;
  pusher: Pusher;
  cases: CaseService;
  ratings: RatingService;
  devices: CounterDevices;
  idCard: IdCardService;
  /** How many changes the start-up check of the records found (main/sync/self-check.ts). */
  recordsChanged?: () => number;
}

export class Views {
  private readonly sources: ViewSources;
  private readonly listeners = new Set<ViewListener>();
  private readonly published = new Map<EventName, string>();
  /** Where the outward screen is, as the host says (devices.outward in the clerk's status bar). */
  private outwardStatus: OutwardScreenStatus = { level: 'error', message: '对外屏未打开：请检查外屏显示器' };

  constructor(sources: ViewSources) {
    this.sources = sources;
  }

  subscribe(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setOutwardStatus(status: OutwardScreenStatus): void {
    this.outwardStatus = status;
    // No outward page any more: what it said of its sound goes with it (the next one says again).
    if (status.level === 'error') this.sources.devices.reportOutwardAudio(null);
    this.publish();
  }

  /** Emits each view that changed since it was last emitted. */
  publish(): void {
    const views: [EventName, unknown][] = [
      ['clerkState', this.clerkState()],
      ['outwardView', this.outwardView()],
    ];
    for (const [name, payload] of views) {
      const text = JSON.stringify(payload);
      if (this.published.get(name) === text) continue;
      this.published.set(name, text);
      for (const listener of this.listeners) listener(name, payload);
    }
  }

  clerkState(): ClerkState {
    const { state, streams, outbox, pusher, cases, ratings, devices } = this.sources;
    const windowId = state.windowId();
    const window = state.window();
    const clerk = state.status?.clerk ?? null;
    const counts = streams.waitingCounts();
    const settings = state.config.settings;
    return {
      connection: { ...state.connection, syncIssue: pusher.status().issue, syncBlocked: pusher.status().phase === 'blocked', recordsChanged: this.sources.recordsChanged?.() ?? 0 },
      unsent: outbox.unsentCount(),
      enrolled: state.enrollment !== null,
      hallName: state.hallName(),
      window,
      clerk: clerk && { id: clerk.id, staffNo: clerk.staffNo, name: clerk.name, department: clerk.department, role: clerk.role },
      current: state.status?.current ?? null,
      service: serviceOf(state),
      queue: (window?.lineIds ?? []).map((lineId) => ({
        lineId,
        name: state.config.lines.get(lineId)?.name ?? lineId,
        waiting: counts.get(lineId) ?? 0,
      })),
      noShowMinRecalls: settings?.noShowMinRecalls ?? 0,
      log: windowId === null ? [] : state.store.callLogSince(windowId, cases.dayStart(cases.today())),
      devices: {
        evaluator: devices.evaluatorStatus(),
        outward: this.outwardStatus,
        voice: devices.voiceStatus(this.outwardStatus.level !== 'error'),
        idCardReader: this.sources.idCard.status(),
      },
      // The card just read is the signed-in clerk's to use; nobody else's screen gets it.
      idCard: clerk ? this.sources.idCard.clerkCard() : null,
      locked: state.isLocked(),
      idleLockMinutes: settings?.idleLockMinutes ?? 10,
      rating: ratings.clerkView(windowId),
      printer: devices.printing?.state() ?? null,
      pause: state.status?.pause ?? null,
      pauseReasons: settings?.pauseReasons ?? [],
    };
  }

  outwardView(): OutwardView {
    const { state, cases, ratings, devices } = this.sources;
    const clerk = state.status?.clerk ?? null;
    // 暂停服务: the screen lock (Alt+L, idle) or a pause with a reason the hall sees (Alt+X).
    const reasoned = clerk === null ? null : (state.status?.pause ?? null);
    const paused = state.isLocked() || reasoned !== null;
    // 暂停服务: no number, no case, no rating prompt.
    const current = paused ? null : (state.status?.current ?? null);
    const voice = devices.effective.voice;
    return {
      hallName: state.hallName(),
      windowName: state.window()?.name ?? null,
      mode: clerk === null ? 'closed' : paused ? 'paused' : current ? 'serving' : 'idle',
      clerk: clerk && { name: clerk.name, staffNo: clerk.staffNo, department: clerk.department, photo: clerk.photo },
      calling: current && {
        number: current.number,
        lineName: state.config.lines.get(current.lineId)?.name ?? current.lineId,
        announcement: current.recallCount,
      },
      notice: state.config.settings?.notice ?? '',
      case: clerk === null || paused ? null : cases.outward(),
      // A rating open when the clerk called the next number, locked or signed out runs to its end here too.
      rating: ratings.outwardView(),
      voice: { enabled: voice.enabled, volume: voice.volume, test: devices.voiceTest },
      testPatternUntil: devices.testPatternUntil,
      idCard: clerk === null || paused ? null : this.sources.idCard.outward(),
      pause: reasoned && { reason: reasoned.reason, expectedBackAt: reasoned.expectedBackAt },
    };
  }
}

/** The ticket in hand against its line's standard service time (common/overtime.ts). */
function serviceOf(state: CounterState): ServiceTiming | null {
  const current = state.status?.current ?? null;
  if (!current) return null;
  return serviceTiming(current.calledAt, state.config.lines.get(current.lineId)?.standardServiceMinutes, state.clock());
}
