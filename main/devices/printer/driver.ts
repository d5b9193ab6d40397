// One attempt at one job, with a clear outcome. The driver owns the timing:
// it opens the link, asks the status (DLE EOT 1–4) before the job, refuses to
// send when the printer cannot print — a printer without paper keeps what it
// receives and prints it when paper is back, so a job sent then and retried
// later would come out twice —, sends, asks again, closes. Jobs run one at a
// time. Keeping refused and failed jobs, and retrying them, is the print
// queue's work: the driver never retries on its own.
import type { Logger } from '../../log.ts';
import { silentLogger } from '../../log.ts';
import { statusQuery, type StatusKind } from './escpos.ts';
import type { PrinterProfile } from './profile.ts';
import { isStatusByte, parseStatus, refusalReason, statusMessages, STATUS_MESSAGES, type PrinterStatus } from './status.ts';
import type { PrinterTransport } from './transport.ts';

export type PrintResult =
  | {
      outcome: 'printed';
      bytes: number;
      /** null: the link or the printer does not answer status queries. */
      statusBefore: PrinterStatus | null;
      statusAfter: PrinterStatus | null;
      /** For the clerk: paper near its end, paper ran out during the job… */
      warnings: string[];
    }
  | {
      /** Not sent: the job is exactly as it was and can be retried. */
      outcome: 'refused';
      status: PrinterStatus;
      message: string;
      messages: string[];
    }
  | {
      outcome: 'failed';
      message: string;
      /** The link failed while the job was being sent: part of it may have printed (check before retrying). */
      maybePrinted: boolean;
    };

export interface PrinterDriverOptions {
  /** Opens the link for one job (TCP, serial, USB — or a test's socket). */
  open: () => Promise<PrinterTransport>;
  profile: PrinterProfile;
  /** How long to wait for each status answer. Default 1000 ms. */
  statusTimeoutMs?: number;
  log?: Logger;
}

export const DURING_JOB = {
  paperOut: '打印过程中打印机缺纸：单据可能没有打完整。装纸后打印机会接着打，如有缺失请重打',
  coverOpen: '打印过程中打印机上盖被打开：单据可能没有打完整。合上上盖后请检查，如有缺失请重打',
  error: '打印过程中打印机报告故障：单据可能没有打完整。排除故障后请检查，如有缺失请重打',
} as const;

/** Asks DLE EOT 1–4; null when the printer does not answer the first. */
export async function queryStatus(transport: PrinterTransport, timeoutMs: number): Promise<PrinterStatus | null> {
  if (!transport.canRead) return null;
  await transport.read(0); // drop anything stale
  const answers: Partial<Record<StatusKind, number>> = {};
  for (const n of [1, 2, 3, 4] as const) {
    await transport.write(statusQuery(n));
    const deadline = Date.now() + timeoutMs;
    while (answers[n] === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const bytes = await transport.read(left);
      const answer = [...bytes].reverse().find(isStatusByte);
      if (answer !== undefined) answers[n] = answer;
    }
  }
  return parseStatus(answers as Record<StatusKind, number>);
}

export class PrinterDriver {
  private readonly options: PrinterDriverOptions;
  private readonly log: Logger;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: PrinterDriverOptions) {
    this.options = options;
    this.log = options.log ?? silentLogger;
  }

  private get statusTimeoutMs(): number {
    return this.options.statusTimeoutMs ?? 1000;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The printer's status now; null when it does not answer (or the link is one-way). Throws when it cannot be reached. */
  status(): Promise<PrinterStatus | null> {
    return this.serial(async () => {
      const transport = await this.options.open();
      try {
        return await queryStatus(transport, this.statusTimeoutMs);
      } finally {
        await transport.close();
      }
    });
  }

  /** Prints one job's bytes, once. */
  print(bytes: Uint8Array): Promise<PrintResult> {
    return this.serial(() => this.printNow(bytes));
  }

  private async printNow(bytes: Uint8Array): Promise<PrintResult> {
    let transport: PrinterTransport;
    try {
      transport = await this.options.open();
    } catch (error) {
      this.log.warn('printer unreachable', { error: (error as Error).message });
      return { outcome: 'failed', message: (error as Error).message, maybePrinted: false };
    }
    const asks = this.options.profile.statusQueries !== false;
    let writing = false;
    try {
      const before = asks ? await queryStatus(transport, this.statusTimeoutMs) : null;
      if (before) {
        const reason = refusalReason(before);
        if (reason) {
          this.log.info('print job refused', { printer: transport.description, status: before });
          return { outcome: 'refused', status: before, message: reason, messages: statusMessages(before) };
        }
      }
      writing = true;
      await transport.write(bytes);
      writing = false;
      const after = asks && before ? await queryStatus(transport, this.statusTimeoutMs) : null;
      const warnings: string[] = [];
      if (after?.paperOut) warnings.push(DURING_JOB.paperOut);
      else if (after?.coverOpen) warnings.push(DURING_JOB.coverOpen);
      else if (after?.error) warnings.push(DURING_JOB.error);
      else if (after?.paperNearEnd || before?.paperNearEnd) warnings.push(STATUS_MESSAGES.paperNearEnd);
      this.log.info('print job sent', { printer: transport.description, bytes: bytes.length });
      return { outcome: 'printed', bytes: bytes.length, statusBefore: before, statusAfter: after, warnings };
    } catch (error) {
      this.log.warn('print job failed', { printer: transport.description, error: (error as Error).message, whileSending: writing });
      return { outcome: 'failed', message: (error as Error).message, maybePrinted: writing };
    } finally {
      await transport.close().catch(() => undefined);
    }
  }
}
