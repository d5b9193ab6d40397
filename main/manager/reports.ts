// 统计报表 at a counter (issue 17): a hall manager signed in here reads the
// hall server's 好差评 and workload reports and exports them as .xlsx. Online
// only — the figures are the whole hall's, and only the server has them; the
// manager rule is the contract's here (manager: '统计报表') and the server's
// again (403 unless a manager is signed in at this counter's window). The
// .xlsx is the server's, handed to the screen as it came (base64) to be saved
// as a download, as 导出设备设置 hands its file.
import type { CallHandlers, CallInput } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { CounterState } from '../core/counter-state.ts';

export type ReportCall = 'getRatingReport' | 'getWorkloadReport' | 'exportReport';

export const REPORTS_OFFLINE = '统计报表由大厅服务器汇总全大厅的数据，当前连接不上服务器；请恢复网络后再查看或导出';
/** A quarter over a big hall takes the server a few seconds; an export a few more. */
const REPORT_TIMEOUT_MS = 60_000;

const query = (args: CallInput<'getRatingReport'>): Record<string, string | number> => ({
  from: args.from,
  to: args.to,
  ...(args.windowId === undefined ? {} : { windowId: args.windowId }),
  ...(args.staffNo === undefined ? {} : { staffNo: args.staffNo }),
});

export function reportHandlers({ state }: { state: CounterState }): CallHandlers<ReportCall> {
  async function online<T>(request: () => Promise<T>): Promise<T> {
    if (state.connection.state === 'offline') throw new HallError('SERVER_UNREACHABLE', REPORTS_OFFLINE, 503);
    try {
      return await state.online(request);
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') throw new HallError('SERVER_UNREACHABLE', REPORTS_OFFLINE, 503);
      throw error;
    }
  }
  return {
    getRatingReport: (args) =>
      online(() => state.requireClient().request('ratingReport', { query: query(args), timeoutMs: REPORT_TIMEOUT_MS })),
    getWorkloadReport: (args) =>
      online(() => state.requireClient().request('workloadReport', { query: query(args), timeoutMs: REPORT_TIMEOUT_MS })),
    exportReport: (args) =>
      online(() => state.requireClient().request('reportWorkbook', { query: query(args), timeoutMs: REPORT_TIMEOUT_MS })),
  };
}
