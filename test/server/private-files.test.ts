// Every file the hall server keeps is 0600, whatever the umask: the database
// and its -wal and -shm (device token hashes, staff password hashes, masked
// applicants), and the admin token, which is never printed, only its file's path.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHallDatabase } from '../../server/db.ts';
import { call } from './support.ts';
import { spawnHallServerProcess } from '../helpers/hall-server-process.ts';

const ROOT = join(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'halldesk-files-'));
  dirs.push(dir);
  return dir;
};

/** Every entry of `dir` with its permission bits. */
const modes = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((name) => [name, (statSync(join(dir, name)).mode & 0o777).toString(8)]));

/** `node server/main.ts` under umask 000, so that only the server's own care makes its files private. */
async function serve(dataDir: string) {
  const server = await spawnHallServerProcess(['--data', dataDir, '--port', '0'], { umask: '000' });
  return { url: server.ready.url, adminTokenFile: server.ready.adminTokenFile!, output: server.output, stop: server.stop };
}

describe('the hall server’s files', () => {
  it('are 0600 under umask 000 (database, -wal, -shm, admin token, applicant-ID key), the data dir 0700; the token is never printed', async () => {
    const dataDir = join(tempDir(), 'hall');
    const server = await serve(dataDir);
    expect(server.adminTokenFile).toBe(join(dataDir, 'admin-token'));
    const token = readFileSync(server.adminTokenFile, 'utf8').trim();
    expect(token).toMatch(/^[\w-]{32}$/);
    // Some writes, so that the WAL holds data.
    const code = await call(server.url, 'POST', '/v1/admin/enrollment-codes', { token, body: { role: 'kiosk', windowId: null } });
    expect(code.status).toBe(200);
    const enrollCode = spawnSync(process.execPath, ['server/main.ts', 'enroll-code', '--data', dataDir, '--window', '2'], { cwd: ROOT, encoding: 'utf8' });
    expect(enrollCode.status, enrollCode.stderr).toBe(0);

    // -applicant-key: the hall's key for applicants' ID numbers in case search (docs/architecture.md).
    expect(readdirSync(dataDir).sort()).toEqual([
      'admin-token',
      'hall.sqlite',
      'hall.sqlite-applicant-key',
      'hall.sqlite-shm',
      'hall.sqlite-wal',
    ]);
    expect(Object.values(modes(dataDir)).every((mode) => mode === '600'), JSON.stringify(modes(dataDir))).toBe(true);
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    await server.stop();
    expect(Object.values(modes(dataDir)).every((mode) => mode === '600'), JSON.stringify(modes(dataDir))).toBe(true);
    expect(server.output()).not.toContain(token);
    expect(server.output()).toContain(server.adminTokenFile);

    // A restart keeps the token (delete the file to change it).
    const again = await serve(dataDir);
    expect(readFileSync(again.adminTokenFile, 'utf8').trim()).toBe(token);
    expect((await call(again.url, 'GET', '/v1/admin/device-setups', { token })).status).toBe(200);
    await again.stop();
    expect(again.output()).not.toContain(token);
  });

  it('makes an older install’s 0644 database, -wal and -shm 0600 when it opens them', () => {
    const path = join(tempDir(), 'hall.sqlite');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x INTEGER) STRICT; INSERT INTO t VALUES (1);');
    for (const file of [path, `${path}-wal`, `${path}-shm`]) spawnSync('chmod', ['644', file]);
    expect((statSync(path).mode & 0o777).toString(8)).toBe('644');
    const db = openHallDatabase(path);
    try {
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(file), file).toBe(true);
        expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
      }
    } finally {
      db.close();
      old.close();
    }
  });
});
