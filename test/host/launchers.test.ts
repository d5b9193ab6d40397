// The launchers end their children (issue 15): `npm run demo:web` as a real
// process (its hall server on a free port through HALL_PORT, data under a
// temp XDG_CONFIG_HOME), stopped with SIGTERM and with Ctrl+C; a launcher
// that crashes with an uncaught error; a busy port named by its variable.
// After each: every child is gone and the hall's port is free. Also: the
// pages' addresses (with tokens) are in a 0600 file, never on stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/** Where demo-web writes the pages' addresses, in its data folder. */
const PAGE_URLS_FILE_NAME = 'page-urls.txt';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pids of `pid`'s children right now. */
const childrenOf = (pid: number): number[] =>
  spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0);

interface Launched {
  child: ChildProcess;
  output: () => string;
  /** Resolves once a line of stdout contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(script: string, args: string[], env: NodeJS.ProcessEnv): Launched {
  const child = spawn(process.execPath, [join(repo, script), ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitFor(text, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before «${text}»:\n${out}`);
        if (Date.now() > until) throw new Error(`no «${text}» within ${timeoutMs} ms:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Waits until none of `pids` is alive and `port` can be listened on again. */
async function allGone(pids: number[], port: number) {
  await expect.poll(() => pids.filter(alive), { timeout: 15_000 }).toEqual([]);
  await expect.poll(() => portFree(port), { timeout: 15_000 }).toBe(true);
}

const modesUnder = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [path.slice(root.length + 1), (statSync(path).mode & 0o777).toString(8)] as const;
    });

describe('npm run demo:web as a real process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the hall server and the simulators end with it, the port is free; tokens only in a 0600 file`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'halldesk-demo-home-'));
      const port = await freePort();
      const demo = launch('scripts/demo-web.ts', ['--windows=1'], { HALL_PORT: String(port), XDG_CONFIG_HOME: home });
      await demo.waitFor('演示账号');
      const kids = childrenOf(demo.child.pid!);
      // The hall server, the printer simulator, socat and the evaluator simulator.
      expect(kids.length).toBeGreaterThanOrEqual(4);
      expect(await portFree(port)).toBe(false);

      const dataDir = join(home, 'HallDesk', 'demo-web');
      const pagesFile = join(dataDir, PAGE_URLS_FILE_NAME);
      expect(statSync(pagesFile).mode & 0o777).toBe(0o600);
      const tokens = [...readFileSync(pagesFile, 'utf8').matchAll(/token=([\w-]+)/g)].map((m) => m[1]!);
      expect(new Set(tokens).size).toBe(2); // the clerk's and the outward screen's, different
      expect(demo.output()).toContain(pagesFile);
      for (const token of tokens) expect(demo.output()).not.toContain(token);
      expect(demo.output()).not.toMatch(/token=/);

      demo.child.kill(signal);
      expect((await demo.exited).code).toBe(0);
      await allGone(kids, port);
      // Every file the counter wrote is the owner's alone.
      expect(modesUnder(join(dataDir, 'counter-1')).filter(([, mode]) => mode !== '600')).toEqual([]);
      for (const dir of ['', 'counter-1', 'printer-jobs', 'evaluator']) expect(statSync(join(dataDir, dir)).mode & 0o777, dir).toBe(0o700);
    }, 90_000);
  }

  it('a busy port: a Chinese message naming HALL_PORT (not an option demo:web does not have), nothing left running', async () => {
    const home = mkdtempSync(join(tmpdir(), 'halldesk-demo-home-'));
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', () => resolve()));
    try {
      const demo = launch('scripts/demo-web.ts', ['--windows=1'], { HALL_PORT: String(port), XDG_CONFIG_HOME: home });
      expect((await demo.exited).code).toBe(1);
      expect(demo.output()).toContain(`端口 ${port} 已被占用`);
      expect(demo.output()).toContain('HALL_PORT');
      expect(demo.output()).not.toContain('--port');
      expect(childrenOf(demo.child.pid!)).toEqual([]);
    } finally {
      squatter.close();
    }
    const wrong = launch('scripts/demo-web.ts', ['--windows=1'], { HALL_PORT: 'eighty', XDG_CONFIG_HOME: home });
    expect((await wrong.exited).code).toBe(1);
    expect(wrong.output()).toContain('环境变量 HALL_PORT 应为 1–65535 之间的端口号');
  }, 60_000);
});

describe('a launcher that crashes', () => {
  it('an unhandled rejection is logged and the launcher carries on; an uncaught error ends every child and exits 1', async () => {
    const port = await freePort();
    const launcher = launch('test/host/fixtures/crashing-launcher.ts', [], { HALL_PORT: String(port) });
    await launcher.waitFor('READY');
    const kids = childrenOf(launcher.child.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(4);

    launcher.child.stdin!.write('reject\n');
    await launcher.waitFor('STILL HERE');
    expect(launcher.output()).toContain('unhandled rejection (carrying on)');
    expect(kids.filter(alive)).toEqual(kids);

    launcher.child.stdin!.write('crash\n');
    expect((await launcher.exited).code).toBe(1);
    expect(launcher.output()).toContain('出错退出：launcher crashed');
    await allGone(kids, port);
  }, 90_000);
});
