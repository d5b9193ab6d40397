// What the hall server's public pages share — the pages a QR code on paper
// opens without a token: 办件进度查询 (server/case-progress.ts) and 排队进度查询
// (server/ticket-progress.ts). Each answer is a small self-contained zh-CN
// page (inline CSS, no script) with a strict CSP; malformed input gets a page
// of its own, never JSON.
//
// Guessing numbers is limited per caller address: `perMinute` lookups in any
// minute, then 429 with the time to retry. The count is kept in memory (a
// restart forgets it; a lookup changes nothing, so nothing is lost by that but
// a minute of guessing), at most MAX_TRACKED_ADDRESSES addresses at once (the
// longest-idle is dropped first).
import { hallDateTimeAt } from '../common/calendar.ts';

/** The pages' own headers (besides the server's nosniff, frame and referrer headers): styles inline, nothing else. */
export const PUBLIC_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
export const LOOKUPS_PER_MINUTE = 30;
const LOOKUP_WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

export interface PublicPage {
  status: 200 | 400 | 404 | 429;
  html: string;
  /** For 429: seconds until the next lookup is allowed. */
  retryAfterSeconds?: number;
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface PublicPagesOptions {
  /** The page's title and heading, e.g. 办件进度查询. */
  title: string;
  /** The page's CSS (inline). */
  style: string;
  clock: () => Date;
  perMinute?: number;
}

export function createPublicPages({ title, style, clock, perMinute = LOOKUPS_PER_MINUTE }: PublicPagesOptions) {
  /** Per address: the times of its lookups in the last minute, oldest first. */
  const lookups = new Map<string, number[]>();

  /** Counts a lookup from `address`; the ms to wait when it is one too many. */
  function waitFor(address: string): number {
    const now = clock().getTime();
    const recent = (lookups.get(address) ?? []).filter((at) => at > now - LOOKUP_WINDOW_MS);
    lookups.delete(address); // re-inserted last: the map stays in order of last use
    if (recent.length >= perMinute) {
      lookups.set(address, recent);
      return recent[0]! + LOOKUP_WINDOW_MS - now;
    }
    recent.push(now);
    lookups.set(address, recent);
    while (lookups.size > MAX_TRACKED_ADDRESSES) lookups.delete(lookups.keys().next().value!);
    return 0;
  }

  /** The whole page around `body`; `heading` is the hall's name (or null). */
  function page(heading: string | null, body: string): string {
    const hall = heading ? `<div class="hall">${escapeHtml(heading)}</div>` : '';
    return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<header>${hall}<h1>${escapeHtml(title)}</h1></header>
<main>${body}</main>
</body>
</html>
`;
  }

  /** A page that says what went wrong (`heading` line) and what to do (`lines`). */
  function message(heading: string | null, what: string, lines: readonly string[]): string {
    const text = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('');
    return page(heading, `<section class="status stop"><div class="value">${escapeHtml(what)}</div>${text}</section>`);
  }

  return {
    page,
    message,
    /** The 429 page when `address` has looked up too often this minute, else null (the lookup is counted). */
    refuseIfTooMany(heading: string | null, address: string): PublicPage | null {
      const wait = waitFor(address.slice(0, 64));
      if (wait <= 0) return null;
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      const at = hallDateTimeAt(new Date(clock().getTime() + seconds * 1000)).slice(11, 16);
      return {
        status: 429,
        retryAfterSeconds: seconds,
        html: message(heading, '查询过于频繁', [
          `同一网络每分钟最多查询 ${perMinute} 次。请约 ${seconds} 秒后（${at} 以后）再试。`,
          '如需帮助，请咨询大厅服务台。',
        ]),
      };
    },
  };
}
