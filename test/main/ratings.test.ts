// RatingService over an in-memory serial line with the simulated evaluator
// and hand-driven timers: sessions after 办结, evaluator and touch answers,
// the time limit (未评价), the next call never cancelling an open session
// (and the next 办结 waiting its turn), cancel (another evaluator), the stored record and its
// outbox mutation in one transaction, the immutable table, bad-rating
// follow-ups and the manager-only calls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HallError } from '../../common/errors.ts';
import type { RatingRecord } from '../../common/ratings.ts';
import { EvaluatorDriver } from '../../main/devices/evaluator/driver.ts';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { createMemoryLine, type MemoryLine } from '../../sim/memory-line.ts';
import { evaluatorConfigFromEnv } from '../../main/ratings/evaluator-config.ts';
import { createLogger, silentLogger, type Logger } from '../../main/log.ts';
import { RatingService, type RatingContext } from '../../main/ratings/rating-service.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { ManualTimers } from '../devices/evaluator-manual-timers.ts';

const ADDRESS = 3;
const context: RatingContext = { windowId: 1, staffNo: '1001', ticket: { number: 'A001', calledAt: '2026-03-02T01:00:00.000Z' } };

interface Rig {
  db: Db;
  timers: ManualTimers;
  line: MemoryLine;
  sim: EvaluatorSimulator;
  service: RatingService;
  recorded: RatingRecord[];
  who: { staffNo: string; role: 'clerk' | 'manager' } | null;
  changes: number;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.service.close();
    rig.sim.stop();
    rig.db.close();
  }
});

async function rig(options: { evaluator?: boolean; limit?: number; log?: Logger } = {}): Promise<Rig> {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-rating-')), 'counter.db'));
  const timers = new ManualTimers();
  const clock = () => new Date(Date.UTC(2026, 2, 2, 2, 0, 0) + timers.now());
  const line = createMemoryLine('COM7');
  const sim = new EvaluatorSimulator({ addresses: [ADDRESS], timers });
  sim.attach(await line.openB());
  const driver = new EvaluatorDriver({ open: line.openA, addresses: [ADDRESS], timers, heartbeatMs: 0 });
  const r: Rig = { db, timers, line, sim, service: undefined as unknown as RatingService, recorded: [], who: null, changes: 0 };
  r.service = new RatingService({
    db,
    outbox: new Outbox(db, { clock }),
    clock,
    log: options.log ?? silentLogger,
    evaluator: options.evaluator === false ? null : { driver, address: ADDRESS },
    settings: () => ({ ratingTimeLimitSeconds: options.limit ?? 60, badRatingFollowUpWorkingDays: 5 }),
    calendars: () => [],
    today: () => '2026-03-02',
    who: () => r.who,
    onChange: () => r.changes++,
    timers,
  });
  r.service.onRecorded((record) => r.recorded.push(record));
  r.service.start();
  await timers.advance(0);
  rigs.push(r);
  return r;
}

const outbox = (db: Db) => db.prepare('SELECT name, args FROM outbox ORDER BY seq').all() as { name: string; args: string }[];
const ratings = (db: Db) => db.prepare('SELECT * FROM rating').all() as Record<string, unknown>[];

describe('RatingService', () => {
  it('办结 opens a session on the device; the evaluator answer is stored once with its outbox mutation, resends ignored', async () => {
    const r = await rig();
    expect(r.service.evaluatorStatus()).toEqual({ state: 'ok', message: expect.any(String) });
    r.service.completed(context);
    const prompt = r.service.outwardView()!;
    expect(prompt.levels.map((l) => l.name)).toEqual(['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(prompt.sessionId);
    expect(r.sim.device(ADDRESS).session?.limitSeconds).toBe(60);
    r.sim.press(4);
    await r.timers.advance(3000); // the device would resend; the host acknowledges and ignores repeats
    expect(r.recorded).toHaveLength(1);
    expect(r.recorded[0]).toMatchObject({ level: 4, outcome: 'rated', channel: 'evaluator', deviceAddress: ADDRESS, ticketNumber: 'A001', staffNo: '1001' });
    expect(ratings(r.db)).toHaveLength(1);
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded']);
    expect(JSON.parse(outbox(r.db)[0]!.args)).toEqual(r.recorded[0]);
    expect(r.service.outwardView()).toBeNull();
    expect(r.service.clerkView(1).latest).toMatchObject({ level: 4, outcome: 'rated' });
  });

  it('touch answers first: the evaluator result that follows is ignored', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    expect(r.service.rateByTouch(sessionId, 5)).toEqual({ accepted: true });
    expect(r.service.rateByTouch(sessionId, 1)).toEqual({ accepted: false });
    r.sim.press(1);
    await r.timers.advance(3000);
    expect(r.recorded.map((x) => [x.level, x.channel])).toEqual([[5, 'touch']]);
  });

  it('the time limit passes: 未评价 (level null, channel none), never a good rating', async () => {
    const r = await rig({ limit: 5 });
    r.service.completed(context);
    await r.timers.advance(5000);
    expect(r.recorded).toHaveLength(0);
    await r.timers.advance(1000); // the grace for a key in flight
    expect(r.recorded).toHaveLength(1);
    expect(r.recorded[0]).toMatchObject({ level: null, outcome: 'not_rated', channel: 'none' });
    expect(r.service.rateByTouch(r.recorded[0]!.sessionId, 5)).toEqual({ accepted: false });
  });

  it('叫号 right after 办结: the session runs on, the press is stored against the service before; the device shows serving only after', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    const shown = r.sim.device(ADDRESS).state;
    expect(shown).not.toBe(1);
    // 叫号: a new citizen at the window.
    r.service.nextCitizen();
    r.service.display('serving');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(sessionId); // the prompt stays
    expect(r.sim.device(ADDRESS).state).toBe(shown); // SET_STATE serving is held back
    expect(r.service.outwardView()?.sessionId).toBe(sessionId);
    expect(r.sim.press(2)).toBe(true);
    await r.timers.advance(3000);
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId, level: 2, outcome: 'rated', ticketNumber: 'A001' })]);
    expect(r.sim.device(ADDRESS).state).toBe(1); // now serving the new number
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded', 'followup.opened']);
  });

  it('the next 办结 while the citizen before still rates: its session waits, then opens on the device, each stored against its own ticket', async () => {
    const r = await rig({ limit: 30 });
    r.service.completed(context);
    await r.timers.advance(0);
    const first = r.service.outwardView()!.sessionId;
    r.service.nextCitizen();
    const second: RatingContext = { windowId: 1, staffNo: '1001', ticket: { number: 'A002', calledAt: '2026-03-02T01:05:00.000Z' } };
    r.service.completed(second);
    r.service.completed(second); // twice: still one waiting
    expect(r.service.clerkView(1)).toMatchObject({ open: { sessionId: first, ticketNumber: 'A001' }, waiting: ['A002'] });
    expect(r.service.outwardView()?.sessionId).toBe(first);
    // The first citizen does not answer: 未评价 at the limit, then the second session opens.
    await r.timers.advance(31_000);
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId: first, outcome: 'not_rated', ticketNumber: 'A001' })]);
    const next = r.service.outwardView()!.sessionId;
    expect(next).not.toBe(first);
    expect(r.service.clerkView(1)).toMatchObject({ open: { sessionId: next, ticketNumber: 'A002' }, waiting: [] });
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(next);
    r.sim.press(5);
    await r.timers.advance(3000);
    expect(r.recorded.map((x) => [x.ticketNumber, x.outcome, x.level])).toEqual([
      ['A001', 'not_rated', null],
      ['A002', 'rated', 5],
    ]);
  });

  it('another clerk signs in while a citizen rates the clerk before: the prompt stays, the new clerk shows after', async () => {
    const r = await rig();
    r.service.clerkSignedIn('1001', '张三');
    r.service.completed(context);
    await r.timers.advance(0);
    r.service.clerkSignedOut();
    r.service.clerkSignedIn('1002', '李四');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).identity?.staffNumber).toBe('1001');
    expect(r.sim.device(ADDRESS).session).not.toBeNull();
    r.sim.press(4);
    await r.timers.advance(3000);
    expect(r.recorded).toEqual([expect.objectContaining({ level: 4, staffNo: '1001', ticketNumber: 'A001' })]);
    expect(r.sim.device(ADDRESS).identity?.staffNumber).toBe('1002');
  });

  it('the program closes with a prompt open: the session is stored as cancelled with its mutation, not dropped', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    await r.service.close();
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId, outcome: 'cancelled', ticketNumber: 'A001' })]);
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded']);
  });

  it('cancelOpen (another evaluator set up) ends the open session (CANCEL_RATING) and stores it as cancelled', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    r.service.cancelOpen();
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).session).toBeNull();
    expect(r.recorded[0]).toMatchObject({ sessionId, outcome: 'cancelled', level: null });
    r.sim.press(5);
    await r.timers.advance(3000);
    expect(r.recorded).toHaveLength(1);
  });

  it('works without an evaluator (touch only), and 请评价 twice keeps one session', async () => {
    const r = await rig({ evaluator: false });
    expect(r.service.evaluatorStatus()).toBeNull();
    const first = r.service.request(context);
    expect(r.service.request(context)).toEqual(first);
    expect(r.service.rateByTouch(first.sessionId, 3)).toEqual({ accepted: true });
    expect(r.recorded[0]).toMatchObject({ level: 3, channel: 'touch', deviceAddress: null });
  });

  it('stored ratings can never be edited or deleted', async () => {
    const r = await rig({ evaluator: false });
    const { sessionId } = r.service.request(context);
    r.service.rateByTouch(sessionId, 5);
    expect(() => r.db.prepare('UPDATE rating SET level = 1').run()).toThrow(/never edited/);
    expect(() => r.db.prepare('DELETE FROM rating').run()).toThrow(/never deleted/);
    expect(ratings(r.db)[0]).toMatchObject({ level: 5 });
  });

  it('a bad rating opens a follow-up due in working days; managers move it forward only, with notes', async () => {
    const r = await rig({ evaluator: false });
    const { sessionId } = r.service.request(context);
    r.service.rateByTouch(sessionId, 2);
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded', 'followup.opened']);

    expect(() => r.service.followUps.list()).toThrow(HallError); // nobody signed in
    r.who = { staffNo: '1001', role: 'clerk' };
    expect(() => r.service.followUps.list()).toThrow(/管理人员/);
    expect(() => r.service.followUps.advance(1, '看看')).toThrow(/管理人员/);

    r.who = { staffNo: '1006', role: 'manager' };
    const [followUp] = r.service.followUps.list();
    // 2026-03-02 is a Monday: 5 working days later is Monday 2026-03-09.
    expect(followUp).toMatchObject({ level: 2, state: 'verifying', dueDate: '2026-03-09', ticketNumber: 'A001' });
    expect(r.service.followUps.advance(followUp!.id, '已核实：等候时间过长').state).toBe('fixing');
    const done = r.service.followUps.advance(followUp!.id, '已电话回访，群众表示理解');
    expect(done.state).toBe('called_back');
    expect(done.steps.map((s) => [s.state, s.staffNo])).toEqual([
      ['verifying', null],
      ['fixing', '1006'],
      ['called_back', '1006'],
    ]);
    expect(() => r.service.followUps.advance(followUp!.id, '再来')).toThrow(/已回访/);
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded', 'followup.opened', 'followup.advanced', 'followup.advanced']);
    // A good rating opens none.
    const next = r.service.request(context);
    r.service.rateByTouch(next.sessionId, 4);
    expect(r.service.followUps.list()).toHaveLength(1);
  });

  it('办结 while a 测试评价 is still prompting: the test ends as cancelled and the citizen gets the prompt', async () => {
    const r = await rig();
    const test = r.service.testRating(30);
    await r.timers.advance(0);
    const testSession = r.sim.device(ADDRESS).session?.sessionId;
    expect(testSession).toEqual(expect.any(Number));
    expect(() => r.service.completed(context)).not.toThrow();
    const prompt = r.service.outwardView()!;
    expect(prompt.sessionId).not.toBe(testSession);
    expect(await test).toMatchObject({ ok: false, level: null, message: expect.stringContaining('测试评价已取消') });
    await r.timers.advance(0);
    // The device prompts for the citizen's session (the test did not put it back to idle).
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(prompt.sessionId);
    r.sim.press(5);
    await r.timers.advance(3000);
    // Only the citizen's rating is stored; the test never is.
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId: prompt.sessionId, level: 5, outcome: 'rated', ticketNumber: 'A001' })]);
    expect(ratings(r.db)).toHaveLength(1);
  });

  it('another evaluator while a citizen is rating: that session is cancelled, and 请评价 rates the same service on the new device', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const first = r.service.outwardView()!.sessionId;
    const line = createMemoryLine('COM8');
    const sim = new EvaluatorSimulator({ addresses: [ADDRESS], timers: r.timers });
    sim.attach(await line.openB());
    try {
      const driver = new EvaluatorDriver({ open: line.openA, addresses: [ADDRESS], timers: r.timers, heartbeatMs: 0 });
      const replaced = r.service.setEvaluator({ driver, address: ADDRESS });
      await r.timers.advance(0);
      await replaced;
      await r.timers.advance(0);
      expect(r.recorded).toEqual([expect.objectContaining({ sessionId: first, outcome: 'cancelled', ticketNumber: 'A001' })]);
      expect(r.service.outwardView()).toBeNull();
      // 请评价 with no ticket in hand (after 办结): the service just completed, on the new device.
      const again = r.service.request({ ...context, ticket: null });
      await r.timers.advance(0);
      expect(sim.device(ADDRESS).session?.sessionId).toBe(again.sessionId);
      sim.press(4);
      await r.timers.advance(3000);
      expect(r.recorded[1]).toMatchObject({ sessionId: again.sessionId, level: 4, outcome: 'rated', ticketNumber: 'A001' });
      // The next number still forgets it: 请评价 then rates no earlier service.
      r.service.completed(context);
      r.service.cancelOpen();
      const none = r.service.request({ ...context, ticket: null });
      r.service.rateByTouch(none.sessionId, 5);
      expect(r.recorded.at(-1)).toMatchObject({ sessionId: none.sessionId, ticketNumber: null });
    } finally {
      sim.stop();
    }
  });

  it('a state set right after sign-in is not overtaken by the sign-in’s own SET_STATE', async () => {
    const r = await rig();
    r.service.clerkSignedIn('1001', '王丽华');
    r.service.display('serving');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS)).toMatchObject({ identity: { staffNumber: '1001', name: '王丽华' }, state: 1 });
  });

  it('shows the clerk on sign-in (SHOW_IDENTITY) and follows serving / idle / paused (SET_STATE)', async () => {
    const r = await rig();
    r.service.clerkSignedIn('1001', '王丽华');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).identity).toEqual({ staffNumber: '1001', name: '王丽华' });
    r.service.display('serving');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).state).toBe(1);
    r.service.display('paused');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS).state).toBe(2);
  });
});

describe('RatingService after the evaluator reconnects', () => {
  /** Pulls the cable; `powerLoss`: the device forgets what it showed and its session (a USB device does). */
  async function unplug(r: Rig, powerLoss = true): Promise<void> {
    r.line.unplug();
    if (powerLoss) r.sim.powerLoss();
    await r.timers.advance(0);
    expect(r.service.evaluatorStatus()?.state).toBe('unplugged');
  }
  async function plugIn(r: Rig): Promise<void> {
    r.line.plugIn();
    r.sim.attach(await r.line.openB());
  }

  it('the clerk and the state are shown again after each of two reconnects, with the state set while it was away', async () => {
    const r = await rig();
    r.service.clerkSignedIn('1001', '王丽华');
    await r.timers.advance(0);
    r.service.display('serving');
    await r.timers.advance(0);
    expect(r.sim.device(ADDRESS)).toMatchObject({ identity: { staffNumber: '1001', name: '王丽华' }, state: 1 });
    for (const [round, state] of [[1, 'serving'], [2, 'paused']] as const) {
      await unplug(r);
      expect(r.sim.device(ADDRESS)).toMatchObject({ identity: null, state: 0 });
      r.service.display(state); // fails on the line; remembered
      await r.timers.advance(1000);
      await plugIn(r);
      await r.timers.advance(6000); // the driver's next try (backoff), PING, then the restore
      expect(r.service.evaluatorStatus()?.state, `reconnect ${round}`).toBe('ok');
      expect(r.sim.device(ADDRESS), `reconnect ${round}`).toMatchObject({
        identity: { staffNumber: '1001', name: '王丽华' },
        state: state === 'serving' ? 1 : 2,
        session: null,
      });
    }
  });

  it('a session open during the unplug is sent again with the time it has left; the press after the replug is its one rating', async () => {
    const r = await rig({ limit: 60 });
    r.service.clerkSignedIn('1001', '王丽华');
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(sessionId);
    await unplug(r);
    await r.timers.advance(20_000);
    await plugIn(r);
    await r.timers.advance(5000);
    const again = r.sim.device(ADDRESS);
    expect(again).toMatchObject({ identity: { staffNumber: '1001' }, state: 0, session: { sessionId, pressed: null } });
    // What is left of the 60 s (the driver's backoff decides when: ~23 s after the unplug), never more.
    const elapsed = Math.ceil(r.timers.now() / 1000);
    expect(again.session!.limitSeconds).toBeGreaterThanOrEqual(60 - elapsed);
    expect(again.session!.limitSeconds).toBeLessThanOrEqual(40);
    r.sim.press(4);
    await r.timers.advance(3000);
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId, level: 4, outcome: 'rated', channel: 'evaluator', ticketNumber: 'A001' })]);
    expect(ratings(r.db)).toHaveLength(1);
    expect(outbox(r.db).map((m) => m.name)).toEqual(['rating.recorded']);
  });

  it('the time limit passes during the unplug, or too little is left to prompt again: 未评价 as before, nothing sent again', async () => {
    for (const [away, limit] of [[12_000, 10], [6_000, 10]] as const) {
      const r = await rig({ limit });
      r.service.completed(context);
      await r.timers.advance(0);
      const { sessionId } = r.service.outwardView()!;
      await unplug(r);
      await r.timers.advance(away);
      await plugIn(r);
      await r.timers.advance(limit * 1000 + 2000);
      expect(r.service.evaluatorStatus()?.state).toBe('ok');
      expect(r.sim.device(ADDRESS).session).toBeNull();
      expect(r.recorded).toEqual([expect.objectContaining({ sessionId, outcome: 'not_rated', level: null })]);
      expect(r.sim.press(5)).toBe(false); // a KEY frame: no session on the device
      await r.timers.advance(3000);
      expect(r.recorded).toHaveLength(1);
    }
  });

  it('a cancel while unplugged: a device that kept its prompt is told to cancel it once it answers', async () => {
    const r = await rig();
    r.service.completed(context);
    await r.timers.advance(0);
    const { sessionId } = r.service.outwardView()!;
    await unplug(r, false);
    expect(r.service.cancelOpen()).toBe(true);
    await r.timers.advance(0);
    expect(r.recorded).toEqual([expect.objectContaining({ sessionId, outcome: 'cancelled' })]);
    expect(r.sim.device(ADDRESS).session?.sessionId).toBe(sessionId); // it never heard the cancel
    await plugIn(r);
    await r.timers.advance(2000);
    expect(r.sim.device(ADDRESS).session).toBeNull();
    expect(r.sim.press(5)).toBe(false);
    await r.timers.advance(3000);
    expect(r.recorded).toHaveLength(1);
  });
});

describe('RatingService logs', () => {
  it('the rating level goes in its own field: the log record keeps its level', async () => {
    const lines: string[] = [];
    const r = await rig({ log: createLogger((line) => lines.push(line), () => new Date(0), 'debug') });
    r.service.completed(context);
    await r.timers.advance(0);
    r.sim.press(2);
    await r.timers.advance(3000);
    const stored = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.message === 'rating stored');
    expect(stored).toMatchObject({ level: 'info', ratingLevel: 2, outcome: 'rated', channel: 'evaluator' });
    expect(stored).not.toHaveProperty('field.level');
  });
});

describe('evaluatorConfigFromEnv', () => {
  it('reads the port, protocol and address; no port means no evaluator', () => {
    expect(evaluatorConfigFromEnv({})).toBeNull();
    expect(evaluatorConfigFromEnv({ HALLDESK_EVALUATOR_PORT: '/dev/ttyUSB0', HALLDESK_EVALUATOR_ADDRESS: '3' })).toEqual({
      port: '/dev/ttyUSB0',
      protocol: 'ft12',
      address: 3,
    });
    expect(() => evaluatorConfigFromEnv({ HALLDESK_EVALUATOR_PORT: 'x', HALLDESK_EVALUATOR_PROTOCOL: 'modbus' })).toThrow(/ft12/);
    expect(() => evaluatorConfigFromEnv({ HALLDESK_EVALUATOR_PORT: 'x', HALLDESK_EVALUATOR_ADDRESS: '0' })).toThrow(/1–250/);
  });
});
