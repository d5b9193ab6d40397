// 设备核对 (POST /v1/devices/{deviceId}/proof) on the real hall server: it
// answers a counter's nonce with the HMAC the counter expects, keyed with the
// token hash it stores, needs no token, refuses an unknown device in Chinese,
// bounds its body and rate-limits callers.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../common/errors.ts';
import { DEVICE_PROOF_LABEL, DeviceProof, deviceProofMessage } from '../../common/http-api.ts';
import { deviceProofMatches, expectedDeviceProof, newDeviceProofNonce } from '../../main/session/device-proof.ts';
import { deviceProof } from '../../server/device-proof.ts';
import { startHallServer, type TestHallServer } from '../helpers/hall-server.ts';

const halls: TestHallServer[] = [];
afterEach(async () => {
  for (const hall of halls.splice(0)) await hall.close();
});
async function hall(): Promise<TestHallServer> {
  const started = await startHallServer();
  halls.push(started);
  return started;
}

async function askProof(url: string, deviceId: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/devices/${encodeURIComponent(deviceId)}/proof`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

describe('device proof (server and counter agree)', () => {
  it('computes the same proof on both sides, domain-separated by the label', () => {
    const token = randomBytes(32).toString('base64url');
    const deviceId = '0190f3c2-1111-7222-8333-444455556666';
    const nonce = newDeviceProofNonce();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = createHash('sha256').update(token).digest('hex'); // as server/hall.ts keeps it
    const onServer = deviceProof(Buffer.from(stored, 'hex'), deviceId, nonce);
    const onCounter = expectedDeviceProof(token, deviceId, nonce);
    expect(onServer).toBe(onCounter);
    expect(DeviceProof.parse({ proof: onServer }).proof).toBe(onServer);
    expect(deviceProofMatches(onCounter, onServer)).toBe(true);

    expect(deviceProofMessage(deviceId, nonce)).toBe(`${DEVICE_PROOF_LABEL}\n${deviceId}\n${nonce}`);
    // Without the label (or with another device, nonce or token) it is another value.
    const bare = createHmac('sha256', Buffer.from(stored, 'hex'))
      .update(`${deviceId}\n${nonce}`)
      .digest('base64url');
    expect(bare).not.toBe(onServer);
    expect(expectedDeviceProof(token, `${deviceId}x`, nonce)).not.toBe(onServer);
    expect(expectedDeviceProof(token, deviceId, newDeviceProofNonce())).not.toBe(onServer);
    expect(expectedDeviceProof(`${token}x`, deviceId, nonce)).not.toBe(onServer);
    expect(deviceProofMatches(onCounter, onServer.slice(1))).toBe(false);
    expect(
      deviceProofMatches(onCounter, `${onServer.slice(0, -1)}${onServer.endsWith('A') ? 'B' : 'A'}`),
    ).toBe(false);
  });
});

describe('POST /v1/devices/{deviceId}/proof', () => {
  it('answers the proof the enrolled counter expects, without any token', async () => {
    const h = await hall();
    const counter = await h.enroll(3);
    const kiosk = await h.enroll(null);
    const nonce = newDeviceProofNonce();
    const answer = await askProof(h.url, counter.deviceId, { nonce });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const { proof } = DeviceProof.parse(answer.json);
    expect(deviceProofMatches(expectedDeviceProof(counter.token, counter.deviceId, nonce), proof)).toBe(true);
    // Another device's token does not make it; the kiosk gets its own.
    expect(proof).not.toBe(expectedDeviceProof(kiosk.token, counter.deviceId, nonce));
    const forKiosk = DeviceProof.parse((await askProof(h.url, kiosk.deviceId, { nonce })).json).proof;
    expect(forKiosk).toBe(expectedDeviceProof(kiosk.token, kiosk.deviceId, nonce));
    // The answer carries nothing but the proof.
    expect(Object.keys(answer.json as object)).toEqual(['proof']);
    expect(JSON.stringify(answer.json)).not.toContain(counter.token);
  });

  it('refuses an unknown device with 404 in Chinese', async () => {
    const h = await hall();
    await h.enroll(3);
    const answer = await askProof(h.url, '0190f3c2-0000-7000-8000-000000000000', {
      nonce: newDeviceProofNonce(),
    });
    expect(answer.status).toBe(404);
    const error = ApiError.parse(answer.json);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('没有这台设备的注册记录');
  });

  it('refuses a malformed nonce and an oversized body', async () => {
    const h = await hall();
    const counter = await h.enroll(3);
    for (const body of [{}, { nonce: 'short' }, { nonce: 'x'.repeat(44) }, { nonce: `${'a'.repeat(42)}=` }]) {
      const answer = await askProof(h.url, counter.deviceId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(ApiError.parse(answer.json).message).toContain('nonce');
    }
    const huge = await askProof(h.url, counter.deviceId, {
      nonce: newDeviceProofNonce(),
      pad: 'x'.repeat(2048),
    });
    expect(huge.status).toBe(413);
    expect(ApiError.parse(huge.json).code).toBe('BAD_REQUEST');
  });

  it('limits how often one address may ask', async () => {
    const h = await hall();
    const counter = await h.enroll(3);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      // Unknown devices count too: the limit is per caller, not per device.
      const deviceId = i % 2 === 0 ? counter.deviceId : `unknown-${i}`;
      statuses.push((await askProof(h.url, deviceId, { nonce: newDeviceProofNonce() })).status);
    }
    expect(statuses.slice(0, 20).filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.slice(0, 20).filter((status) => status === 404)).toHaveLength(10);
    const limited = await askProof(h.url, counter.deviceId, { nonce: newDeviceProofNonce() });
    expect(statuses[20]).toBe(429);
    expect(limited.status).toBe(429);
    const error = ApiError.parse(limited.json);
    expect(error.code).toBe('BUSY');
    expect(error.message).toContain('过于频繁');
  });
});
