// The counter's side of the per-device queue stream (issue 20, point 3), with
// the real counter core, the real hall server over real HTTP and a real
// SQLite file: the clerk's waiting counts follow calls at other windows from
// the event stream's queue hints alone — no queue pull — while a walk-in this
// counter printed makes it pull until it learns that another window called it;
// the echo of its own 叫号 costs no read of its window, a 转窗 to it does.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { counterAtWindow2, hallBehindFront } from './support.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const waitingA = (s: ClerkState) => s.queue.find((line) => line.lineId === 'A')?.waiting;

it('follows the waiting counts from queue hints without pulling, and pulls only for its own walk-ins', async () => {
  const setup = await hallBehindFront(cleanups);
  const { front, kiosk, window1 } = setup; // window 1 serves A, C
  let keys = 0;
  const callAtWindow1 = () =>
    window1.request('callNext', { params: { id: 1 }, headers: { 'Idempotency-Key': `w1-${++keys}` } });
  for (let i = 0; i < 3; i++) await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });

  const dir = mkdtempSync(join(tmpdir(), 'halldesk-queue-counts-'));
  const counter = await counterAtWindow2(setup, cleanups, dir, 'queue counts test');
  await waitFor<ClerkState>(counter, 'clerkState', (s) => waitingA(s) === 3);
  const queuePulls = () => front.forwarded.filter((path) => path.startsWith('/v1/sync/pull?stream=queue')).length;
  const pullsOnline = queuePulls();
  expect(pullsOnline).toBeGreaterThan(0); // the one on going online

  // Another window calls twice: the counts follow from the hints alone.
  await callAtWindow1(); // A001
  await callAtWindow1(); // A002
  await waitFor<ClerkState>(counter, 'clerkState', (s) => waitingA(s) === 1);
  expect(queuePulls()).toBe(pullsOnline);

  // A walk-in printed here joins line A; while it may wait, hints make this counter pull.
  let walkIn: { number: string } | null = null;
  for (let attempt = 0; walkIn === null; attempt++) {
    try {
      walkIn = (await counter.call('issueWalkIn', { lineId: 'A' })) as { number: string };
    } catch (error) {
      if (attempt > 50) throw error; // the first lease may still be on its way
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  expect(walkIn.number).toBe('W02-001');
  await waitFor<ClerkState>(counter, 'clerkState', (s) => waitingA(s) === 2);
  await callAtWindow1(); // A003
  await callAtWindow1(); // W02-001, at window 1
  const local = new Database(join(dir, 'counter.db'), { readonly: true });
  cleanups.push(() => void local.close());
  const mirrored = () =>
    local.prepare("SELECT status, window_id AS windowId FROM queue_ticket WHERE number = 'W02-001'").get() as
      | { status: string; windowId: number | null }
      | undefined;
  for (let i = 0; mirrored()?.status !== 'called'; i++) {
    if (i > 100) throw new Error(`the walk-in's call at window 1 never reached the counter: ${JSON.stringify(mirrored())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(mirrored()).toEqual({ status: 'called', windowId: 1 });
  expect(queuePulls()).toBeGreaterThan(pullsOnline);
  await waitFor<ClerkState>(counter, 'clerkState', (s) => waitingA(s) === 0);

  // Nothing of its own may wait any more: changes elsewhere cost no pull again
  // (a pull asked for while the last one ran may still follow it: let it pass).
  await new Promise((resolve) => setTimeout(resolve, 500));
  const pullsAfter = queuePulls();
  await kiosk.request('issueTicket', { body: { lineId: 'A', priority: 'normal' } });
  await waitFor<ClerkState>(counter, 'clerkState', (s) => waitingA(s) === 1);
  expect(queuePulls()).toBe(pullsAfter);

  // Its own 叫号: the answer tells the counter all, so the window event's echo costs no read of its state;
  // a ticket another window sends here (转窗) is news, and is read.
  const stateReads = () => front.forwarded.filter((path) => path.startsWith('/v1/windows/2/state')).length;
  const readsBefore = stateReads();
  await counter.call('callNext', {});
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.current?.number === 'A004' && waitingA(s) === 0);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the echo has arrived by now
  expect(stateReads()).toBe(readsBefore);
  await kiosk.request('issueTicket', { body: { lineId: 'C', priority: 'normal' } });
  const c = (await callAtWindow1()).ticket!;
  expect(c.number).toBe('C001');
  await window1.request('transferTicket', { params: { id: 1 }, body: { number: 'C001', to: { windowId: 2 }, place: 'keep' }, headers: { 'Idempotency-Key': `w1-${++keys}` } });
  for (let i = 0; stateReads() === readsBefore; i++) {
    if (i > 100) throw new Error('the counter never read its window after a ticket was sent to it');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
