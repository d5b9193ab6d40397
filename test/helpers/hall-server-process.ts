// The hall server as a hall runs it, from the command line: `node server/main.ts
// ARGS` in its own process, waited for until it prints its READY line.
//
//   const server = await spawnHallServerProcess(['--data', dir, '--port', '0']);
//   server.ready.url; server.ready.adminTokenFile; // or ready.halls with --halls
//   await server.stop();
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '../..');

/** What the server's READY line says (server/main.ts): one hall's token file, or every hall's with --halls. */
export interface HallServerReady {
  url: string;
  adminTokenFile?: string;
  halls?: { code: string; url: string; adminTokenFile: string }[];
}

export interface HallServerProcess {
  ready: HallServerReady;
  /** The worker processes' pids, from the primary's log (--workers only), in the order they started. */
  workerPids: number[];
  /** Everything it wrote to standard output and standard error so far. */
  output(): string;
  /** SIGTERM, then its exit. */
  stop(): Promise<void>;
}

export async function spawnHallServerProcess(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; umask?: string } = {},
): Promise<HallServerProcess> {
  const command = [process.execPath, 'server/main.ts', ...args];
  const child =
    options.umask === undefined
      ? spawn(command[0]!, command.slice(1), { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `umask ${options.umask} && exec "$@"`, 'sh', ...command], {
          cwd: ROOT,
          env: options.env ?? process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let output = '';
  const workerPids: number[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    output += `${line}\n`;
    const started = /^\{.*"what":"worker started"/.test(line) ? (JSON.parse(line) as { pid: number }) : null;
    if (started) workerPids.push(started.pid);
  });
  for await (const line of createInterface({ input: child.stdout })) {
    output += `${line}\n`;
    if (line.startsWith('HALL_SERVER_READY ')) {
      const ready = JSON.parse(line.slice('HALL_SERVER_READY '.length)) as HallServerReady;
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return {
        ready,
        workerPids,
        output: () => output,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
    }
  }
  throw new Error(`the hall server exited before it was ready:\n${output}`);
}
