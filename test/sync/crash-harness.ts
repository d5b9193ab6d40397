// The crash campaign shared by test/sync/crash.test.ts (CI, ≥ 200 kills) and
// scripts/crash-soak.ts (10k): counter processes (crash-worker.ts) take cases
// and sync with one real hall server while being SIGKILLed at seeded random
// points — during start-up, right after a commit (while its push is in
// flight), right after a push was settled, or at any moment. After a last
// run that may finish, the counter's outbox must be fully acknowledged and
// the server must hold exactly what the counter committed: none lost, none
// doubled, in seq order.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CASE_DECIDED } from '../../common/sync.ts';
import { HallClient } from '../../main/hall-client.ts';
import { openDatabase } from '../../main/store/database.ts';
import { Outbox, verifyChain } from '../../main/store/outbox.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { hallDb, tempDir } from './support.ts';
import { counterChainKey } from '../helpers/chain-key.ts';
import { createSeededRandom } from '../../sim/seeded-random.ts';

const WORKER = join(import.meta.dirname, 'crash-worker.ts');

export interface CrashOptions {
  /** Runs at least this many counter processes… */
  iterations: number;
  /** …and goes on until at least this many were killed (default 0). */
  minKills?: number;
  /** Counters running side by side, each its own device and file (default 2: one per core). */
  lanes?: number;
  seed?: number;
  /** Most cases a run takes before it would finish by itself. */
  maxCases?: number;
  /** Runs per simulated day: case numbers allow 9999 a device a day. */
  runsPerDay?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface LaneReport {
  windowId: number;
  deviceId: string;
  /** Records in the counter's outbox, and how many are not acknowledged. */
  outbox: number;
  notAcked: number;
  chainBroken: string | null;
  /** The server's records for the device match the outbox seq by seq, id by id. */
  sameRecords: boolean;
  rejected: number;
  casesLocal: number;
  casesServer: number;
  /** Committed at the counter (its file, or said so before the kill) but not on the server. */
  lost: string[];
  /** On the server but not committed at the counter. */
  extra: string[];
  /** Record ids the server holds more than once. */
  doubled: number;
  /** The server's cases in the order of the mutations that brought them = the counter's commit order. */
  inSeqOrder: boolean;
}

export interface CrashReport {
  iterations: number;
  killed: number;
  finished: number;
  /** Where the kills fell. */
  killPoints: Record<string, number>;
  /** COMMITTED lines read from workers before they died or finished. */
  committedSeen: number;
  /** Records the server answered 'duplicate' for: sent again after a kill lost the first answer. */
  duplicatesAnswered: number;
  lanes: LaneReport[];
  durationMs: number;
}

type Trigger =
  | { kind: 'time'; ms: number }
  | { kind: 'open'; ms: number }
  | { kind: 'commit'; n: number; ms: number }
  | { kind: 'sending'; ms: number }
  | { kind: 'pushed'; ms: number }
  | { kind: 'none' };


interface RunResult {
  lines: string[];
  killed: boolean;
  code: number | null;
  stderr: string;
}

function runWorker(
  args: string[],
  trigger: Trigger,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    let commits = 0;
    const kill = () => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const killIn = (ms: number) => (ms <= 0 ? kill() : setTimeout(kill, ms));
    if (trigger.kind === 'time') killIn(trigger.ms);
    const safety = setTimeout(() => {
      kill();
      reject(new Error(`crash worker ${args.join(' ')} hung; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        lines.push(line);
        if (killed) continue;
        if (trigger.kind === 'open' && line === 'OPEN') killIn(trigger.ms);
        if (line.startsWith('COMMITTED ') && trigger.kind === 'commit' && ++commits === trigger.n)
          killIn(trigger.ms);
        if (trigger.kind === 'sending' && line.startsWith('SENDING ')) killIn(trigger.ms);
        if (trigger.kind === 'pushed' && line.startsWith('PUSHED ')) killIn(trigger.ms);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(safety);
      resolve({ lines, killed, code, stderr });
    });
  });
}

export async function runCrashCampaign(options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const laneCount = options.lanes ?? 2;
  const seed = options.seed ?? 20260305;
  const maxCases = options.maxCases ?? 3;
  const runsPerDay = options.runsPerDay ?? 2000;
  const hall = await startHallServer();
  const root = tempDir('halldesk-crash-');
  const cache = join(root, 'compile-cache');
  mkdirSync(cache, { recursive: true });
  // Each start of the worker compiles less: the runs are mostly start-ups.
  const env = { ...process.env, NODE_COMPILE_CACHE: cache };
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const report: CrashReport = {
    iterations: 0,
    killed: 0,
    finished: 0,
    killPoints: {},
    committedSeen: 0,
    duplicatesAnswered: 0,
    lanes: [],
    durationMs: 0,
  };
  try {
    const lanes = await Promise.all(
      Array.from({ length: laneCount }, async (_, index) => {
        const windowId = index + 1;
        const dataDir = join(root, `counter-${windowId}`);
        const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId } });
        const setup = await runWorker(
          [dataDir, 'setup', hall.url, code, `100${windowId}`],
          { kind: 'none' },
          env,
        );
        if (setup.code !== 0 || !setup.lines.includes('READY')) {
          throw new Error(`setting up counter ${windowId} failed: ${setup.stderr}`);
        }
        return { windowId, dataDir, committed: new Set<string>() };
      }),
    );

    let done = 0;
    const minKills = options.minKills ?? 0;
    const more = () => done < options.iterations || report.killed < minKills;
    await Promise.all(
      lanes.map(async (lane, index) => {
        const random = createSeededRandom(seed + index * 7919);
        for (let run = 0; more(); run++) {
          done += 1;
          const cases = 1 + Math.floor(random() * maxCases);
          const pick = random();
          const trigger: Trigger =
            pick < 0.12
              ? { kind: 'time', ms: Math.floor(random() * 400) }
              : pick < 0.24
                ? { kind: 'open', ms: Math.floor(random() * 25) }
                : pick < 0.56
                  ? { kind: 'commit', n: 1 + Math.floor(random() * cases), ms: Math.floor(random() * 25) }
                  : pick < 0.82
                    ? { kind: 'sending', ms: Math.floor(random() * 8) }
                    : pick < 0.94
                      ? { kind: 'pushed', ms: Math.floor(random() * 4) }
                      : { kind: 'none' };
          const day = Math.floor(run / runsPerDay);
          const result = await runWorker(
            [lane.dataDir, 'run', String(cases), String(Math.floor(random() * 2 ** 31)), String(day), `100${lane.windowId}`],
            trigger,
            env,
          );
          for (const line of result.lines) {
            if (line.startsWith('COMMITTED ')) {
              lane.committed.add(line.slice('COMMITTED '.length));
              report.committedSeen += 1;
            }
            if (line.startsWith('PUSHED ')) report.duplicatesAnswered += Number(line.split(' ')[2] ?? 0);
          }
          if (result.killed) {
            report.killed += 1;
            const last = result.lines.findLast((l) => /^(SENDING|PUSHED) /.test(l));
            const committed = result.lines.filter((l) => l.startsWith('COMMITTED ')).length;
            // While cases are still being taken it is a kill during capture, a push in flight or not
            // (each commit starts a push at once, so one nearly always is).
            const at = result.lines.includes('DRAINED')
              ? 'after drain'
              : committed > 0 && committed < cases
                ? 'during capture'
                : last?.startsWith('SENDING ')
                  ? 'push in flight'
                  : committed > 0
                    ? 'during capture'
                    : result.lines.includes('OPEN')
                      ? 'after open'
                      : 'during start-up';
            report.killPoints[at] = (report.killPoints[at] ?? 0) + 1;
          } else if (result.code !== 0) {
            throw new Error(`crash worker exited with ${result.code}: ${result.stderr}`);
          } else {
            report.finished += 1;
          }
          report.iterations += 1;
          options.onProgress?.(done, options.iterations);
        }
      }),
    );

    // The last start: nobody kills it; it drains what is left.
    for (const lane of lanes) {
      const last = await runWorker([lane.dataDir, 'drain'], { kind: 'none' }, env);
      if (last.code !== 0) throw new Error(`the final drain failed: ${last.stderr}`);
      report.lanes.push(checkLane(lane, hall.dataDir));
    }
  } finally {
    await hall.close();
  }
  report.durationMs = Date.now() - started;
  return report;
}

function checkLane(
  lane: { windowId: number; dataDir: string; committed: Set<string> },
  hallDir: string,
): LaneReport {
  const db = openDatabase(join(lane.dataDir, 'counter.db'));
  try {
    const deviceId = (
      JSON.parse(db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").pluck().get() as string) as {
        deviceId: string;
      }
    ).deviceId;
    const entries = new Outbox(db).entries(0, 1_000_000);
    const local = (db.prepare('SELECT case_no FROM cases').pluck().all() as string[]).sort();
    const server = hallDb(hallDir);
    try {
      const remote = server
        .prepare('SELECT seq, id, status FROM sync_mutations WHERE device_id = ? ORDER BY seq')
        .all(deviceId) as { seq: number; id: string; status: string }[];
      const remoteCases = server
        .prepare('SELECT case_no FROM cases WHERE device_id = ? ORDER BY seq')
        .pluck()
        .all(deviceId) as string[];
      const doubled = server
        .prepare('SELECT COUNT(*) FROM (SELECT id FROM sync_mutations GROUP BY id HAVING COUNT(*) > 1)')
        .pluck()
        .get() as number;
      const remoteSet = new Set(remoteCases);
      const localSet = new Set(local);
      const committed = new Set([...local, ...lane.committed]);
      const keyedFrom = db.prepare('SELECT keyed_from FROM outbox_head').pluck().get() as number | null;
      const chain = verifyChain(entries, undefined, { key: counterChainKey(lane.dataDir, db), keyedFrom });
      const decidedInSeqOrder = entries
        .filter((m) => m.name === CASE_DECIDED)
        .map((m) => (m.args as { caseNo: string }).caseNo);
      return {
        windowId: lane.windowId,
        deviceId,
        outbox: entries.length,
        notAcked: entries.filter((m) => m.state !== 'acked').length,
        chainBroken: chain && `${chain.seq}: ${chain.reason}`,
        sameRecords:
          remote.length === entries.length &&
          remote.every((row, i) => row.seq === entries[i]!.seq && row.id === entries[i]!.id),
        rejected: remote.filter((row) => row.status !== 'applied').length,
        casesLocal: local.length,
        casesServer: remoteCases.length,
        lost: [...committed].filter((caseNo) => !remoteSet.has(caseNo)),
        extra: remoteCases.filter((caseNo) => !localSet.has(caseNo)),
        doubled,
        inSeqOrder: JSON.stringify(remoteCases) === JSON.stringify(decidedInSeqOrder),
      };
    } finally {
      server.close();
    }
  } finally {
    db.close();
  }
}
