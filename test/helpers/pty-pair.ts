// A real serial line for tests: socat joins two pseudo-terminals and links
// them as <dir>/A and <dir>/B. Kill it to pull the cable (the ptys vanish);
// restart it to plug it back in on the same link paths.
//
//   const line = await startPtyPair();
//   openSerialPort({ path: line.a }) … openSerialPort({ path: line.b })
//   await line.kill();    // both ends see the line go
//   await line.restart(); // new ptys behind the same links
//   await line.close();   // kills socat, removes the folder
//   afterAll(closeAllPtyPairs);
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  dir: string;
  /** One end's link, e.g. for the driver. */
  a: string;
  /** The other end's link, e.g. for the simulator. */
  b: string;
  readonly running: boolean;
  /** Kills socat (SIGTERM: it removes the links; SIGKILL: they dangle). Waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts socat again on the same link paths (kills a running one first). */
  restart(): Promise<void>;
  /** Kills socat and removes the folder. */
  close(): Promise<void>;
}

const live = new Set<PtyPair>();
const children = new Set<ChildProcess>();
// Whatever happens to the test run, no socat outlives this process.
process.once('exit', () => {
  for (const proc of children) proc.kill('SIGKILL');
});

export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-pty-'));
  const a = join(dir, 'A');
  const b = join(dir, 'B');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    for (const link of [a, b]) rmSync(link, { force: true }); // dangling links from a SIGKILL
    const proc = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child = proc;
    children.add(proc);
    exited = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        children.delete(proc);
        resolve();
      }),
    );
    const deadline = Date.now() + 5000;
    while (!(existsSync(a) && existsSync(b))) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`socat exited: ${stderr.trim()}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`socat did not create ${a} and ${b} within 5 s: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = child;
    child = null;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal);
      await exited;
    }
  }

  const pair: PtyPair = {
    dir,
    a,
    b,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    kill,
    async restart() {
      await kill();
      await start();
    },
    async close() {
      live.delete(pair);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (error) {
    await kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  live.add(pair);
  return pair;
}

/** For afterAll: closes every pair this process started. */
export async function closeAllPtyPairs(): Promise<void> {
  await Promise.all([...live].map((pair) => pair.close()));
}
