// 打印队列: the print jobs with their state, 重试 / 重新打印 and the preview.
import type { CallHandlers } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import type { PrintService } from './print-service.ts';

export type PrintCall = 'listPrintJobs' | 'retryPrintJob' | 'reprintJob' | 'previewPrintJob';

/** `printing`: the print queue of the printer in use; null when none is set up. */
export function printHandlers(printing: () => PrintService | null): CallHandlers<PrintCall> {
  const requirePrinting = (): PrintService => {
    const service = printing();
    if (!service) throw new HallError('NOT_FOUND', '本终端未配置打印机：请由大厅管理员在「设备设置」中设置打印机', 404);
    return service;
  };
  return {
    listPrintJobs: () => printing()?.view() ?? { printer: null, jobs: [] },
    retryPrintJob: ({ id }) => requirePrinting().retry(id),
    reprintJob: ({ id }) => requirePrinting().reprint(id),
    previewPrintJob: ({ id }) => requirePrinting().preview(id),
  };
}
