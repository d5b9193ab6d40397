// The sealed secret store (main/sealed-secret-store.ts) with an injected
// cipher in place of Electron's safeStorage: only sealed bytes reach the disk,
// in a 0600 file; no cipher means a clear refusal, never plaintext; a token an
// older version left in plaintext is sealed on first read and its file removed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HallError } from '../../common/errors.ts';
import { SEALING_UNAVAILABLE, SealedFileSecretStore, type SecretCipher } from '../../main/sealed-secret-store.ts';
import type { ClerkState } from '../../common/contract.ts';
import { openCounter } from '../../main/counter.ts';
import { HallClient } from '../../main/hall-client.ts';
import { FileSecretStore } from '../../main/secret-store.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { tempDir } from '../sync/support.ts';

const TOKEN = 'dt_0123456789abcdef-令牌';

/** XOR with a fixed key: reversible, and never the plaintext bytes. */
function fakeCipher(state = { available: true }): SecretCipher & { state: { available: boolean } } {
  const key = 0x5a;
  const xor = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ key));
  return {
    state,
    available: () => state.available,
    encrypt: (plain) => Buffer.concat([Buffer.from('SEALED'), xor(Buffer.from(plain, 'utf8'))]),
    decrypt: (sealed) => {
      if (!sealed.subarray(0, 6).equals(Buffer.from('SEALED'))) throw new Error('not ours');
      return xor(sealed.subarray(6)).toString('utf8');
    },
  };
}

describe('SealedFileSecretStore', () => {
  it('writes only sealed bytes, in a 0600 file, and reads them back', () => {
    const dir = tempDir('halldesk-sealed-');
    const store = new SealedFileSecretStore(dir, fakeCipher());
    expect(store.get('device-token')).toBeNull();
    store.set('device-token', TOKEN);
    const file = join(dir, 'device-token.sealed');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).includes(Buffer.from(TOKEN))).toBe(false);
    expect(readdirSync(dir)).toEqual(['device-token.sealed']);
    expect(store.get('device-token')).toBe(TOKEN);
    // A second store over the same folder (a restart) reads it too.
    expect(new SealedFileSecretStore(dir, fakeCipher()).get('device-token')).toBe(TOKEN);
    expect(() => store.set('../x', 'y')).toThrow(/bad secret name/);
  });

  it('refuses with a clear error when the cipher is not available — never plaintext', () => {
    const dir = tempDir('halldesk-sealed-');
    const cipher = fakeCipher({ available: false });
    const store = new SealedFileSecretStore(dir, cipher);
    const refused = (() => {
      try {
        store.set('device-token', TOKEN);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(HallError);
    expect((refused as HallError).message).toBe(SEALING_UNAVAILABLE);
    expect(readdirSync(dir)).toEqual([]);

    // Sealed while available; the key store gone later: reading refuses too.
    cipher.state.available = true;
    store.set('device-token', TOKEN);
    cipher.state.available = false;
    expect(() => store.get('device-token')).toThrow(SEALING_UNAVAILABLE);
  });

  it('says so when a sealed token cannot be opened (another key)', () => {
    const dir = tempDir('halldesk-sealed-');
    writeFileSync(join(dir, 'device-token.sealed'), 'garbage');
    expect(() => new SealedFileSecretStore(dir, fakeCipher()).get('device-token')).toThrow(/无法解密.*重新注册/);
  });

  it('seals a plaintext token left by an older version and removes the plaintext file', () => {
    const dir = tempDir('halldesk-sealed-');
    new FileSecretStore(dir).set('device-token', TOKEN);
    const store = new SealedFileSecretStore(dir, fakeCipher());
    expect(store.get('device-token')).toBe(TOKEN);
    expect(existsSync(join(dir, 'device-token.secret'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['device-token.sealed']);
    expect(store.get('device-token')).toBe(TOKEN);

    // Without the cipher the plaintext stays where it was (and is not handed out).
    const other = tempDir('halldesk-sealed-');
    new FileSecretStore(other).set('device-token', TOKEN);
    expect(() => new SealedFileSecretStore(other, fakeCipher({ available: false })).get('device-token')).toThrow(
      SEALING_UNAVAILABLE,
    );
    expect(existsSync(join(other, 'device-token.secret'))).toBe(true);
  });

  it('stops an enrollment before the one-time code is spent when the token could not be kept', async () => {
    const hall = await startHallServer();
    try {
      const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
      const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 1 } });
      const dataDir = tempDir('halldesk-sealed-counter-');
      const cipher = fakeCipher({ available: false });
      const counter = await openCounter({ dataDir, deviceName: 'sealed' }, { secrets: new SealedFileSecretStore(dataDir, cipher), retryDelay: () => 100 });
      try {
        const refused = await counter.call('enroll', { serverUrl: hall.url, code }).then(() => null, (e: unknown) => e);
        expect(refused).toBeInstanceOf(HallError);
        expect((refused as HallError).message).toBe(SEALING_UNAVAILABLE);
        // The key store is back: the same code still works, and the token is sealed.
        cipher.state.available = true;
        const state = (await counter.call('enroll', { serverUrl: hall.url, code })) as ClerkState;
        expect(state.enrolled).toBe(true);
        expect(readdirSync(dataDir)).toContain('device-token.sealed');
        expect(readdirSync(dataDir)).not.toContain('device-token.secret');
      } finally {
        await counter.close();
      }
    } finally {
      await hall.close();
    }
  });
});
