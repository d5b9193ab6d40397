// The keyed chain at the counter (issue 21, docs/records-trust.md): the chain
// key derived from the device token, and the hash of one mutation with or
// without it. The hall server computes the same from the token's digest
// (server/sync.ts).
import { createHash, createHmac } from 'node:crypto';
import { chainKeyMessage, mutationHashInput } from '../../common/sync.ts';

/** 32 bytes: HMAC-SHA256(SHA-256(token), chainKeyMessage(deviceId)). Held in memory only. */
export function deriveChainKey(token: string, deviceId: string): Buffer {
  const tokenHash = createHash('sha256').update(token, 'utf8').digest();
  return createHmac('sha256', tokenHash).update(chainKeyMessage(deviceId), 'utf8').digest();
}

/** SHA-256 (no key: records before the chain was keyed) or HMAC-SHA256 with the chain key, hex. */
export function chainHash(
  key: Buffer | null,
  prevHash: string,
  m: { seq: number; id: string; name: string; args: unknown; at: string },
): string {
  const input = mutationHashInput(prevHash, m);
  return key === null
    ? createHash('sha256').update(input, 'utf8').digest('hex')
    : createHmac('sha256', key).update(input, 'utf8').digest('hex');
}

/**
 * The chain key of the device the counter is enrolled as now, derived when
 * asked (the token can change: 重新注册), remembered for the same token and
 * device; null while not enrolled or when the token cannot be read.
 */
export function chainKeySource(source: { token(): string | null; deviceId(): string | null }): () => Buffer | null {
  let memo: { token: string; deviceId: string; key: Buffer } | null = null;
  return () => {
    let token: string | null;
    try {
      token = source.token();
    } catch {
      return null;
    }
    const deviceId = source.deviceId();
    if (!token || !deviceId) return null;
    if (!memo || memo.token !== token || memo.deviceId !== deviceId) memo = { token, deviceId, key: deriveChainKey(token, deviceId) };
    return memo.key;
  };
}
