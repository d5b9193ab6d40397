// 大厅总览 at the hall server (issue 17, point 1): one snapshot of every window
// and line, with the alerts, for a hall manager signed in at a counter. The
// queue part comes from ticket-ops' queueBoard (waiting per line and window,
// open, paused, the service's timing); this module adds who serves, the
// number in hand, today's counts, the longest wait, the devices each counter
// reports, whether its counter holds its live link, and the alerts.
//
// Live: every change the hall makes (the event hub's publish, a push, a device
// report, a counter's link opening or closing, a threshold crossed) moves an
// in-memory version; GET /v1/manager/overview?since=V&waitMs=W is a long poll
// that answers at once when the caller's version is old and otherwise waits
// for the next change (at most W ms). Answers to waiting polls are built once
// per change and at most every FLUSH_EVERY_MS.
import type { ServerResponse } from 'node:http';
import { hallToday } from '../common/hall-time.ts';
import {
  DEFAULT_WAIT_ALERT_MINUTES,
  DEVICE_LABEL,
  DeviceHealthReport,
  type HallOverview,
  type HallOverviewAnswer,
  type OverviewAlert,
  type OverviewLine,
  type OverviewWindow,
} from '../common/hall-overview.ts';
import { LEVEL_NAME } from '../common/ratings.ts';
import { nextOvertimeChange } from '../common/overtime.ts';
import type { QueueBoard } from '../common/ticket-ops.ts';
import type { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import type { Device } from './hall.ts';
import { EFFECTIVE_LINE } from './waiting-queue.ts';
import { LINKS_EXPIRE_MS, LINKS_HEARTBEAT_MS } from './event-bus.ts';
import { HallError } from '../common/errors.ts';

/** A burst of counters connecting or leaving is told to the other processes in one message. */
const LINKS_ANNOUNCE_DELAY_MS = 500;

/** Waiting polls are answered at most this often (a busy hall changes many times a second). */
export const FLUSH_EVERY_MS = 150;
/** Bad ratings whose follow-up is still open, at most this many in the alerts. */
const BAD_RATING_ALERTS = 50;

type ConfigStore = ReturnType<typeof createConfigStore>;

export type HallOverviewService = ReturnType<typeof createHallOverview>;

export function createHallOverview(
  db: HallDatabase,
  options: {
    clock: () => Date;
    config: ConfigStore;
    board: () => QueueBoard;
    /** A device report changed: moves this overview and, through the event bus, every other process's. */
    devicesChanged?: () => void;
    /** Tells the other processes this one's windows with a live link (server/event-bus.ts); absent in one process. */
    announceLinks?: (windows: ReadonlySet<number>) => void;
  },
) {
  const { clock, config, board } = options;
  /** Numbers in hand (the tickets_current index: one a window), today's kept below. */
  const selectCurrent = db.prepare<[], { windowId: number; number: string; lineId: string; calledAt: string | null; day: string }>(
    `SELECT window_id AS windowId, number, ${EFFECTIVE_LINE} AS lineId, called_at AS calledAt, day
     FROM tickets WHERE status = 'called' AND window_id IS NOT NULL`,
  );
  const selectClerks = db.prepare<[], { windowId: number; staffId: number }>(
    'SELECT window_id AS windowId, staff_id AS staffId FROM window_clerks',
  );
  // The day's counts per line and window are kept by the database (server migration 16): rows, not a pass over the day.
  const selectLineCounts = db.prepare<[string], { lineId: string; issued: number; served: number }>(
    'SELECT line_id AS lineId, issued, served FROM ticket_day_counts WHERE day = ? AND window_id = 0',
  );
  const selectWindowServed = db.prepare<[string], { windowId: number; served: number }>(
    "SELECT window_id AS windowId, served FROM ticket_day_counts WHERE day = ? AND line_id = ''",
  );
  /** The oldest waiting ticket of one line: a seek in tickets_waiting_since. */
  const selectOldestWaiting = db
    .prepare<[string, string], string | null>(
      `SELECT MIN(issued_at) FROM tickets
       WHERE status = 'waiting' AND target_window_id IS NULL AND day = ? AND ${EFFECTIVE_LINE} = ?`,
    )
    .pluck();
  const selectDevices = db.prepare<[], { windowId: number; report: string; reportedAt: string }>(
    'SELECT window_id AS windowId, report, reported_at AS reportedAt FROM window_devices',
  );
  const selectDeviceReport = db.prepare<[number], { report: string }>('SELECT report FROM window_devices WHERE window_id = ?');
  const upsertDevices = db.prepare<[number, string, string, string]>(
    `INSERT INTO window_devices (window_id, device_id, report, reported_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (window_id) DO UPDATE SET device_id = excluded.device_id, report = excluded.report,
       reported_at = excluded.reported_at`,
  );
  const selectOpenFollowUps = db.prepare<
    [number],
    { windowId: number; staffNo: string; level: number; ticketNumber: string | null; at: string; dueDate: string; state: string }
  >(
    `SELECT r.window_id AS windowId, r.staff_no AS staffNo, r.level, r.ticket_number AS ticketNumber, r.at,
       f.due_date AS dueDate, f.state
     FROM follow_ups AS f JOIN ratings AS r ON r.id = f.rating_id
     WHERE f.state <> 'called_back' ORDER BY f.due_date, f.rowid LIMIT ?`,
  );

  /** Counters' live links (their event streams) per window: a window with none is offline. */
  const links = new Map<number, number>();
  /** Other processes' windows with a live link, and when each process last said so (several processes on PostgreSQL). */
  const remoteLinks = new Map<string, { windows: ReadonlySet<number>; at: number }>();
  // Real time, not the hall's clock (a test's may stand still): how old another process's word is.
  const now = Date.now;
  const onlineElsewhere = (windowId: number) => {
    for (const [origin, entry] of remoteLinks) {
      if (now() - entry.at > LINKS_EXPIRE_MS) remoteLinks.delete(origin);
      else if (entry.windows.has(windowId)) return true;
    }
    return false;
  };
  let announceTimer: NodeJS.Timeout | null = null;
  const announce = () => {
    announceTimer = null;
    options.announceLinks?.(new Set(links.keys()));
  };
  /** Soon after a change (a burst of counters connecting makes one message), and as a heartbeat. */
  const announceSoon = () => {
    if (options.announceLinks && !announceTimer && !closed) announceTimer = setTimeout(announce, LINKS_ANNOUNCE_DELAY_MS);
  };
  const heartbeat = options.announceLinks ? setInterval(announce, LINKS_HEARTBEAT_MS) : null;
  heartbeat?.unref();
  let version = Date.now() % 1_000_000_000;
  const waiters = new Set<(answer: HallOverviewAnswer) => void>();
  let flushTimer: NodeJS.Timeout | null = null;
  let lastFlush = 0;
  /** The next moment a service turns amber or red, or a wait crosses the threshold: the overview changes by itself then. */
  let deadline: NodeJS.Timeout | null = null;
  let closed = false;

  function touch(): void {
    version += 1;
    if (waiters.size === 0 || flushTimer || closed) return;
    const wait = Math.max(0, lastFlush + FLUSH_EVERY_MS - Date.now());
    flushTimer = setTimeout(flush, wait);
  }

  function flush(): void {
    flushTimer = null;
    lastFlush = Date.now();
    if (waiters.size === 0) return;
    const answer = { version, overview: snapshot() };
    const waiting = [...waiters];
    waiters.clear();
    for (const resolve of waiting) resolve(answer);
  }

  function waitAlertMinutes(): number {
    return config.get('settings', 'hall')?.overviewWaitAlertMinutes ?? DEFAULT_WAIT_ALERT_MINUTES;
  }

  function snapshot(): HallOverview {
    const now = clock();
    const nowMs = now.getTime();
    const day = hallToday(now);
    const threshold = waitAlertMinutes();
    const built = db.transaction(() => ({
      queue: board(),
      current: new Map(selectCurrent.all().filter((row) => row.day === day).map((row) => [row.windowId, row])),
      clerks: new Map(selectClerks.all().map((row) => [row.windowId, row.staffId])),
      lineCounts: new Map(selectLineCounts.all(day).map((row) => [row.lineId, row])),
      windowServed: new Map(selectWindowServed.all(day).map((row) => [row.windowId, row.served])),
      oldest: new Map(config.list('line').map((line) => [line.id, selectOldestWaiting.get(day, line.id) ?? null])),
      devices: new Map(selectDevices.all().map((row) => [row.windowId, row])),
      followUps: selectOpenFollowUps.all(BAD_RATING_ALERTS),
    }))();
    const staff = new Map(config.list('staff').map((s) => [s.id, s]));
    const lineConfig = new Map(config.list('line').map((l) => [l.id, l]));
    const alerts: OverviewAlert[] = [];
    let next = Infinity;

    const windows: OverviewWindow[] = built.queue.windows.map((w) => {
      const staffId = built.clerks.get(w.windowId);
      const person = staffId === undefined ? null : (staff.get(staffId) ?? null);
      const current = built.current.get(w.windowId) ?? null;
      const deviceRow = built.devices.get(w.windowId);
      const parsed = deviceRow ? DeviceHealthReport.safeParse(JSON.parse(deviceRow.report)) : null;
      const devices = parsed?.success ? parsed.data : null;
      const online = (links.get(w.windowId) ?? 0) > 0 || onlineElsewhere(w.windowId);
      const state = !online ? 'offline' : !person ? 'closed' : w.pause ? 'paused' : current ? 'serving' : 'idle';
      const service = current ? (w.service ?? null) : null;
      const tile: OverviewWindow = {
        windowId: w.windowId,
        name: w.name,
        lineIds: w.lineIds,
        state,
        clerk: person && { staffNo: person.staffNo, name: person.name, department: person.department },
        pause: w.pause,
        current: current && { number: current.number, lineId: current.lineId, calledAt: current.calledAt },
        service,
        waiting: w.waiting,
        servedToday: built.windowServed.get(w.windowId) ?? 0,
        devices,
        devicesReportedAt: deviceRow?.reportedAt ?? null,
      };
      if (service && current) {
        const change = nextOvertimeChange(service, nowMs);
        if (change !== null) next = Math.min(next, change);
        if (service.level !== 'ok') {
          const minutes = Math.floor((nowMs - Date.parse(current.calledAt ?? now.toISOString())) / 60_000);
          alerts.push({
            kind: 'overtime',
            level: service.level === 'red' ? 'danger' : 'warning',
            windowId: w.windowId,
            lineId: current.lineId,
            text: `${w.name} ${current.number} 已办理 ${minutes} 分钟，超过标准时长 ${service.standardMinutes} 分钟${service.level === 'red' ? '的两倍（严重超时）' : '（超时）'}`,
            action: '请到窗口了解情况，需要时安排协助或分流后面的群众',
            since: service.level === 'red' ? service.redAt : service.amberAt,
            dueDate: null,
          });
        }
      }
      if (!online && person) {
        alerts.push({
          kind: 'device_down',
          level: 'danger',
          windowId: w.windowId,
          lineId: null,
          text: `${w.name}（${person.name}）的终端与大厅服务器断开`,
          action: '请检查该窗口终端的网络；离线期间窗口仍可办件，联网后记录自动上传',
          since: deviceRow?.reportedAt ?? now.toISOString(),
          dueDate: null,
        });
      }
      if (online && devices) {
        for (const key of ['printer', 'evaluator', 'outward'] as const) {
          const health = devices[key];
          if (health.level !== 'error' && health.level !== 'warning') continue;
          alerts.push({
            kind: 'device_down',
            level: health.level === 'error' ? 'danger' : 'warning',
            windowId: w.windowId,
            lineId: null,
            text: `${w.name} ${DEVICE_LABEL[key]}${health.level === 'error' ? '故障' : '异常'}${health.message ? `：${health.message}` : ''}`,
            action: key === 'evaluator'
              ? '请安排人员检查评价器（设备设置 Alt+D）；修好前群众可在外屏上评价'
              : `请安排人员检查${DEVICE_LABEL[key]}（设备设置 Alt+D）`,
            since: deviceRow!.reportedAt,
            dueDate: null,
          });
        }
      }
      return tile;
    });

    const lines: OverviewLine[] = built.queue.lines.map((line) => {
      const counts = built.lineCounts.get(line.lineId);
      const since = built.oldest.get(line.lineId) ?? null;
      if (since) {
        const waited = nowMs - Date.parse(since);
        const limit = threshold * 60_000;
        const crossing = waited < limit ? Date.parse(since) + limit : waited < 2 * limit ? Date.parse(since) + 2 * limit : null;
        if (crossing !== null) next = Math.min(next, crossing);
        if (waited >= limit) {
          alerts.push({
            kind: 'long_wait',
            level: waited >= 2 * limit ? 'danger' : 'warning',
            windowId: null,
            lineId: line.lineId,
            text: `${line.name}（${line.lineId}）有群众已等候 ${Math.floor(waited / 60_000)} 分钟，超过 ${threshold} 分钟；共 ${line.waiting} 人等候`,
            action: '请增开办理该业务的窗口，或安排空闲窗口协办（转窗）',
            since: new Date(Date.parse(since) + limit).toISOString(),
            dueDate: null,
          });
        }
      }
      return {
        lineId: line.lineId,
        name: line.name,
        waiting: line.waiting,
        oldestWaitingSince: since,
        issuedToday: counts?.issued ?? 0,
        servedToday: counts?.served ?? 0,
        standardServiceMinutes: lineConfig.get(line.lineId)?.standardServiceMinutes ?? null,
      };
    });

    const windowName = new Map(windows.map((w) => [w.windowId, w.name]));
    for (const f of built.followUps) {
      const overdue = f.dueDate < day;
      const label = LEVEL_NAME[f.level as keyof typeof LEVEL_NAME] ?? String(f.level);
      alerts.push({
        kind: 'bad_rating',
        level: overdue ? 'danger' : 'warning',
        windowId: f.windowId,
        lineId: null,
        text: `${windowName.get(f.windowId) ?? `${f.windowId}号窗口`} 工号 ${f.staffNo} 收到差评「${label}」${f.ticketNumber ? `（${f.ticketNumber}）` : ''}`,
        action: overdue
          ? `回访已逾期（应于 ${f.dueDate} 前完成）：请尽快核实整改并回访（差评回访 F10）`
          : `请于 ${f.dueDate} 前核实整改并回访（差评回访 F10）`,
        since: f.at,
        dueDate: f.dueDate,
      });
    }
    alerts.sort((a, b) => (a.level === b.level ? a.since.localeCompare(b.since) : a.level === 'danger' ? -1 : 1));

    if (deadline) clearTimeout(deadline);
    deadline = null;
    if (Number.isFinite(next) && !closed) {
      // A level changes by itself at `next`: tell the watchers then (+ a little, so the rebuilt state has crossed it).
      deadline = setTimeout(() => {
        deadline = null;
        touch();
      }, Math.max(0, next - nowMs) + 50);
      deadline.unref();
    }
    return { at: now.toISOString(), day, waitAlertMinutes: threshold, windows, lines, alerts };
  }

  return {
    /** Something the overview shows may have changed. */
    touch,

    snapshot,

    /** The long poll (see the top of this file). */
    answer(query: { since?: number; waitMs: number }): Promise<HallOverviewAnswer> | HallOverviewAnswer {
      if (query.since !== version || query.waitMs === 0 || closed) return { version, overview: snapshot() };
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve({ version, overview: query.since === version ? null : snapshot() });
        }, query.waitMs);
        const done = (answer: HallOverviewAnswer) => {
          clearTimeout(timer);
          resolve(answer);
        };
        waiters.add(done);
      });
    },

    /** A counter's live link opened (its event stream): the window is online until it closes. */
    linkOpened(windowId: number | null, res: ServerResponse): void {
      if (windowId === null) return;
      links.set(windowId, (links.get(windowId) ?? 0) + 1);
      touch();
      announceSoon();
      res.on('close', () => {
        const left = (links.get(windowId) ?? 1) - 1;
        if (left > 0) links.set(windowId, left);
        else links.delete(windowId);
        touch();
        announceSoon();
      });
    },

    /** Another process's windows with a live link (its whole set): the overview moves when they differ. */
    remoteLinks(origin: string, windows: ReadonlySet<number>): void {
      const before = remoteLinks.get(origin)?.windows;
      remoteLinks.set(origin, { windows, at: now() });
      if (!before || before.size !== windows.size || [...windows].some((id) => !before.has(id))) touch();
    },

    /** This process's links again, now (after the bus missed messages, e.g. a reconnect). */
    announceLinksNow(): void {
      if (options.announceLinks) announce();
    },

    /** A counter reports its devices' health (its own window only). */
    reportDevices(device: Device, windowId: number, report: DeviceHealthReport): { ok: true } {
      if (device.role !== 'counter' || device.windowId !== windowId) {
        throw new HallError('FORBIDDEN', `本设备不是${windowId}号窗口的柜台终端，不能报告该窗口的设备状态`, 403);
      }
      const text = JSON.stringify(report);
      if (selectDeviceReport.get(windowId)?.report === text) return { ok: true };
      upsertDevices.run(windowId, device.id, text, clock().toISOString());
      (options.devicesChanged ?? touch)();
      return { ok: true };
    },

    /** Answers every waiting poll (the server is closing). */
    close(): void {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      if (deadline) clearTimeout(deadline);
      if (announceTimer) clearTimeout(announceTimer);
      if (heartbeat) clearInterval(heartbeat);
      announceTimer = null;
      flushTimer = deadline = null;
      const answer = { version, overview: null };
      for (const resolve of [...waiters]) resolve(answer);
      waiters.clear();
    },
  };
}

/** The event hub with `tap` called after each publish: every change the hall publishes moves the overview. */
export function tapPublish<H extends { publish(event: never): void }>(hub: H, tap: () => void): H {
  return {
    ...hub,
    publish: (event: never) => {
      hub.publish(event);
      tap();
    },
  };
}
