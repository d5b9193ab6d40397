// The hall server's side of 设备核对 (common/http-api.ts, route deviceProof):
// the HMAC a counter checks before it sends its device token to a new address.
import { createHmac } from 'node:crypto';
import { deviceProofMessage } from '../common/http-api.ts';

/**
 * base64url HMAC-SHA256 keyed with the device's stored token hash (the
 * 32-byte SHA-256 digest of the token; the devices table keeps it as hex).
 * The counter computes the same from its token (main/device-proof.ts).
 */
export function deviceProof(tokenHash: Buffer, deviceId: string, nonce: string): string {
  return createHmac('sha256', tokenHash)
    .update(deviceProofMessage(deviceId, nonce), 'utf8')
    .digest('base64url');
}
