// The print queue as the clerk sees it (contract shapes; main/printing/ owns the queue).
import { z } from 'zod';

export const PrintJobKind = z.enum(['ticket', 'receipt', 'notice', 'refusal']);
export type PrintJobKind = z.infer<typeof PrintJobKind>;

/**
 * queued: waiting for its turn; printing: being sent now; printed: the printer
 * took it; refused: not sent, the printer could not print (no paper, cover
 * open…) — safe to retry; failed: the link failed — when maybePrinted, part of
 * it may have come out and the clerk decides (重新打印), never automatically.
 */
export const PrintJobState = z.enum(['queued', 'printing', 'printed', 'failed', 'refused']);
export type PrintJobState = z.infer<typeof PrintJobState>;

export const PrintJob = z.object({
  id: z.number().int().positive(),
  kind: PrintJobKind,
  title: z.string(),
  caseNo: z.string().nullable(),
  state: PrintJobState,
  attempts: z.number().int().nonnegative(),
  /** Why the last attempt did not print, in Chinese, with what to do; null when none failed. */
  lastError: z.string().nullable(),
  maybePrinted: z.boolean(),
  createdAt: z.string(),
  printedAt: z.string().nullable(),
  /** A reprint: the job it copies. */
  reprintOf: z.number().int().positive().nullable(),
});
export type PrintJob = z.infer<typeof PrintJob>;

/** The printer as the status bar shows it; null in ClerkState when no printer is configured. */
export const PrinterState = z.object({
  /** ok: green; warning: amber (e.g. paper near its end); error: red (cannot print now). */
  level: z.enum(['ok', 'warning', 'error']),
  /** What is wrong and what to do, in Chinese; null when all is well. */
  message: z.string().nullable(),
  /** Jobs not printed yet (queued, printing, refused, failed). */
  waiting: z.number().int().nonnegative(),
  /** e.g. 网络打印机 127.0.0.1:9100 */
  description: z.string(),
});
export type PrinterState = z.infer<typeof PrinterState>;

export const PrintQueueView = z.object({
  printer: PrinterState.nullable(),
  /** Newest first: everything not printed, and the latest printed ones. */
  jobs: z.array(PrintJob),
});
export type PrintQueueView = z.infer<typeof PrintQueueView>;

export const PRINT_JOB_KIND_TEXT: Record<PrintJobKind, string> = {
  ticket: '排队号',
  receipt: '受理回执',
  notice: '一次性告知书',
  refusal: '不予受理通知书',
};

export const PRINT_JOB_STATE_TEXT: Record<PrintJobState, string> = {
  queued: '排队中',
  printing: '打印中',
  printed: '已打印',
  refused: '未打印',
  failed: '打印失败',
};
