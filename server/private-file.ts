// Files only the hall server's user may read: the database (and its -wal and
// -shm), the admin token. Modes are set explicitly, whatever the umask.
import { chmodSync, closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;
/** The data directory, when the server creates it: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes `text` to `path` as a 0600 file, replacing it whole: written to a
 * fresh 0600 file beside it first, then renamed over it, so that no reader
 * ever sees it half written or with looser permissions.
 */
export function writePrivateFile(path: string, text: string): void {
  const temporary = writeTemporary(path, text);
  renameSync(temporary, path);
}

/**
 * Creates `path` as a 0600 file holding `text`, unless it exists: returns
 * false then, and leaves it as it is. Written whole before it appears, so a
 * second process doing the same at once reads all of the winner's text.
 */
export function createPrivateFileOnce(path: string, text: string): boolean {
  const temporary = writeTemporary(path, text);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function writeTemporary(path: string, text: string): string {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    chmodSync(temporary, PRIVATE_FILE_MODE);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}
