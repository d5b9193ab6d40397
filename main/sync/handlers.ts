// 同步异常 (a manager, online only): what the hall server refused, from this
// counter (its rejected outbox rows) and hall-wide. Kinds and numbers, never a
// record's content.
import type { CallHandlers } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import { describeMutation, SYNC_ISSUES_LIMIT, SYNC_ISSUES_OFFLINE } from '../../common/sync-issues.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { Outbox } from '../store/outbox.ts';

export type SyncCall = 'listSyncIssues';

export function syncHandlers(deps: { state: CounterState; outbox: Outbox }): CallHandlers<SyncCall> {
  const { state, outbox } = deps;
  return {
    async listSyncIssues() {
      const client = state.requireClient();
      const offline = () => new HallError('SERVER_UNREACHABLE', SYNC_ISSUES_OFFLINE, 503);
      if (state.connection.state === 'offline') throw offline();
      let hall;
      try {
        hall = await state.online(() => client.request('syncIssues', { query: { limit: SYNC_ISSUES_LIMIT } }));
      } catch (error) {
        if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') throw offline();
        throw error;
      }
      const local = outbox.rejected(SYNC_ISSUES_LIMIT).map((entry) => ({
        seq: entry.seq,
        name: entry.name,
        ...describeMutation(entry.name, entry.args),
        at: entry.at,
        reason: entry.reason,
      }));
      return { windowId: state.windowId(), local, hall };
    },
  };
}
