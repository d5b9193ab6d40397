// Idle hall server memory: resident set size (VmRSS) of `node server/main.ts`
// as a hall runs it (the bundle out/server/main.mjs that `npm run server`
// builds) and, for comparison, run from the TypeScript sources. Each is
// started on a fresh data folder (first start: seeds the hall), stopped and
// started again (an ordinary day's start), and read after it has sat idle.
// Printed, never asserted. Target: idle ≤ 100 MB for the bundle.
//
//   node bench/hall-rss.ts [idle seconds, default 5]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const IDLE_MS = Number(process.argv[2] ?? 5) * 1000;
const TARGET_MB = 100;
const root = fileURLToPath(new URL('..', import.meta.url));

const built = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'server/vite.config.ts'], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) throw new Error('building the hall server bundle failed');

function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Starts the server, waits until it is ready and has been idle IDLE_MS, returns its RSS in MiB. */
async function idleRss(entry: string, dataDir: string): Promise<number> {
  const child = spawn(process.execPath, [entry, '--data', dataDir, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('HALL_SERVER_READY')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the hall server exited (${code}) before it was ready:\n${output}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return residentMiB(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const runs = [
  { name: 'bundle (npm run server)', entry: join(root, 'out/server/main.mjs') },
  { name: 'TypeScript sources', entry: join(root, 'server/main.ts') },
];
console.log(`\nidle hall server, resident memory after ${IDLE_MS / 1000} s idle`);
let bundleIdle = Infinity;
for (const { name, entry } of runs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-bench-rss-'));
  try {
    const firstStart = await idleRss(entry, dataDir);
    const dayStart = await idleRss(entry, dataDir);
    if (entry.endsWith('.mjs')) bundleIdle = dayStart;
    console.log(`  ${name.padEnd(26)} first start (seeds the hall) ${firstStart.toFixed(0).padStart(4)} MB   a day's start ${dayStart.toFixed(0).padStart(4)} MB`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(`  target: a day's start of the bundle ≤ ${TARGET_MB} MB → ${bundleIdle <= TARGET_MB ? 'met' : 'MISSED'}`);
