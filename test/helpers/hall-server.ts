// The real hall server for tests: in this process, on a loopback port, over a
// fresh SQLite file in a temp folder, seeded with the demo hall (resources/hall)
// unless told otherwise.
//
//   const hall = await startHallServer();
//   const counter = await hall.enroll(3); // a counter enrolled to window 3
//   await fetch(`${hall.url}/v1/windows/3/state`, { headers: { authorization: `Bearer ${counter.token}` } });
//   await hall.close(); // also deletes the temp folder
//
// Demo staff 1001–1006 all sign in with DEMO_PASSWORD.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnrollmentCode, Enrollment } from '../../common/http-api.ts';
import { createHallServer } from '../../server/hall-server.ts';

export const DEMO_SEED_DIR = join(import.meta.dirname, '../../resources/hall');
export const DEMO_PASSWORD = '123456';

/**
 * A copy of the demo hall's seed with some hall settings changed (e.g. a
 * short ratingTimeLimitSeconds): its folder, for startHallServer({ seedDir }).
 */
export function demoSeedWith(settings: Record<string, unknown>): string {
  const seedDir = mkdtempSync(join(tmpdir(), 'halldesk-seed-'));
  cpSync(DEMO_SEED_DIR, seedDir, { recursive: true });
  const file = join(seedDir, 'settings.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...settings }));
  return seedDir;
}

export interface TestHallServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  adminToken: string;
  /** The temp folder holding hall.sqlite (on SQLite) and the hall's key. */
  dataDir: string;
  /** The hall's database: the SQLite file, or a postgres:// URL in the server suite's PostgreSQL run. */
  dbPath: string;
  /** Enrolls a device: a counter at `windowId` (the default role when a window is given), or a kiosk. */
  enroll(windowId: number | null, role?: Enrollment['role']): Promise<Enrollment>;
  close(): Promise<void>;
}

export async function startHallServer(
  options: { seedDir?: string; clock?: () => Date } = {},
): Promise<TestHallServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'halldesk-hall-'));
  const adminToken = 'test-admin-token';
  // The server suite's PostgreSQL run gives each hall a database of its own; elsewhere (scripts and
  // harnesses that run outside vitest too) the file, without loading the matrix's vitest helpers.
  const dbPath =
    process.env.HALLDESK_TEST_BACKEND === 'postgres'
      ? await (await import('./test-database.ts')).freshHallDatabase(dataDir)
      : join(dataDir, 'hall.sqlite');
  const server = createHallServer({
    dbPath,
    applicantKeyPath: join(dataDir, 'hall.sqlite-applicant-key'),
    adminToken,
    seedDir: options.seedDir ?? DEMO_SEED_DIR,
    clock: options.clock,
  });
  const url = await server.listen(0, '127.0.0.1');

  async function post(path: string, body: unknown, token?: string): Promise<unknown> {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json: unknown = await response.json();
    if (!response.ok) throw new Error(`${path} → ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  return {
    url,
    adminToken,
    dataDir,
    dbPath,
    async enroll(windowId, role = windowId === null ? 'kiosk' : 'counter') {
      const { code } = EnrollmentCode.parse(
        await post('/v1/admin/enrollment-codes', { role, windowId }, adminToken),
      );
      return Enrollment.parse(
        await post('/v1/devices/enroll', { code, deviceName: `test ${role} ${windowId ?? ''}` }),
      );
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
