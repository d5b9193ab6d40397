// The device token sealed with Electron's safeStorage (DPAPI on Windows, the
// keychain on macOS, libsecret / KWallet on Linux). Linux without a key ring
// falls back to 'basic_text' — a fixed key, no protection — which counts as
// not available: the store then refuses rather than keep the token readable.
import { safeStorage } from 'electron';
import { SealedFileSecretStore, type SecretCipher } from '../sealed-secret-store.ts';

export const safeStorageCipher: SecretCipher = {
  available: () =>
    safeStorage.isEncryptionAvailable() &&
    (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (sealed) => safeStorage.decryptString(sealed),
};

export class SafeStorageSecretStore extends SealedFileSecretStore {
  constructor(dir: string) {
    super(dir, safeStorageCipher);
  }
}
