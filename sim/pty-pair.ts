// A socat pty pair for the simulator command lines: the app opens one end,
// the simulator the other. (Tests use test/helpers/pty-pair.ts, which can
// also pull and replug the line.)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A pty pair made with socat: the app opens `appPath`, the simulator the other
 * end (`appPath`-sim). Null when socat is not installed.
 */
export async function startPtyPair(appPath: string): Promise<{ appPath: string; simPath: string; stop(): void } | null> {
  const simPath = `${appPath}-sim`;
  let child: ChildProcess;
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${appPath}`, `pty,raw,echo=0,link=${simPath}`], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const failed = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(true));
    const started = Date.now();
    const poll = setInterval(() => {
      if (existsSync(appPath) && existsSync(simPath)) {
        clearInterval(poll);
        resolve(false);
      } else if (Date.now() - started > 5000) {
        clearInterval(poll);
        resolve(true);
      }
    }, 20);
  });
  if (failed) {
    child.kill();
    return null;
  }
  return { appPath, simPath, stop: () => void child.kill() };
}
