// The launchers' children (hall server, simulators, socat, Electron). Each is
// started in a process group of its own, and every group is ended when the
// launcher goes: on a normal exit, Ctrl+C, SIGTERM or SIGHUP, or an uncaught
// error — so no child outlives the demo holding port 8720.
//
//   const child = spawnChild(process.execPath, [script]);   // instead of spawn
//   onLauncherExit(async () => { …close counters… }, log);  // once, in the launcher
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Logger } from '../main/log.ts';

const running = new Set<ChildProcess>();
/** Own groups need POSIX process groups; on Windows a child is ended alone. */
const groups = process.platform !== 'win32';

/** spawn(), in a process group of the child's own, ended with the launcher. */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  installExitHook();
  const child = spawn(command, args, { ...options, detached: groups });
  if (child.pid !== undefined) running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Sends `signal` to the child's whole process group (the child and what it started). */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || hasExited(child)) return;
  try {
    process.kill(groups ? -child.pid : child.pid, signal);
  } catch {
    // Gone already.
  }
}

/** The children still running (for tests and messages). */
export const runningChildren = (): readonly ChildProcess[] => [...running];

/** SIGTERM to every child's group; after `graceMs`, SIGKILL to those still there. */
export async function stopChildren(graceMs = 3_000): Promise<void> {
  const left = [...running];
  for (const child of left) signalChild(child, 'SIGTERM');
  const exited = (child: ChildProcess) =>
    hasExited(child) ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(left.map(exited)), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  for (const child of left) signalChild(child, 'SIGKILL');
}

let hooked = false;
function installExitHook() {
  if (hooked) return;
  hooked = true;
  // The last word, whatever path the launcher took out: synchronous, so only a signal.
  process.on('exit', () => {
    for (const child of running) signalChild(child, 'SIGTERM');
  });
}

const ONE_SHUTDOWN_MS = 8_000;

/**
 * For a launcher's main module: Ctrl+C, SIGTERM and SIGHUP run `shutdown`
 * (closing what the launcher opened; at most 8 s), then end the children and
 * exit. An uncaught error prints its message, ends the children and exits 1.
 * A promise rejected and never handled — a fault inside one call — is logged
 * and the launcher carries on.
 */
export function onLauncherExit(shutdown: () => Promise<void>, log: Logger): void {
  installExitHook();
  let leaving = false;
  const leave = async (code: number) => {
    if (leaving) {
      // A second Ctrl+C: no more waiting.
      for (const child of running) signalChild(child, 'SIGKILL');
      process.exit(code);
    }
    leaving = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([shutdown(), new Promise((resolve) => (timer = setTimeout(resolve, ONE_SHUTDOWN_MS)))]);
    } catch (error) {
      log.error('shutdown failed', { error: String(error) });
    } finally {
      clearTimeout(timer);
    }
    await stopChildren();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void leave(0));
  process.on('uncaughtException', (error) => {
    console.error(`\n出错退出：${error instanceof Error ? error.message : String(error)}`);
    log.error('uncaught exception', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    for (const child of running) signalChild(child, 'SIGTERM');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    log.error('unhandled rejection (carrying on)', { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  });
}
