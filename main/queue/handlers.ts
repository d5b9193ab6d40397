// The queue at the window: 叫号 / 重呼 / 过号 / 办结 (online, against the hall
// server), 现场补号 from the leased number range (works offline) and
// 手动录入票号 (offline only).
import { randomUUID } from 'node:crypto';
import type { CallHandlers, CallLogEntry, ClerkState } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { Ticket } from '../../common/model.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { CaseContext, CounterState } from '../core/counter-state.ts';
import type { CounterDevices } from '../device-setup/counter-devices.ts';
import { walkInTicket } from '../devices/printer/templates.ts';
import type { RatingService } from '../ratings/rating-service.ts';
import type { Outbox } from '../store/outbox.ts';
import type { HallLink } from '../sync/hall-link.ts';
import type { SyncStreams } from '../sync/streams.ts';
import { isOfflineCall } from '../core/offline-ticket.ts';
import { NO_WALK_IN_TO_CALL, OfflineCalls } from './offline-calls.ts';
import { TYPED_TICKET_ONLINE, typedTicketNumber, TypedTickets } from './typed-tickets.ts';
import { ticketLookupUrl, WALK_IN_LOW_WATER, WalkIns, type WalkInIssued } from './walk-ins.ts';

export type QueueCall = 'callNext' | 'recall' | 'noShow' | 'complete' | 'issueWalkIn' | 'serveTypedTicket';
type WindowAction = 'callNext' | 'recall' | 'noShow' | 'complete';

export interface QueueDeps {
  state: CounterState;
  outbox: Outbox;
  streams: SyncStreams;
  link: HallLink;
  cases: CaseService;
  ratings: RatingService;
  devices: CounterDevices;
  clerkState: () => ClerkState;
}

export class Queue {
  private readonly deps: QueueDeps;
  private readonly state: CounterState;
  private readonly walkIns: WalkIns;
  private readonly typedTickets: TypedTickets;
  private readonly offlineCalls: OfflineCalls;

  constructor(deps: QueueDeps) {
    this.deps = deps;
    this.state = deps.state;
    const { db } = deps.state.store;
    this.walkIns = new WalkIns({ db, outbox: deps.outbox, clock: deps.state.clock });
    this.typedTickets = new TypedTickets({ db, outbox: deps.outbox, clock: deps.state.clock });
    this.offlineCalls = new OfflineCalls({ db, typed: this.typedTickets });
  }

  handlers(): CallHandlers<QueueCall> {
    return {
      callNext: () => this.windowAction('callNext'),
      recall: () => this.windowAction('recall'),
      noShow: () => this.windowAction('noShow'),
      complete: () => this.windowAction('complete'),
      issueWalkIn: ({ lineId }) => this.issueWalkIn(lineId),
      serveTypedTicket: ({ number }) => this.serveTypedTicket(number),
    };
  }

  private async windowAction(action: WindowAction): Promise<ClerkState> {
    const { state, deps } = this;
    // Offline 叫号 calls this counter's walk-ins; a ticket called so is served here to the end (offline-calls.ts).
    if (action === 'callNext' ? state.connection.state === 'offline' : isOfflineCall(state.status?.current)) {
      return this.offlineWindowAction(action);
    }
    const client = state.requireClient();
    const windowId = state.windowId()!;
    const params = { id: windowId };
    let ticket: Ticket | null;
    if (action === 'callNext') {
      // A new citizen — but the one just served may still be rating: that
      // session runs on until answered or timed out (docs/ratings-and-queue.md).
      deps.ratings.nextCitizen();
      // The key makes a retry after a lost answer return the same ticket.
      const headers = { 'Idempotency-Key': randomUUID() };
      try {
        ticket = (await state.online(() => retryUnreachable(() => client.request('callNext', { params, headers })))).ticket;
      } catch (error) {
        // The link is gone (found out just now): the walk-ins printed here can still be called.
        if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return this.offlineWindowAction(action);
        throw error;
      }
      // A new citizen (or nobody): the last case leaves the outward screen.
      deps.cases.clearShown();
      if (ticket === null) {
        // Call-next also ended the ticket in hand, if there was one.
        state.setCurrent(null);
        deps.ratings.display('idle');
        throw new HallError('QUEUE_EMPTY', '暂无等候的群众，可稍后再叫号', 404);
      }
    } else {
      ticket = (await state.online(() => client.request(action, { params }))).ticket;
    }
    const entry: CallLogEntry = { at: state.clock().toISOString(), action, ticketNumber: ticket.number };
    state.store.appendCallLog(windowId, state.status?.clerk?.staffNo ?? null, entry);
    state.setCurrent(ticket.status === 'called' ? ticket : null);
    this.evaluatorFollows(action, ticket);
    return deps.clerkState();
  }

  /**
   * 叫号 / 重呼 / 过号 / 办结 without the hall server: 叫号 calls the next of
   * this counter's walk-ins (recorded with its mutation), the others act on
   * the ticket so called. Announced and rated like any call.
   */
  private offlineWindowAction(action: WindowAction): ClerkState {
    const { state, deps } = this;
    const clerk = state.requireClerk();
    const windowId = state.windowId()!;
    const at = state.clock().toISOString();
    const current = state.status?.current ?? null;
    let ticket: Ticket;
    if (action === 'callNext') {
      deps.ratings.nextCitizen();
      const lineIds = state.window()?.lineIds ?? [];
      const called = this.offlineCalls.callNext(deps.cases.today(), lineIds, { windowId, staffNo: clerk.staffNo });
      deps.cases.clearShown();
      if (called === null) {
        state.setCurrent(null);
        deps.ratings.display('idle');
        throw new HallError('QUEUE_EMPTY', NO_WALK_IN_TO_CALL, 404);
      }
      state.log.info('walk-in called offline', { number: called.number });
      ticket = called;
    } else if (current === null) {
      throw new HallError('NO_CURRENT_TICKET', '当前没有正在办理的号，请先叫号', 409);
    } else if (action === 'recall') {
      ticket = { ...current, recallCount: current.recallCount + 1 };
    } else if (action === 'complete') {
      ticket = { ...current, status: 'completed', endedAt: at };
    } else {
      throw new HallError(
        'CONFLICT',
        `${current.number} 是离线时叫的现场补号，已记为本窗口办理，不能过号：群众未到请直接按 F1 叫下一位`,
        409,
      );
    }
    state.store.appendCallLog(windowId, clerk.staffNo, { at, action, ticketNumber: ticket.number });
    state.setCurrent(ticket.status === 'called' ? ticket : null);
    this.evaluatorFollows(action, ticket);
    return deps.clerkState();
  }

  /**
   * The evaluator follows the window: serving once a number is called, idle
   * after a no-show; 办结 opens the rating session (the device goes back to
   * idle on its own when the session ends).
   */
  private evaluatorFollows(action: WindowAction, ticket: Ticket): void {
    const windowId = this.state.windowId();
    const clerk = this.state.status?.clerk;
    if (action === 'complete' && windowId !== null && clerk) {
      this.deps.ratings.completed({ windowId, staffNo: clerk.staffNo, ticket: { number: ticket.number, calledAt: ticket.calledAt } });
    } else if (action === 'callNext' || action === 'noShow') {
      this.deps.ratings.display(ticket.status === 'called' ? 'serving' : 'idle');
    }
  }

  /**
   * 现场补号: the next leased number, recorded with its mutation; online it
   * enters the hall queue at once (walkInTicket), whose answer is the slip's
   * 您前面还有 N 人; then its ticket is printed, with the ticket's QR. Offline
   * the outbox carries it into the queue on reconnect (server/walk-in-queue.ts).
   */
  private async issueWalkIn(lineId: string) {
    const { state, deps } = this;
    const context = state.caseContext();
    const line = state.config.lines.get(lineId);
    if (!line) throw new HallError('NOT_FOUND', `业务类型 ${lineId} 不存在，请选择本窗口办理的业务`, 404);
    const day = deps.cases.today();
    const issued = this.walkIns.issue(day, { lineId, windowId: context.windowId, staffNo: context.staffNo });
    state.log.info('walk-in issued', { number: issued.number, lineId });
    const entered = await this.enterHallQueue(issued, context);
    const printing = deps.devices.printing;
    if (printing) {
      try {
        printing.enqueue(
          'ticket',
          walkInTicket({
            hallName: state.hallName(),
            ticketNumber: issued.number,
            lineName: line.name,
            peopleAhead: entered?.ahead ?? null,
            issuedAt: issued.issuedAt,
            qrPayload: ticketLookupUrl(state.enrollment?.serverUrl ?? null, issued.day, issued.number),
          }),
          null,
        );
      } catch (error) {
        state.log.error('walk-in ticket not queued for printing', { number: issued.number, error: String(error) });
      }
    }
    if (state.connection.state === 'online') void this.topUpWalkIns();
    state.publish();
    return {
      number: issued.number,
      lineId,
      issuedAt: issued.issuedAt,
      remaining: this.walkIns.remaining(day),
      ahead: entered?.ahead ?? null,
    };
  }

  /** Online: the walk-in joins the hall queue now; null when that failed (the outbox still carries it). */
  private async enterHallQueue(issued: WalkInIssued, context: CaseContext): Promise<{ ahead: number } | null> {
    const { state } = this;
    if (state.connection.state !== 'online') return null;
    try {
      const client = state.requireClient();
      const body = { number: issued.number, day: issued.day, seq: issued.seq, lineId: issued.lineId, staffNo: context.staffNo, issuedAt: issued.issuedAt };
      const { ahead } = await state.online(() => client.request('walkInTicket', { params: { id: context.windowId }, body }));
      state.log.info('walk-in in the hall queue', { number: issued.number, ahead });
      return { ahead };
    } catch (error) {
      state.log.warn('walk-in not entered in the hall queue now; its record carries it on reconnect', { number: issued.number, error: String(error) });
      return null;
    }
  }

  /** 手动录入票号: a central ticket served while offline, recorded with its mutation. */
  private serveTypedTicket(typed: string) {
    const { state, deps } = this;
    if (state.connection.state === 'online') throw new HallError('CONFLICT', TYPED_TICKET_ONLINE, 409);
    const number = typedTicketNumber(typed);
    const context = state.caseContext();
    const served = this.typedTickets.serve(number, deps.cases.today(), { windowId: context.windowId, staffNo: context.staffNo });
    state.log.info('central ticket served offline', { number, servedAt: served.at });
    state.publish();
    return served;
  }

  /** While online: lease more walk-in numbers when fewer than WALK_IN_LOW_WATER remain today. */
  topUpWalkIns(): Promise<void> {
    const { state, deps } = this;
    return deps.link
      .coalesce('walk-ins', async () => {
        const windowId = state.windowId();
        if (windowId === null || state.closed) return;
        const day = deps.cases.today();
        // At most a few ranges a run: a range of another day (midnight on the server) ends it.
        for (let round = 0; round < 5 && this.walkIns.remaining(day) < WALK_IN_LOW_WATER && !state.closed; round++) {
          const lease = await state.requireClient().request('walkInLease', { params: { id: windowId } });
          this.walkIns.store(lease);
          state.log.info('walk-in numbers leased', { prefix: lease.prefix, from: lease.from, to: lease.to, day: lease.day });
          if (lease.day !== day) break;
        }
      })
      .catch((error: unknown) => state.log.warn('walk-in lease not topped up', { error: String(error) }));
  }
}

/** Retries a request whose answer may have been lost; only for idempotent calls. */
async function retryUnreachable<T>(request: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const retriable = error instanceof HallError && error.code === 'SERVER_UNREACHABLE';
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
    }
  }
}
