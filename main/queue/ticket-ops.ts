// The queue routine beyond 叫号 at the window (issue 14): 转窗/转业务, 挂起,
// 叫指定号/回呼, 暂停服务 with a reason and 恢复服务, 预约签到, 优先. Each is
// answered by the hall server (server/ticket-ops.ts), which alone knows who
// holds a ticket: done offline, two windows could serve one citizen, so each
// is refused offline with the reason and what to do instead (the screen lock,
// Alt+L, still pauses offline; 现场补号 still issues numbers). A request whose
// answer was lost is retried with the same Idempotency-Key.
import { randomUUID } from 'node:crypto';
import type { CallHandlers, CallLogEntry, ClerkState } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { RouteName, RouteResponse } from '../../common/http-api.ts';
import type { Ticket } from '../../common/model.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { RatingService } from '../ratings/rating-service.ts';

export type TicketOpsCall =
  | 'transferTicket'
  | 'parkTicket'
  | 'callTicket'
  | 'pauseWindow'
  | 'resumeWindow'
  | 'checkInAppointment'
  | 'setTicketPriority'
  | 'getQueueBoard';

/** What each needs the server for, said when the counter is offline. */
const OFFLINE_REASON: Record<TicketOpsCall, string> = {
  transferTicket: '转窗需要大厅服务器确认（号转给哪个窗口、排在哪里），当前连接不上服务器，不能转；请恢复网络后再转，或请群众到咨询台',
  parkTicket: '挂起需要告知大厅服务器（回呼时由服务器确认该号没有被其他窗口叫走），当前连接不上服务器；请先继续办理或办结',
  callTicket: '叫指定号需要大厅服务器确认该号没有被其他窗口叫走，当前连接不上服务器；离线时请用「手动录入票号」（Alt+M）办理群众手中的号',
  pauseWindow: '带原因的暂停服务需要告知大厅服务器，当前连接不上服务器；离线时请按 Alt+L 锁屏暂停（外屏显示暂停服务）',
  resumeWindow: '恢复服务需要告知大厅服务器，当前连接不上服务器；请恢复网络后再试',
  checkInAppointment: '预约签到需要大厅服务器核对预约，当前连接不上服务器；请群众到取号机取号，或用「现场补号」（Alt+W）',
  setTicketPriority: '调整优先需要大厅服务器（排队在服务器上），当前连接不上服务器；请恢复网络后再试',
  getQueueBoard: '查看全大厅的排队、挂起和过号需要连接大厅服务器，当前连接不上服务器；请恢复网络后再试',
};

export interface TicketOpsDeps {
  state: CounterState;
  cases: CaseService;
  ratings: RatingService;
  clerkState: () => ClerkState;
}

export class TicketOps {
  private readonly deps: TicketOpsDeps;

  constructor(deps: TicketOpsDeps) {
    this.deps = deps;
  }

  handlers(): CallHandlers<TicketOpsCall> {
    return {
      transferTicket: async ({ number, to, place }) => {
        const { ticket } = await this.request('transferTicket', 'transferTicket', { number, to, place });
        const current = this.deps.state.status?.current;
        if (current?.id === ticket.id) this.leftWindow();
        this.log('transfer', ticket.number);
        this.deps.state.log.info('ticket transferred', { number: ticket.number, to, place });
        return this.deps.clerkState();
      },
      parkTicket: async () => {
        const { ticket } = await this.request('parkTicket', 'parkTicket', undefined);
        this.leftWindow();
        this.log('park', ticket.number);
        return this.deps.clerkState();
      },
      callTicket: async ({ number }) => {
        const { state, ratings, cases } = this.deps;
        const before = state.status?.current ?? null;
        // A new citizen, as with 叫号: a rating still open runs on (docs/ratings-and-queue.md).
        if (before?.number !== number) ratings.nextCitizen();
        const { ticket } = await this.request('callTicket', 'callTicket', { number });
        if (before && before.id !== ticket.id) this.log('complete', before.number);
        cases.clearShown();
        this.log('callTicket', ticket.number);
        state.setCurrent(ticket);
        ratings.display('serving');
        state.publish();
        return this.deps.clerkState();
      },
      pauseWindow: async (request) => {
        const { pause } = await this.request('pauseWindow', 'pauseWindow', request);
        this.setPause(pause);
        this.deps.ratings.display('paused');
        return this.deps.clerkState();
      },
      resumeWindow: async () => {
        await this.request('resumeWindow', 'resumeWindow', undefined);
        this.setPause(null);
        this.deps.ratings.display('idle');
        return this.deps.clerkState();
      },
      checkInAppointment: async (request) => {
        const result = await this.request('checkInAppointment', 'checkInAppointment', request);
        // Never the ID number in the log: the appointment code identifies it.
        this.deps.state.log.info('appointment checked in', { code: result.appointment.code, number: result.ticket.number });
        return {
          number: result.ticket.number,
          lineId: result.ticket.lineId,
          ahead: result.ahead,
          onTime: result.appointment.onTime,
          slot: `${result.appointment.slotStart}–${result.appointment.slotEnd}`,
        };
      },
      setTicketPriority: async ({ number, priority }) => {
        const { ticket } = await this.request('setTicketPriority', 'setTicketPriority', { number, priority });
        return ticket;
      },
      getQueueBoard: () => this.online('getQueueBoard', () => this.deps.state.requireClient().request('queueBoard')),
    };
  }

  /** One of the window's routes, with a fresh Idempotency-Key kept across retries of a lost answer. */
  private request<R extends RouteName>(call: TicketOpsCall, route: R, body: unknown): Promise<RouteResponse<R>> {
    const { state } = this.deps;
    const client = state.requireClient();
    const windowId = state.windowId();
    if (windowId === null) throw new HallError('NOT_ENROLLED', '本终端没有绑定窗口，请联系管理员', 409);
    const headers = { 'Idempotency-Key': randomUUID() };
    const options = { params: { id: windowId }, headers, ...(body === undefined ? {} : { body }) };
    return this.online(call, () => retryUnreachable(() => client.request(route, options)));
  }

  /** Refused at once offline (with what to do instead); a request that finds the server gone says so too. */
  private async online<T>(call: TicketOpsCall, request: () => Promise<T>): Promise<T> {
    const { state } = this.deps;
    if (state.connection.state === 'offline') throw new HallError('SERVER_UNREACHABLE', OFFLINE_REASON[call], 503);
    try {
      return await state.online(request);
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
        throw new HallError('SERVER_UNREACHABLE', OFFLINE_REASON[call], 503);
      }
      throw error;
    }
  }

  /** The ticket in hand left the window (挂起, 转窗): nobody is served now. */
  private leftWindow(): void {
    const { state, ratings, cases } = this.deps;
    state.setCurrent(null);
    cases.clearShown();
    ratings.display('idle');
    state.publish();
  }

  private setPause(pause: NonNullable<ClerkState['pause']> | null): void {
    const { state } = this.deps;
    if (state.status) state.setStatus({ ...state.status, pause });
    state.publish();
  }

  private log(action: CallLogEntry['action'], ticketNumber: Ticket['number']): void {
    const { state } = this.deps;
    const windowId = state.windowId();
    if (windowId === null) return;
    state.store.appendCallLog(windowId, state.status?.clerk?.staffNo ?? null, {
      at: state.clock().toISOString(),
      action,
      ticketNumber,
    });
  }
}

/** Retries a request whose answer may have been lost; the key makes it safe. */
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
