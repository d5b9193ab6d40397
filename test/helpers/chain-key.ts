// The chain key of a test counter, as a person holding its data folder AND its
// device token would have it (the tests that write records into a counter's
// file as a copied data folder would): from the token file the FileSecretStore
// keeps in the data folder and the enrollment in the database.
import { join } from 'node:path';
import { DEVICE_TOKEN } from '../../main/core/counter-state.ts';
import { FileSecretStore } from '../../main/secret-store.ts';
import type { Db } from '../../main/store/database.ts';
import { deriveChainKey } from '../../main/sync/chain-key.ts';

export function counterChainKey(dataDir: string, db: Db): Buffer {
  const token = new FileSecretStore(dataDir).get(DEVICE_TOKEN);
  if (!token) throw new Error(`no device token in ${dataDir}`);
  const row = db.prepare("SELECT value FROM kv WHERE key = 'enrollment'").get() as { value: string } | undefined;
  if (!row) throw new Error('not enrolled');
  return deriveChainKey(token, (JSON.parse(row.value) as { deviceId: string }).deviceId);
}

/** The counter's data folder (a test counter keeps its database there as counter.db). */
export const counterDbPath = (dataDir: string): string => join(dataDir, 'counter.db');
