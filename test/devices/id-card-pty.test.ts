// The ID card reader driver over a REAL serial line (a socat pty pair), with
// the simulator speaking the real SAM bytes on the other end at 115200 baud
// pace: one card per placement, lifted and laid again → read again, the one
// retry on a damaged or failed read, 读卡失败 after two, refused text blocks,
// not answering, unplug and replug; and the simulator's command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { IdCardDriver, type IdCardEvent, type IdCardHealth } from '../../main/devices/id-card/driver.ts';
import { isExpired } from '../../main/devices/id-card/text-block.ts';
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { createLogger } from '../../main/log.ts';
import { loadCards, type SampleCard } from '../../sim/id-card/cards.ts';
import { IdCardSimulator } from '../../sim/id-card/simulator.ts';
import { closeAllPtyPairs, startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

const cards = loadCards();
const card = (label: string): SampleCard => cards.find((c) => c.label.includes(label))!;
const TODAY = '2026-12-07';

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Rig {
  line: PtyPair;
  sim: IdCardSimulator;
  simPort: BytePort | null;
  driver: IdCardDriver;
  events: IdCardEvent[];
  health: IdCardHealth[];
  logs: string[];
  /** Waits until the driver has polled `n` more times. */
  polls(n: number): Promise<void>;
  attachSim(): Promise<void>;
}

const rigs: Rig[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.driver.stop();
    rig.sim.stop();
    await rig.simPort?.close();
  }
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(closeAllPtyPairs);

async function rig(options: { withSim?: boolean } = {}): Promise<Rig> {
  const line = await startPtyPair();
  const logs: string[] = [];
  const sim = new IdCardSimulator({ paceBaud: 115_200 });
  const driver = new IdCardDriver({
    open: () => openSerialPort({ path: line.a, baudRate: 115_200 }),
    name: line.a,
    logger: createLogger((l) => logs.push(l), undefined, 'debug'),
    today: () => TODAY,
    pollMs: 50,
    reconnect: { initialMs: 50, maxMs: 200 },
  });
  const r: Rig = {
    line,
    sim,
    simPort: null,
    driver,
    events: [],
    health: [],
    logs,
    async polls(n) {
      const target = driver.counts().polls + n;
      await until(`${n} polls`, () => driver.counts().polls >= target);
    },
    async attachSim() {
      r.simPort = await openSerialPort({ path: line.b, baudRate: 115_200 });
      sim.attach(r.simPort);
    },
  };
  driver.onEvent((e) => r.events.push(e));
  driver.onHealth((h) => r.health.push(h));
  if (options.withSim !== false) await r.attachSim();
  driver.start();
  rigs.push(r);
  return r;
}

describe('ID card reader driver over a socat pty pair', () => {
  it('reads a laid card once per placement; lifted and laid again → read again; nothing personal in the logs', async () => {
    const r = await rig();
    await until('reader ok', () => r.driver.health().state === 'ok');
    r.sim.lay(card('男，有效'));
    await until('a card', () => r.events.length === 1);
    expect(r.events[0]).toMatchObject({
      kind: 'card',
      card: { name: '张测试', idNumber: '320102199001011232', sex: '男', birthDate: '1990-01-01', validTo: '2040-01-01' },
    });
    // The card stays on the reader: many polls later, still one read.
    await r.polls(10);
    expect(r.events).toHaveLength(1);
    expect(r.sim.counts().reads).toBe(1);
    r.sim.lift();
    r.sim.lay(card('男，有效'));
    await until('a second card', () => r.events.length === 2);
    expect(r.events[1]).toMatchObject({ kind: 'card', card: { name: '张测试' } });
    const logged = r.logs.join('\n');
    expect(logged).toContain('id card read');
    for (const secret of ['张测试', '320102199001011232', '19900101', '测试路', '玄武分局', '5f20']) {
      expect(logged).not.toContain(secret);
    }
  });

  it('a damaged read answer is dropped, counted and read again once; so is a failed read (41)', async () => {
    const r = await rig();
    r.sim.lay(card('女，有效'), { badChecksumReads: 1 });
    await until('a card', () => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ kind: 'card', card: { name: '李示例' } });
    expect(r.driver.counts()).toMatchObject({ retries: 1, readFailures: 0 });
    expect(r.driver.counts().decoder.badChecksum).toBe(1);
    r.sim.lay(card('长期'), { failedReads: 1 });
    await until('a second card', () => r.events.length === 2);
    expect(r.events[1]).toMatchObject({ kind: 'card', card: { name: '刘长期', validTo: null } });
    expect(r.driver.counts()).toMatchObject({ retries: 2, readFailures: 0 });
  });

  it('two failed reads → 读卡失败，请重新放卡, once, until the card is lifted and laid again', async () => {
    const r = await rig();
    r.sim.lay(card('男，有效'), { failedReads: 2 });
    await until('a failure', () => r.events.length === 1);
    expect(r.events[0]).toEqual({ kind: 'read_failed', message: '读卡失败，请重新放卡' });
    await r.polls(10);
    expect(r.events).toHaveLength(1);
    expect(r.sim.counts().reads).toBe(2);
    r.sim.lift();
    await r.polls(2);
    r.sim.lay(card('男，有效'));
    await until('the card', () => r.events.length === 2);
    expect(r.events[1]).toMatchObject({ kind: 'card', card: { name: '张测试' } });
  });

  it('reads an expired card as a card (the counter refuses it), and refuses bad text blocks whole', async () => {
    const r = await rig();
    r.sim.lay(card('已过期'));
    await until('expired card', () => r.events.length === 1);
    const expired = r.events[0]!;
    expect(expired.kind === 'card' && isExpired(expired.card, TODAY)).toBe(true);
    r.sim.lay(card('校验位错误'));
    await until('bad check digit', () => r.events.length === 2);
    expect(r.events[1]).toMatchObject({ kind: 'refused', code: 'BAD_ID' });
    r.sim.lay(card('外国人'));
    await until('foreign permit', () => r.events.length === 3);
    expect(r.events[2]).toMatchObject({ kind: 'refused', code: 'FOREIGN_PERMIT' });
    r.sim.lay(card('未知证件类型'));
    await until('unknown type', () => r.events.length === 4);
    expect(r.events[3]).toMatchObject({ kind: 'refused', code: 'UNKNOWN_TYPE' });
    r.sim.lay(card('有效期日期无效'));
    await until('invalid dates', () => r.events.length === 5);
    expect(r.events[4]).toMatchObject({ kind: 'refused', code: 'BAD_VALIDITY' });
    expect(r.driver.counts()).toMatchObject({ cards: 1, refused: 4 });
  });

  it('an open line with no reader on it → 读卡器无响应; the reader appears → 正常', async () => {
    const r = await rig({ withSim: false });
    await until('not answering', () => r.driver.health().state === 'not_answering');
    expect(r.driver.health().message).toContain('读卡器无响应');
    await r.attachSim();
    await until('ok', () => r.driver.health().state === 'ok');
    r.sim.lay(card('港澳台'));
    await until('a card', () => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ kind: 'card', card: { cardType: 'hmt-residence', passNumber: 'H12345678' } });
  });

  it('unplug → 未连接, replug → 正常 and the next card is read', async () => {
    const r = await rig();
    await until('ok', () => r.driver.health().state === 'ok');
    await r.line.kill();
    await until('unplugged', () => r.driver.health().state === 'unplugged');
    expect(r.driver.health().message).toContain('读卡器未连接');
    r.sim.stop();
    await r.simPort?.close().catch(() => {});
    await r.line.restart();
    await r.attachSim();
    await until('ok again', () => r.driver.health().state === 'ok');
    r.sim.lay(card('男，有效'));
    await until('a card after replug', () => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ kind: 'card', card: { name: '张测试' } });
    expect(r.driver.counts().reconnects).toBeGreaterThanOrEqual(1);
    expect(r.health.map((h) => h.state)).toEqual(expect.arrayContaining(['ok', 'unplugged']));
  });
});

describe('npm run sim:id-card', () => {
  const script = fileURLToPath(new URL('../../scripts/sim-id-card.ts', import.meta.url));

  it('lays --card N at start and one card per line typed; exits 0 when its input closes, 1 when its line goes', async () => {
    for (const ending of ['stdin', 'line'] as const) {
      const line = await startPtyPair();
      const child = spawn(process.execPath, [script, line.b, '--card', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const events: IdCardEvent[] = [];
      const driver = new IdCardDriver({ open: () => openSerialPort({ path: line.a, baudRate: 115_200 }), today: () => TODAY, pollMs: 50 });
      driver.onEvent((e) => events.push(e));
      driver.start();
      try {
        await until('the --card read', () => events.length === 1, 15_000);
        expect(events[0]).toMatchObject({ kind: 'card', card: { name: '张测试' } });
        child.stdin!.write('1\n');
        await until('the typed card', () => events.length === 2);
        expect(events[1]).toMatchObject({ kind: 'card', card: { name: '李示例' } });
        child.stdin!.write('bad 1\n');
        await until('the card with a damaged answer', () => events.length === 3);
        expect(events[2]).toMatchObject({ kind: 'card', card: { name: '李示例' } });
        child.stdin!.write('nonsense\n');
        await until('the complaint', () => output.includes('看不懂「nonsense」'));
      } finally {
        await driver.stop();
      }
      if (ending === 'stdin') {
        child.stdin!.end();
        expect(await exited).toBe(0);
      } else {
        await line.kill('SIGKILL');
        expect(await exited).toBe(1);
      }
      await line.close();
    }
  });
});
