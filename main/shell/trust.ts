// Who may talk to the counter core, as pure functions (no 'electron' import,
// so plain-Node tests can load this file). The shell answers a renderer's
// call only when it comes from the top frame of one of our two windows, and
// that frame shows a page of our own app://halldesk origin. The screen role
// comes from which window sent the call — never from the message.
import type { Reply } from '../../common/contract.ts';
import type { ScreenRole } from '../../common/ipc-names.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'halldesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export const PAGES: Record<ScreenRole, string> = { clerk: 'clerk.html', outward: 'outward.html' };
export const pageUrl = (role: ScreenRole): string => `${APP_ORIGIN}/${PAGES[role]}`;

/**
 * True for URLs of our own origin: scheme `app:`, host `halldesk`, no user,
 * password or port. Node's URL treats `app:` as non-special, so `origin`
 * reads "null" there; compare the parts instead.
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname.toLowerCase() === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** A frame may call the core only when it is a top frame showing our own origin. */
export function isTrustedSender(frameUrl: string | null | undefined, isTopFrame: boolean): boolean {
  return isTopFrame === true && isAppUrl(frameUrl);
}

export interface SenderFacts {
  /** The role of the window whose webContents sent the message; null when it is none of ours. */
  windowRole: ScreenRole | null;
  /** The sending frame's URL; null when the frame is gone (navigated or destroyed). */
  frameUrl: string | null;
  /** The sending frame is its window's main frame (no parent). */
  isTopFrame: boolean;
}

/** The screen role a call runs with, or null to refuse it. */
export function senderRole(facts: SenderFacts): ScreenRole | null {
  if (facts.windowRole !== 'clerk' && facts.windowRole !== 'outward') return null;
  return isTrustedSender(facts.frameUrl, facts.isTopFrame) ? facts.windowRole : null;
}

export const FORBIDDEN_SENDER: Reply = {
  ok: false,
  error: { code: 'FORBIDDEN', message: '拒绝请求：调用不是来自本终端的工作台或对外屏页面。请重启 HallDesk；如反复出现请联系管理员' },
};

/** Navigation stays inside our own origin; everything else is refused. */
export const isAllowedNavigation = (url: string): boolean => isAppUrl(url);
