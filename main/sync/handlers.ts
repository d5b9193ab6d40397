// 同步异常 (Alt+Y, issue 21): why this counter's records are not reaching the
// hall server and what to do, with its records the server rejected — for
// whoever is signed in, online or not; the hall-wide part (every counter's
// rejected records, ticket conflicts) for a manager online. Kinds and numbers,
// never a record's content.
//
// 登记丢失 (resolveSyncGap, a manager): records missing from this counter
// that the server never had block every record behind them. The manager
// records them as lost with a reason: a sync.gap_lost record (Outbox.recordLost)
// goes to the hall server, which keeps the range as lost, and pushing goes on.
// Never done by the counter on its own; logged with the manager's staff number.
import type { CallHandlers } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import {
  describeMutation,
  REJECTED_ADVICE,
  SYNC_ISSUES_HALL_MANAGERS_ONLY,
  SYNC_ISSUES_HALL_OFFLINE,
  SYNC_ISSUES_LIMIT,
  SYNC_ISSUES_MANAGERS_ONLY,
  type IntegrityFinding,
  type SyncIssuesView,
  type SyncStuck,
} from '../../common/sync-issues.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { Outbox } from '../store/outbox.ts';
import type { Pusher } from './pusher.ts';

export type SyncCall = 'listSyncIssues' | 'resolveSyncGap';

export { REJECTED_ADVICE };

export function syncHandlers(deps: {
  state: CounterState;
  outbox: Outbox;
  pusher: Pusher;
  /** The start-up check's findings (main/sync/self-check.ts). */
  integrity?: () => IntegrityFinding[];
}): CallHandlers<SyncCall> {
  const { state, outbox, pusher } = deps;
  const integrity = deps.integrity ?? (() => []);

  function stuck(): SyncStuck | null {
    const status = pusher.status();
    if (status.phase === 'blocked' && status.issue) {
      const gap = status.gap ?? null;
      return {
        message: status.issue,
        advice: gap
          ? '这些记录已无法找回。请大厅管理员先核对缺失的是哪些业务（按序号对照大厅服务器和纸质凭条），再点「登记丢失」写明原因；登记会发送到大厅服务器并留档，其后的记录随即继续上传。'
          : '记录仍保存在本机。请检查大厅服务器的版本与本终端的注册信息，恢复后重启本终端或重新连接即会重传；如持续出现请联系大厅管理员。',
        gap: gap ? { fromSeq: gap.fromSeq, toSeq: gap.toSeq, waiting: gap.waiting } : null,
      };
    }
    if (status.phase === 'waiting' && status.issue) {
      return { message: status.issue, advice: '本终端会自动重试，记录仍保存在本机，无需处理；长时间不恢复请联系大厅管理员。', gap: null };
    }
    return null;
  }

  async function view(): Promise<SyncIssuesView> {
    const local = outbox.rejected(SYNC_ISSUES_LIMIT).map((entry) => ({
      seq: entry.seq,
      name: entry.name,
      ...describeMutation(entry.name, entry.args),
      at: entry.at,
      reason: entry.reason,
    }));
    const base = { windowId: state.windowId(), stuck: stuck(), unsent: outbox.unsentCount(), integrity: integrity(), local };
    const clerk = state.status?.clerk ?? null;
    if (!clerk || clerk.role !== 'manager') return { ...base, hall: null, hallNote: SYNC_ISSUES_HALL_MANAGERS_ONLY };
    if (state.connection.state === 'offline' || !state.enrollment) return { ...base, hall: null, hallNote: SYNC_ISSUES_HALL_OFFLINE };
    try {
      const client = state.requireClient();
      const hall = await state.online(() => client.request('syncIssues', { query: { limit: SYNC_ISSUES_LIMIT } }));
      return { ...base, hall, hallNote: null };
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') {
        return { ...base, hall: null, hallNote: SYNC_ISSUES_HALL_OFFLINE };
      }
      throw error;
    }
  }

  return {
    listSyncIssues: () => view(),

    async resolveSyncGap({ fromSeq, toSeq, reason }) {
      const manager = state.requireManager(SYNC_ISSUES_MANAGERS_ONLY);
      const gap = pusher.status().gap ?? null;
      if (!gap || gap.fromSeq !== fromSeq || gap.toSeq !== toSeq) {
        throw new HallError(
          'CONFLICT',
          gap
            ? `缺失的是第 ${gap.fromSeq}–${gap.toSeq} 条记录，与要登记的范围不符；请刷新后重新登记`
            : '本机现在没有缺失的记录需要登记（可能已登记或已恢复上传），请刷新同步异常',
          409,
        );
      }
      try {
        outbox.recordLost(gap, {
          reason,
          staffNo: manager.staffNo,
          windowId: state.windowId(),
          recordedAt: state.clock().toISOString(),
        });
      } catch (error) {
        state.log.error('recording a sync gap as lost failed', { fromSeq, toSeq, error: String(error) });
        throw new HallError('CONFLICT', '本机记录已变化，无法按此范围登记丢失；请刷新同步异常后重试', 409);
      }
      state.log.warn('sync gap recorded as lost by a manager', { fromSeq, toSeq, staffNo: manager.staffNo });
      pusher.linkUp();
      return view();
    },
  };
}
