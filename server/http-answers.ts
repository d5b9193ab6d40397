// How the hall server answers a request: JSON (every refusal `{ code, message }`
// in Chinese), a page for people (the public progress pages, under their strict
// CSP), or an error turned into one of those — with the headers every answer
// carries. Shared by the front server (server/hall-server.ts) and each hall's
// routes (server/hall-service.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HallError, type ApiError } from '../common/errors.ts';
import { PUBLIC_PAGE_CSP, type PublicPage } from './public-page.ts';
import { HallDatabaseUnavailable } from './storage/hall-database.ts';

/** Every answer: no sniffing a JSON answer into something else, never framed, nothing loaded from it. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

/** Where answers are logged from, and what time it is. */
export interface Answering {
  clock: () => Date;
  log: (line: string) => void;
}

export function sendJson(
  { clock }: Answering,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  retryAt?: string,
): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
  };
  if (retryAt !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((Date.parse(retryAt) - clock().getTime()) / 1000)));
  }
  // The rest of a body not (fully) read is not worth reading: drop the connection after the answer.
  if (status === 413 || !req.complete) headers.connection = 'close';
  res.writeHead(status, headers).end(JSON.stringify(value));
}

/** A page for people: HTML with a strict CSP (inline styles, nothing else), never cached. */
export function sendPage(req: IncomingMessage, res: ServerResponse, page: PublicPage): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    'content-security-policy': PUBLIC_PAGE_CSP,
    'x-robots-tag': 'noindex, nofollow',
  };
  if (page.retryAfterSeconds !== undefined) headers['retry-after'] = String(page.retryAfterSeconds);
  if (!req.complete) headers.connection = 'close';
  res.writeHead(page.status, headers).end(page.html);
}

export function sendError(answering: Answering, req: IncomingMessage, res: ServerResponse, pathname: string, error: unknown): void {
  const { clock, log } = answering;
  if (error instanceof HallError) return sendJson(answering, req, res, error.status, error.toJSON(), error.details.retryAt);
  if (error instanceof HallDatabaseUnavailable) {
    // The counter takes this as the hall being out of reach: it works offline-first and syncs once it answers again.
    log(JSON.stringify({ at: clock().toISOString(), level: 'error', path: pathname.slice(0, 200), error: error.message }));
    const unavailable: ApiError = {
      code: 'SERVER_UNREACHABLE',
      message: '大厅数据库暂时无法访问：柜台按离线方式继续办理，恢复后自动同步；如持续出现请联系大厅管理员',
    };
    return sendJson(answering, req, res, 503, unavailable);
  }
  log(JSON.stringify({ at: clock().toISOString(), level: 'error', path: pathname.slice(0, 200), error: String(error) }));
  const internal: ApiError = {
    code: 'INTERNAL',
    message: '服务器内部错误，请稍后重试；如反复出现请联系大厅管理员',
  };
  sendJson(answering, req, res, 500, internal);
}
