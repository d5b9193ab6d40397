// 管理台 at a counter (issue 17): 大厅总览, 办件查询 and 查阅记录 are the hall
// server's (every window's state, every window's cases), so each call goes
// there, online only; the manager rule is the contract's here and the
// server's again (403 unless a manager is signed in at this counter's window).
// getHallOverview is a long poll: with the version the screen holds, the
// server answers on the next change anywhere in the hall (at most
// OVERVIEW_WAIT_MS later, then with overview null) — the screen asks again at
// once, so a change shows within the server's 150 ms batching.
import type { CallHandlers, CallInput } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { CounterState } from '../core/counter-state.ts';

export type ManagerDeskCall = 'getHallOverview' | 'searchCases' | 'openCaseRecord' | 'listCaseAudit';

/** Well inside the screens' 20 s call timeout (renderer/transport.ts). */
export const OVERVIEW_WAIT_MS = 10_000;
export const DESK_OFFLINE = (what: string) =>
  `${what}由大厅服务器提供全大厅的数据，当前连接不上服务器；请恢复网络后再查看`;

/** The defined values of a query, as the route's query string takes them. */
function queryOf(args: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(args).filter((entry): entry is [string, string | number] => entry[1] !== undefined));
}

export function managerDeskHandlers({ state }: { state: CounterState }): CallHandlers<ManagerDeskCall> {
  async function online<T>(what: string, request: () => Promise<T>): Promise<T> {
    if (state.connection.state === 'offline') throw new HallError('SERVER_UNREACHABLE', DESK_OFFLINE(what), 503);
    try {
      return await state.online(request);
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
        throw new HallError('SERVER_UNREACHABLE', DESK_OFFLINE(what), 503);
      }
      throw error;
    }
  }
  return {
    getHallOverview: async ({ since }) => {
      const waitMs = since === undefined ? 0 : OVERVIEW_WAIT_MS;
      if (state.connection.state === 'offline') throw new HallError('SERVER_UNREACHABLE', DESK_OFFLINE('大厅总览'), 503);
      // Not through state.online: a long poll that outlives its time on a loaded server is no sign the link is down
      // (the live link's own heartbeat says that); the screen just asks again.
      try {
        return await state.requireClient().request('hallOverview', { query: queryOf({ since, waitMs }), timeoutMs: waitMs + 5_000 });
      } catch (error) {
        if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
          throw new HallError('SERVER_UNREACHABLE', DESK_OFFLINE('大厅总览'), 503);
        }
        throw error;
      }
    },
    searchCases: (args: CallInput<'searchCases'>) =>
      online('办件查询', () => state.requireClient().request('searchCases', { query: queryOf(args) })),
    openCaseRecord: ({ caseNo }) =>
      online('办件查询', () => state.requireClient().request('openCaseRecord', { params: { caseNo } })),
    listCaseAudit: (args) => online('查阅记录', () => state.requireClient().request('caseAudit', { query: queryOf(args) })),
  };
}
