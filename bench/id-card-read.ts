// ID card read latency: a card laid on the simulated reader (SAM frames on a
// real socat pty, written no faster than 115200 baud) → the applicant form
// in Chromium holds its name and number. The counter core polls find-card
// every 300 ms (the protocol note's period), so a card waits 0–300 ms to be
// noticed; then find → select → read (the read answer is 1,295 bytes: 112 ms
// on the wire, the floor) → parse → clerk state over the browser host's
// WebSocket → the form. p50/p95 over COUNT placements, measured twice, with
// the ratio to the wire floor; printed with a verdict, never asserted.
// (The page is polled per animation frame: up to ~16 ms of the figure.)
//
//   node bench/id-card-read.ts [count]
import { performance } from 'node:perf_hooks';
import { openSerialPort } from '../main/devices/serial-line.ts';
import { loadCards } from '../sim/id-card/cards.ts';
import { IdCardSimulator } from '../sim/id-card/simulator.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import { openCounterPages, startE2eCounter } from '../test/helpers/e2e-counter.ts';
import { startHallServer } from '../test/helpers/hall-server.ts';
import { closeAllPtyPairs, startPtyPair } from '../test/helpers/pty-pair.ts';
import { machineLoad, quantile, verdict } from './verdict.ts';

const COUNT = Number(process.argv[2] ?? 30);
const POLL_MS = 300;
/** 1,295 bytes × 10 bits at 115200 baud. */
const WIRE_FLOOR_MS = (1295 * 10 * 1000) / 115_200;
/** Worst case of the poll wait, the floor, three short round trips and a render. */
const TARGET_P95_MS = POLL_MS + WIRE_FLOOR_MS + 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cards = loadCards();
const two = [cards.find((c) => c.label.includes('男，有效'))!, cards.find((c) => c.label.includes('女，有效'))!];

const hall = await startHallServer();
const pty = await startPtyPair();
const sim = new IdCardSimulator({ paceBaud: 115_200 });
const simPort = await openSerialPort({ path: pty.b, baudRate: 115_200 });
sim.attach(simPort);
const one = await startE2eCounter(hall, { windowId: 1, idCardReader: { port: pty.a, baudRate: 115_200 } }, { idCardPollMs: POLL_MS });
const browser = await launchChromium();
const { context, clerk } = await openCounterPages(browser, one, { viewport: { width: 1366, height: 768 } }, '1001');
await clerk.getByTestId('id-card-reader-state').and(clerk.locator('[data-state="ok"]')).waitFor();
// The 办件 form open with an item, so each card fills it.
await clerk.keyboard.press('F6');
await clerk.keyboard.press('F7');
await clerk.getByTestId('item-search').waitFor();
await clerk.keyboard.type('gtgsh');
await clerk.getByTestId('item-option-SCJG-DJ-011').click();
await clerk.getByTestId('applicant-name').waitFor();

async function measure(run: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const card = two[(run * COUNT + i) % 2]!;
    sim.lift();
    // A random phase against the 300 ms poll, as a clerk's hand would have.
    await sleep(50 + Math.random() * POLL_MS);
    const laid = performance.now();
    sim.lay(card);
    await clerk.waitForFunction(
      ([name, id]) =>
        (document.querySelector('[data-testid="applicant-name"]') as HTMLInputElement | null)?.value === name &&
        (document.querySelector('[data-testid="applicant-id-number"]') as HTMLInputElement | null)?.value === id,
      [card.name, card.idNumber],
      { polling: 'raf', timeout: 10_000 },
    );
    samples.push(performance.now() - laid);
  }
  return samples;
}

const runs = [await measure(0), await measure(1)];
console.log(`\nID card read (card laid → applicant form filled in Chromium), ${COUNT} cards a run, find-card poll ${POLL_MS} ms, ${machineLoad()}`);
runs.forEach((samples, run) => {
  const p50 = quantile(samples, 0.5);
  const p95 = quantile(samples, 0.95);
  console.log(
    `  run ${run + 1}: p50 ${p50.toFixed(0)} ms (${(p50 / WIRE_FLOOR_MS).toFixed(2)}× the wire floor), p95 ${p95.toFixed(0)} ms (${(p95 / WIRE_FLOOR_MS).toFixed(2)}×), max ${Math.max(...samples).toFixed(0)} ms`,
  );
});
console.log(
  `  wire floor: 1,295 bytes at 115200 baud = ${WIRE_FLOOR_MS.toFixed(0)} ms; target: p95 ≤ ${TARGET_P95_MS.toFixed(0)} ms (poll ${POLL_MS} + floor + 150) → ${verdict(
    runs.map((samples) => quantile(samples, 0.95)),
    TARGET_P95_MS,
  )} (reads on the reader: ${sim.counts().reads})`,
);

await context.close();
await browser.close();
await one.close();
sim.stop();
await simPort.close();
await closeAllPtyPairs();
await hall.close();
