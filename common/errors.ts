// Stable error codes shared by the hall server, the counter core and the UI.
// `message` is always zh-CN and says what happened and what to do.
import { z } from 'zod';
// zod's own messages (参数不正确：…) in Chinese wherever errors are formatted.
import './zod-zh.ts';

export const ErrorCode = z.enum([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'ENROLLMENT_CODE_INVALID',
  'SIGN_IN_FAILED',
  /**
   * 429: sign-in refused before the password is checked: too many wrong
   * passwords for this staff number (or from this device / address), or too
   * many attempts at once. `retryAt` says when to try again; a hall manager can unlock.
   */
  'SIGN_IN_LOCKED',
  /** 421: the request named a host (Host header) the hall server was not told it is reachable at. */
  'HOST_NOT_ALLOWED',
  'NOT_ENROLLED',
  'NOT_SIGNED_IN',
  'NO_CURRENT_TICKET',
  /** 叫号 found nobody waiting: news for the clerk, not a fault. */
  'QUEUE_EMPTY',
  'RECALLS_REQUIRED',
  /** 暂停服务: the clerk's screen is locked; only unlocking (or signing out) goes through. */
  'SCREEN_LOCKED',
  'SERVER_UNREACHABLE',
  /** 429 / 503: the server asks the caller to come back later (see Retry-After). */
  'BUSY',
  'SERVER_ERROR',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Push refused for a gap (409): the last seq the server holds for the device; resend from the next one. */
  lastSeq: z.number().int().nonnegative().optional(),
  /** With lastSeq: the hash of that record as the server holds it (a gap is recorded as lost after it). */
  lastHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** SIGN_IN_LOCKED (429): when sign-in is accepted again (ISO time; also in Retry-After). */
  retryAt: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export interface HallErrorDetails {
  /** See ApiError.lastSeq. */
  lastSeq?: number;
  /** See ApiError.lastHash. */
  lastHash?: string;
  /** From the Retry-After header of a 429 / 503 answer (client side only). */
  retryAfterMs?: number;
  /** See ApiError.retryAt. */
  retryAt?: string;
}

/** An error that carries a stable code and a clerk-readable message. */
export class HallError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: HallErrorDetails;
  constructor(code: ErrorCode, message: string, status = 400, details: HallErrorDetails = {}) {
    super(message);
    this.name = 'HallError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
  toJSON(): ApiError {
    const json: ApiError = { code: this.code, message: this.message };
    if (this.details.lastSeq !== undefined) json.lastSeq = this.details.lastSeq;
    if (this.details.lastHash !== undefined) json.lastHash = this.details.lastHash;
    if (this.details.retryAt !== undefined) json.retryAt = this.details.retryAt;
    return json;
  }
}

/** Formats zod issues as one short zh-CN line for the person who sent them. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(整体)'}：${issue.message}`)
    .join('；');
}

/** What a staff member who is not a hall manager is told about a manager's feature (设备设置, 同步异常, 差评回访). */
export const managerOnlyMessage = (feature: string): string => `${feature}仅限大厅管理员使用，请由管理员登录后操作`;
