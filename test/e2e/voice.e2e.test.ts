// End to end in real Chromium: the outward page's voice under the browser's
// autoplay policy. With Chromium's default policy
// (--autoplay-policy=document-user-activation-required) the page's
// AudioContext stays suspended: the outward screen shows 开启语音, the clerk's
// status bar 语音未开启, and a call is not said. One click on the control
// starts the sound (the AudioContext runs), the badge clears and the next
// call is heard. With autoplay allowed (as the Electron shell sets it) no
// control shows at all. Screenshots: outward-voice-blocked.png,
// clerk-voice-blocked.png.
//
// Test hooks (renderer/outward/VoiceUnlock.tsx): outward-voice carries
// data-audio (checking | running | blocked) and data-announced (announcements
// played to the end); outward-voice-unlock is the control; voice-state the
// clerk's badge.
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../main/hall-client.ts';
import { findChromium } from '../helpers/chromium.ts';
import { openCounterPages, screenshot, SCREENSHOT_DIR, startE2eCounter, type E2eCounter } from '../helpers/e2e-counter.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const POLL = { timeout: 10_000 };

let hall: TestHallServer;
let kiosk: HallClient;
const browsers: Browser[] = [];
const counters: E2eCounter[] = [];

/** Chromium with the given autoplay policy, named explicitly (a fresh profile, as launchChromium gives). */
async function chromiumWith(autoplay: 'document-user-activation-required' | 'no-user-gesture-required') {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--no-sandbox', '--no-first-run', `--autoplay-policy=${autoplay}`],
  });
  browsers.push(browser);
  return browser;
}

/** A counter at `windowId` with its clerk (signed in as `staffNo`) and outward pages in `browser`. */
async function openWindow(browser: Browser, windowId: number, staffNo: string) {
  const one = await startE2eCounter(hall, { windowId });
  counters.push(one);
  const { clerk, outward } = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, staffNo);
  const clips: string[] = [];
  outward.on('request', (request) => {
    const clip = /\/voice\/([^/]+)\.wav$/.exec(new URL(request.url()).pathname)?.[1];
    if (clip) clips.push(decodeURIComponent(clip));
  });
  for (const page of [clerk, outward]) page.setDefaultTimeout(10_000);
  return { one, clerk, outward, clips };
}

/**
 * Reads the outward page without touching it. Playwright runs every evaluate
 * and locator query as a user gesture, and a gesture is just what the browser
 * waits for to let the page sound: so the outward page is read over the
 * DevTools protocol (Runtime.evaluate, userGesture false) until the click.
 */
async function peek(outward: Page, expression: string): Promise<unknown> {
  const cdp = await outward.context().newCDPSession(outward);
  try {
    const { result } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true, userGesture: false });
    return result.value;
  } finally {
    await cdp.detach();
  }
}
const testid = (id: string) => `document.querySelector('[data-testid="${id}"]')`;
/** The page's AudioContext state, as the page exposes it for tests: checking | running | blocked. */
const audio = (outward: Page) => peek(outward, `${testid('outward-voice')}?.dataset.audio ?? null`);
/** Announcements played to the end. */
const announced = async (outward: Page) => Number(await peek(outward, `${testid('outward-voice')}?.dataset.announced`));
const text = (outward: Page, id: string) => peek(outward, `${testid(id)}?.textContent ?? null`);
/** Clicks the control as the hall staff do: one trusted mouse click at its place, nothing evaluated first. */
async function clickUnlock(outward: Page) {
  const at = (await peek(
    outward,
    `(() => { const r = ${testid('outward-voice-unlock')}.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
  )) as { x: number; y: number };
  await outward.mouse.click(at.x, at.y);
}
const badge = (clerk: Page) => clerk.getByTestId('voice-state');

async function callNext(clerk: Page, lineId: string) {
  await kiosk.request('issueTicket', { body: { lineId, priority: 'normal' } });
  await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
  await clerk.keyboard.press('F1');
}

beforeAll(async () => {
  hall = await startHallServer();
  kiosk = new HallClient({ baseUrl: hall.url, token: (await hall.enroll(null, 'kiosk')).token });
}, 60_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  for (const one of counters) await one.close();
  await hall?.close();
});

describe('voice in a browser that blocks autoplay (Chromium’s default)', () => {
  let page: Awaited<ReturnType<typeof openWindow>>;

  it('the outward screen shows 开启语音 and the clerk sees 语音未开启; a call is not said', async () => {
    page = await openWindow(await chromiumWith('document-user-activation-required'), 1, '1001');
    const { clerk, outward } = page;
    await expect.poll(() => audio(outward), POLL).toBe('blocked');
    await expect.poll(() => text(outward, 'outward-voice-unlock'), POLL).toContain('开启语音');
    expect(await text(outward, 'outward-voice-note')).toContain('请工作人员点击一次');

    await badge(clerk).waitFor();
    expect(await badge(clerk).getAttribute('data-state')).toBe('blocked');
    expect(await badge(clerk).textContent()).toContain('语音未开启');
    expect(await badge(clerk).getAttribute('aria-label')).toContain('请在外屏上点击「开启语音」');

    await callNext(clerk, 'A');
    await expect.poll(() => text(outward, 'outward-number'), POLL).toBe('A001');
    // The clips are fetched, but the call is given up (语音未开启), not played, nor kept for later.
    await expect.poll(() => page.clips.length, POLL).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await announced(outward)).toBe(0);
    expect(await audio(outward)).toBe('blocked');
    expect(await peek(outward, 'document.scrollingElement.scrollHeight <= window.innerHeight')).toBe(true);
    // Not the screenshot() helper: it evaluates in the page.
    await outward.screenshot({ path: join(SCREENSHOT_DIR, 'outward-voice-blocked.png') });
    await screenshot(clerk, 'clerk-voice-blocked.png');
    expect(await audio(outward)).toBe('blocked');
  });

  it('one click starts the sound: the control goes, the badge clears, a recall is heard', async () => {
    const { clerk, outward } = page;
    await clickUnlock(outward);
    await expect.poll(() => audio(outward), POLL).toBe('running');
    expect(await outward.getByTestId('outward-voice-unlock').count()).toBe(0);
    await expect.poll(() => badge(clerk).count(), POLL).toBe(0);
    expect(await outward.evaluate(() => localStorage.getItem('halldesk.outward.voiceOn'))).toBe('1');

    await clerk.getByTestId('action-call-next').and(clerk.locator(':enabled')).waitFor();
    await clerk.keyboard.press('F2'); // 重呼
    await expect.poll(() => announced(outward), POLL).toBe(1);
    expect(await outward.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight)).toBe(true);
  });

  it('reloaded, the page remembers: it runs where the browser allows, else the control is back and says why', async () => {
    const { clerk, outward } = page;
    await outward.reload();
    await expect.poll(() => audio(outward), POLL).toMatch(/^(running|blocked)$/);
    if ((await audio(outward)) === 'blocked') {
      // Chromium asks for a click again after a reload (what it does today, headless): the control says
      // so, and so does the clerk's bar.
      expect(await text(outward, 'outward-voice-note')).toContain('再点击一次');
      await expect.poll(() => badge(clerk).count(), POLL).toBe(1);
      await clickUnlock(outward);
      await expect.poll(() => audio(outward), POLL).toBe('running');
    } else {
      expect(await text(outward, 'outward-voice-unlock')).toBeNull();
    }
    await expect.poll(() => badge(clerk).count(), POLL).toBe(0);
  });
});

describe('voice where autoplay is allowed (as the Electron shell sets it)', () => {
  it('no control shows, the clerk sees no badge, and a call is heard', async () => {
    const { clerk, outward } = await openWindow(await chromiumWith('no-user-gesture-required'), 2, '1002');
    await expect.poll(() => audio(outward), POLL).toBe('running');
    // Past the grace time: still running, never a control.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await audio(outward)).toBe('running');
    expect(await text(outward, 'outward-voice-unlock')).toBeNull();
    expect(await badge(clerk).count()).toBe(0);
    await expect.poll(() => clerk.getByTestId('outward-state').getAttribute('data-state'), POLL).toBe('ok');

    await callNext(clerk, 'A');
    await expect.poll(() => announced(outward), POLL).toBe(1);
  });
});
