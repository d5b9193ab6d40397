// The Electron shell's sender and navigation checks, as pure functions
// (main/shell/trust.ts does not import 'electron').
import { describe, expect, it } from 'vitest';
import { autoEnrollFromEnv } from '../../main/shell/launch-env.ts';
import {
  APP_ORIGIN,
  FORBIDDEN_SENDER,
  isAllowedNavigation,
  isAppUrl,
  isTrustedSender,
  pageUrl,
  senderRole,
} from '../../main/shell/trust.ts';

describe('isAppUrl', () => {
  it.each([
    'app://halldesk/clerk.html',
    'app://halldesk/outward.html?x=1#top',
    'app://halldesk/',
    'APP://HallDesk/clerk.html',
  ])('accepts our own origin: %s', (url) => {
    expect(isAppUrl(url)).toBe(true);
  });

  it.each([
    'app://halldesk.evil.example/clerk.html',
    'app://evil/clerk.html',
    'app://user@halldesk/clerk.html',
    'app://user:pw@halldesk/clerk.html',
    'app://halldesk:8080/clerk.html',
    'app:halldesk/clerk.html',
    'app:///halldesk/clerk.html',
    'https://halldesk/clerk.html',
    'http://127.0.0.1:5173/clerk.html',
    'file:///opt/halldesk/out/renderer/clerk.html',
    'about:blank',
    'data:text/html,<script>1</script>',
    'devtools://devtools/bundled/inspector.html',
    'javascript:alert(1)',
    'not a url',
    '',
  ])('refuses anything else: %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });

  it('refuses missing URLs', () => {
    expect(isAppUrl(null)).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('trusts the top frame of our own page', () => {
    expect(isTrustedSender('app://halldesk/clerk.html', true)).toBe(true);
  });

  it('refuses a subframe, even of our own origin', () => {
    expect(isTrustedSender('app://halldesk/clerk.html', false)).toBe(false);
  });

  it('refuses a top frame that shows anything else', () => {
    expect(isTrustedSender('https://example.com/', true)).toBe(false);
    expect(isTrustedSender('about:blank', true)).toBe(false);
    expect(isTrustedSender(null, true)).toBe(false);
  });
});

describe('senderRole', () => {
  const trusted = { frameUrl: 'app://halldesk/outward.html', isTopFrame: true };

  it('takes the role from the window that sent the call', () => {
    expect(senderRole({ ...trusted, windowRole: 'outward' })).toBe('outward');
    // The page's URL does not decide the role: the clerk window is the clerk.
    expect(senderRole({ ...trusted, windowRole: 'clerk' })).toBe('clerk');
  });

  it('refuses webContents that are not one of our two windows', () => {
    expect(senderRole({ ...trusted, windowRole: null })).toBeNull();
  });

  it('refuses a destroyed or navigated frame, and subframes', () => {
    expect(senderRole({ windowRole: 'clerk', frameUrl: null, isTopFrame: true })).toBeNull();
    expect(senderRole({ windowRole: 'clerk', frameUrl: 'app://halldesk/clerk.html', isTopFrame: false })).toBeNull();
  });

  it('refuses made-up roles', () => {
    expect(senderRole({ ...trusted, windowRole: 'admin' as never })).toBeNull();
  });

  it('answers a refusal as a FORBIDDEN reply in Chinese', () => {
    expect(FORBIDDEN_SENDER).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(FORBIDDEN_SENDER.ok === false && /[\u4e00-\u9fff]/.test(FORBIDDEN_SENDER.error.message)).toBe(true);
  });
});

describe('navigation', () => {
  it('allows only our own pages', () => {
    expect(isAllowedNavigation(pageUrl('clerk'))).toBe(true);
    expect(isAllowedNavigation(pageUrl('outward'))).toBe(true);
    expect(isAllowedNavigation('https://www.gov.cn/')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
  });

  it('names the pages under the app origin', () => {
    expect(pageUrl('clerk')).toBe(`${APP_ORIGIN}/clerk.html`);
    expect(pageUrl('outward')).toBe('app://halldesk/outward.html');
  });
});

describe('autoEnrollFromEnv', () => {
  it('enrolls on start only when both the server address and the code are set', () => {
    expect(autoEnrollFromEnv({ HALLDESK_SERVER_URL: 'http://127.0.0.1:8080', HALLDESK_ENROLL_CODE: '12345678' })).toEqual({
      serverUrl: 'http://127.0.0.1:8080',
      code: '12345678',
    });
    expect(autoEnrollFromEnv({ HALLDESK_SERVER_URL: 'http://127.0.0.1:8080' })).toBeUndefined();
    expect(autoEnrollFromEnv({ HALLDESK_ENROLL_CODE: '12345678' })).toBeUndefined();
    expect(autoEnrollFromEnv({ HALLDESK_SERVER_URL: ' ', HALLDESK_ENROLL_CODE: '12345678' })).toBeUndefined();
    expect(autoEnrollFromEnv({})).toBeUndefined();
  });
});
