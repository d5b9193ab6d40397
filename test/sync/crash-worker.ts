// A counter process for the crash test (crash-harness.ts): the real counter
// core over a real SQLite file, talking to a real hall server. It is killed
// with SIGKILL at random points; what it says on stdout (synchronous on a
// pipe) tells the harness how far it got.
//
//   node test/sync/crash-worker.ts <dataDir> setup <serverUrl> <code> <staffNo>
//       enroll, sign in, wait until the config is there; prints READY
//   node test/sync/crash-worker.ts <dataDir> run <cases> <seed> <dayOffset> <staffNo>
//       open (prints OPEN), take <cases> cases (prints COMMITTED <caseNo>
//       after each commit), wait until the outbox is empty (DRAINED)
//   node test/sync/crash-worker.ts <dataDir> drain
//       open and wait until online and the outbox is empty (DRAINED)
//
// The pusher's log lines "pushing" and "pushed" come out as SENDING <from>-<to>
// (the request is about to go) and PUSHED <lastSeq> <duplicates> (its answer
// is settled; duplicates: records the server already had).
import type { ClerkState } from '../../common/contract.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { openCounter } from '../../main/counter.ts';
import type { Counter } from '../../main/counter-api.ts';
import type { Logger } from '../../main/log.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

const [dataDir, mode, ...rest] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(line + '\n');
const log: Logger = {
  debug: (message, fields) => {
    if (message === 'pushing') say(`SENDING ${String(fields?.from)}-${String(fields?.to)}`);
  },
  info: (message, fields) => {
    if (message === 'pushed') say(`PUSHED ${String(fields?.lastSeq)} ${String(fields?.duplicate)}`);
  },
  warn: (message, fields) => process.stderr.write(`warn ${message} ${JSON.stringify(fields)}\n`),
  error: (message, fields) => process.stderr.write(`error ${message} ${JSON.stringify(fields)}\n`),
};
const TUNING = { push: { baseDelayMs: 30, maxDelayMs: 300, timeoutMs: 5000 }, retryDelay: () => 50 };

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);


const state = async (counter: Counter) => (await counter.call('getClerkState', {})) as ClerkState;

async function until(counter: Counter, test: (s: ClerkState) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test(await state(counter))) {
    if (Date.now() > deadline)
      throw new Error(`worker timed out; state ${JSON.stringify(await state(counter))}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<void> {
  if (!dataDir || !mode) throw new Error('usage: crash-worker.ts <dataDir> setup|run|drain …');
  if (mode === 'setup') {
    const [serverUrl, code, staffNo] = rest;
    const counter = await openCounter(
      { dataDir, deviceName: 'crash test', log, autoEnroll: { serverUrl: serverUrl!, code: code! } },
      TUNING,
    );
    await until(counter, (s) => s.connection.state === 'online' && s.window !== null, 10_000);
    await counter.call('signIn', { staffNo: staffNo!, password: '123456' });
    await counter.close();
    say('READY');
    return;
  }
  const dayOffset = Number(rest[2] ?? 0);
  const clock = () => new Date(Date.now() + dayOffset * 86_400_000);
  const counter = await openCounter({ dataDir, deviceName: 'crash test', log, clock }, TUNING);
  // A restart signs the clerk out: the clerk signs in again (online, or offline against the stored verifier).
  if (mode === 'run') await counter.call('signIn', { staffNo: rest[3]!, password: '123456' });
  say('OPEN');
  if (mode === 'run') {
    const cases = Number(rest[0]);
    const random = createSeededRandom(Number(rest[1]));
    for (let i = 0; i < cases; i++) {
      const phone = '139' + String(Math.floor(random() * 1e8)).padStart(8, '0');
      const record = (await counter.call('submitCase', {
        draft: {
          itemCode: 'GA-ZM-006',
          applicant: { type: 'person', name: '王小明', idNumber: ID, phone },
          provided: [true, true, true],
          ticketNumber: null,
        },
        decision: 'accept',
        refuseReason: null,
        refuseDetail: null,
        instantOutcome: null,
      })) as { caseNo: string };
      say(`COMMITTED ${record.caseNo}`);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 8)));
    }
    await until(counter, (s) => s.unsent === 0, 15_000);
  } else if (mode === 'drain') {
    await until(counter, (s) => s.unsent === 0 && s.connection.state === 'online', 30_000);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  say('DRAINED');
  await counter.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`crash worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
