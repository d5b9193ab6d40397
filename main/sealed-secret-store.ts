// A SecretStore that keeps each secret sealed by an injected cipher (in the
// Electron shell: safeStorage, see main/electron/safe-storage-secrets.ts) in
// a file only the owner can read (0600). When the cipher is not available it
// refuses with a clear error — it never falls back to plaintext. A token an
// older version left in plaintext (FileSecretStore's `<name>.secret`) is
// sealed on first read and the plaintext file removed.
import { chmodSync, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HallError } from '../common/errors.ts';
import type { SecretStore } from './secret-store.ts';

export interface SecretCipher {
  /** Whether sealing is possible now (an OS key store is there). */
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

export const SEALING_UNAVAILABLE =
  '本机的系统加密存储不可用，无法安全保存设备令牌；请联系运维检查系统密钥环（钥匙串）后重新启动本程序';

export class SealedFileSecretStore implements SecretStore {
  private readonly dir: string;
  private readonly cipher: SecretCipher;

  constructor(dir: string, cipher: SecretCipher) {
    this.dir = dir;
    this.cipher = cipher;
  }

  private file(name: string, ext: 'sealed' | 'secret'): string {
    if (!/^[a-z-]+$/.test(name)) throw new Error(`bad secret name ${name}`);
    return join(this.dir, `${name}.${ext}`);
  }

  private requireCipher(): SecretCipher {
    if (!this.cipher.available()) throw new HallError('INTERNAL', SEALING_UNAVAILABLE, 500);
    return this.cipher;
  }

  check(): void {
    this.requireCipher();
  }

  get(name: string): string | null {
    const sealed = this.file(name, 'sealed');
    if (existsSync(sealed)) {
      const cipher = this.requireCipher();
      try {
        return cipher.decrypt(readFileSync(sealed));
      } catch {
        throw new HallError(
          'INTERNAL',
          '设备令牌无法解密（系统密钥可能已更换），请联系管理员重新注册本终端',
          500,
        );
      }
    }
    const legacy = this.file(name, 'secret');
    if (!existsSync(legacy)) return null;
    // Left in plaintext by an older version: sealed now, the plaintext removed.
    const value = readFileSync(legacy, 'utf8');
    this.set(name, value);
    unlinkSync(legacy);
    return value;
  }

  set(name: string, value: string): void {
    const bytes = this.requireCipher().encrypt(value);
    const file = this.file(name, 'sealed');
    const temp = `${file}.tmp`;
    writeFileSync(temp, bytes, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  }
}
