// Where the device token lives. The browser host keeps it in a file only the
// owner can read (0600); the Electron shell may pass a safeStorage-backed store.
import { chmodSync, existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretStore {
  get(name: string): string | null;
  set(name: string, value: string): void;
  /** Throws the reason when a secret could not be stored now (checked before a one-time code is spent). */
  check?(): void;
}

export class FileSecretStore implements SecretStore {
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  private file(name: string): string {
    if (!/^[a-z-]+$/.test(name)) throw new Error(`bad secret name ${name}`);
    return join(this.dir, `${name}.secret`);
  }
  get(name: string): string | null {
    const file = this.file(name);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  }
  set(name: string, value: string): void {
    const file = this.file(name);
    const temp = `${file}.tmp`;
    writeFileSync(temp, value, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  }
}
