// A read of the window that crosses the counter's own 办结 (the real counter
// core, the real hall server over real HTTP, a front that holds the server's
// answer to the read): another window's 转窗 to this one makes the counter
// read its window; the server answers with the ticket still in hand, the
// clerk presses 办结, and only then does the read's answer arrive. It must not
// put the ended ticket back on the clerk's and the citizen's screens (its own
// 办结's event makes no read that would mend it) — the counter reads again.
// Found as a flaky Chromium test (queue.e2e: the ticket stayed after 办结).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { counterAtWindow2, hallBehindFront } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a window read answered after the counter’s own 办结 does not bring the ended ticket back', async () => {
  const setup = await hallBehindFront(cleanups);
  const { front, kiosk, window1 } = setup; // window 1 serves A, C
  for (let i = 0; i < 2; i++) await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });

  const counter = await counterAtWindow2(setup, cleanups, mkdtempSync(join(tmpdir(), 'halldesk-window-read-')), 'window read race test');
  const called = (await counter.call('callNext', {})) as ClerkState;
  const inHand = called.current!.number;

  // Window 1 calls the other ticket and sends it to window 2 (转窗): the hall tells
  // window 2, whose counter reads its window — the answer waits at the front.
  const reads = front.hold('/v1/windows/2/state');
  const windowReads = () => front.forwarded.filter((path) => path.startsWith('/v1/windows/2/state')).length;
  const readsBefore = windowReads();
  const other = (await window1.request('callNext', { params: { id: 1 }, headers: { 'Idempotency-Key': 'w1-1' } })) as {
    ticket: { number: string };
  };
  await window1.request('transferTicket', {
    params: { id: 1 },
    headers: { 'Idempotency-Key': 'w1-2' },
    body: { number: other.ticket.number, to: { windowId: 2 }, place: 'keep' },
  });
  await expect.poll(() => reads.held()).toBe(1);

  // 办结 at window 2 while that answer (the ticket still in hand) waits.
  const completed = (await counter.call('complete', {})) as ClerkState;
  expect(completed.current).toBeNull();
  const shownAfter: (string | null)[] = [];
  const unsubscribe = counter.subscribe((name, view) => {
    if (name === 'clerkState') shownAfter.push((view as ClerkState).current?.number ?? null);
  });
  reads.release();

  // The late answer is not applied: the counter reads again and stays without a ticket in hand.
  await expect.poll(windowReads).toBeGreaterThanOrEqual(readsBefore + 2);
  const settled = (await counter.call('getClerkState', {})) as ClerkState;
  unsubscribe();
  expect(settled.current?.number ?? null).toBeNull();
  expect(shownAfter.filter((number) => number !== null)).toEqual([]);
  expect(inHand).toMatch(/^A/);
});
