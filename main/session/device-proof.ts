// The counter's side of 设备核对 (common/http-api.ts, route deviceProof): before
// the device token goes to a new server address, that server must answer a
// fresh nonce with the HMAC only the hall holding this device's registration
// can make (server/device-proof.ts computes it there).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deviceProofMessage } from '../../common/http-api.ts';

/** A fresh challenge: 32 random bytes, base64url. */
export function newDeviceProofNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** The proof the hall must answer: keyed with SHA-256 of the token, as the hall stores it (server/hall.ts). */
export function expectedDeviceProof(token: string, deviceId: string, nonce: string): string {
  const key = createHash('sha256').update(token, 'utf8').digest();
  return createHmac('sha256', key).update(deviceProofMessage(deviceId, nonce), 'utf8').digest('base64url');
}

/** Compares in constant time (for equal lengths; a proof of another length is simply wrong). */
export function deviceProofMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
