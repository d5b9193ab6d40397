// DLE EOT status bytes → what the clerk is told (pure).
//
// Every answer byte has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0, which is
// how an answer is told apart from stray bytes.
//   n = 1 printer:       bit 3 offline
//   n = 2 offline cause: bit 2 cover open, bit 3 feed button, bit 5 stopped at paper end, bit 6 error
//   n = 3 error cause:   bit 3 auto-cutter error, bit 5 unrecoverable, bit 6 auto-recoverable (head hot)
//   n = 4 paper sensor:  bits 2–3 near end, bits 5–6 paper end
import type { StatusKind } from './escpos.ts';

export interface PrinterStatus {
  online: boolean;
  coverOpen: boolean;
  paperNearEnd: boolean;
  paperOut: boolean;
  /** Any error (cutter, unrecoverable, head overheated). */
  error: boolean;
  cutterError: boolean;
  unrecoverableError: boolean;
  /** Auto-recoverable, e.g. the head is too hot: it clears by itself. */
  recoverableError: boolean;
}

export function isStatusByte(byte: number): boolean {
  return (byte & 0x93) === 0x12;
}

/** The four answers (n = 1…4) as one status. */
export function parseStatus(answers: Readonly<Record<StatusKind, number>>): PrinterStatus {
  const printer = answers[1];
  const offline = answers[2];
  const error = answers[3];
  const paper = answers[4];
  const cutterError = (error & 0x08) !== 0;
  const unrecoverableError = (error & 0x20) !== 0;
  const recoverableError = (error & 0x40) !== 0;
  return {
    online: (printer & 0x08) === 0,
    coverOpen: (offline & 0x04) !== 0,
    paperOut: (paper & 0x60) !== 0 || (offline & 0x20) !== 0,
    paperNearEnd: (paper & 0x0c) !== 0,
    error: cutterError || unrecoverableError || recoverableError || (offline & 0x40) !== 0,
    cutterError,
    unrecoverableError,
    recoverableError,
  };
}

/** The answers a printer in this state gives (the simulator's side of parseStatus). */
export function statusBytes(status: PrinterStatus): Record<StatusKind, number> {
  return {
    1: 0x12 | (status.online ? 0 : 0x08),
    2: 0x12 | (status.coverOpen ? 0x04 : 0) | (status.paperOut ? 0x20 : 0) | (status.error ? 0x40 : 0),
    3: 0x12 | (status.cutterError ? 0x08 : 0) | (status.unrecoverableError ? 0x20 : 0) | (status.recoverableError ? 0x40 : 0),
    4: 0x12 | (status.paperNearEnd ? 0x0c : 0) | (status.paperOut ? 0x60 : 0),
  };
}

export const READY: PrinterStatus = {
  online: true,
  coverOpen: false,
  paperNearEnd: false,
  paperOut: false,
  error: false,
  cutterError: false,
  unrecoverableError: false,
  recoverableError: false,
};

export const STATUS_MESSAGES = {
  paperOut: '打印机缺纸：请装入热敏纸后点重试',
  coverOpen: '打印机上盖未关好：请合上上盖后点重试',
  cutterError: '打印机切刀故障：请打开上盖清除卡纸，合上后点重试',
  unrecoverableError: '打印机发生无法自动恢复的故障：请关闭打印机电源再打开，仍不行请联系运维',
  recoverableError: '打印头过热，打印机暂停中：请稍等一两分钟后点重试',
  error: '打印机报告故障：请检查打印机指示灯，排除后点重试',
  offline: '打印机处于脱机状态：请检查打印机电源和指示灯后点重试',
  paperNearEnd: '打印机纸卷快用完了：请尽快准备更换',
} as const;

/** Why a job must not be sent now, in words for the clerk; null when the printer can print. */
export function refusalReason(status: PrinterStatus): string | null {
  if (status.paperOut) return STATUS_MESSAGES.paperOut;
  if (status.coverOpen) return STATUS_MESSAGES.coverOpen;
  if (status.cutterError) return STATUS_MESSAGES.cutterError;
  if (status.unrecoverableError) return STATUS_MESSAGES.unrecoverableError;
  if (status.recoverableError) return STATUS_MESSAGES.recoverableError;
  if (status.error) return STATUS_MESSAGES.error;
  if (!status.online) return STATUS_MESSAGES.offline;
  return null;
}

/** Everything worth showing about the status (refusal reasons first, then warnings). */
export function statusMessages(status: PrinterStatus): string[] {
  const messages: string[] = [];
  if (status.paperOut) messages.push(STATUS_MESSAGES.paperOut);
  if (status.coverOpen) messages.push(STATUS_MESSAGES.coverOpen);
  if (status.cutterError) messages.push(STATUS_MESSAGES.cutterError);
  if (status.unrecoverableError) messages.push(STATUS_MESSAGES.unrecoverableError);
  if (status.recoverableError) messages.push(STATUS_MESSAGES.recoverableError);
  if (status.error && messages.length === 0) messages.push(STATUS_MESSAGES.error);
  if (!status.online && messages.length === 0) messages.push(STATUS_MESSAGES.offline);
  if (status.paperNearEnd && !status.paperOut) messages.push(STATUS_MESSAGES.paperNearEnd);
  return messages;
}
