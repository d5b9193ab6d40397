// 更换服务器地址 sends the device token only to a server that first proves it
// holds this device's registration (设备核对). Real parts: the real hall
// server, the counter core, and plain node:http servers in this file that
// record every request they get (a fake "server", and a forwarder in front of
// a real hall server).
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkState } from '../../common/contract.ts';
import type { DeviceSetupView } from '../../common/device-setup.ts';
import type { StoredEnrollment } from '../../main/store/counter-store.ts';
import { startHallServer } from '../helpers/hall-server.ts';
import { failure, waitFor } from '../helpers/counter-views.ts';
import { deviceRig, MANAGER, type DeviceRig } from './device-rig.ts';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

interface Answer {
  status: number;
  body: string;
  type?: string;
  location?: string;
}

interface RecordingServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/**
 * Records every request, then answers it with `answer` or, given `upstream`,
 * forwards it there (streams included) and pipes the answer back.
 */
async function recordingServer(
  handler: { answer: (request: Recorded) => Answer } | { upstream: string },
): Promise<RecordingServer> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      if ('answer' in handler) {
        const { status, body, type = 'application/json', location } = handler.answer(recorded);
        res.writeHead(status, { 'content-type': type, ...(location ? { location } : {}) }).end(body);
        return;
      }
      const target = new URL(recorded.url, handler.upstream);
      const forward = httpRequest(
        target,
        { method: recorded.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      res.on('close', () => forward.destroy());
      forward.end(recorded.body === '' ? undefined : recorded.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

const rigs: DeviceRig[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function managerRig(): Promise<DeviceRig> {
  const r = await deviceRig();
  rigs.push(r);
  await r.signIn(MANAGER);
  return r;
}
async function recording(...args: Parameters<typeof recordingServer>): Promise<RecordingServer> {
  const server = await recordingServer(...args);
  cleanups.push(() => server.close());
  return server;
}

const tokenOf = (r: DeviceRig) => readFileSync(join(r.dataDir, 'device-token.secret'), 'utf8');
const enrollmentOf = (r: DeviceRig) =>
  JSON.parse(
    r.query<{ value: string }>("SELECT value FROM kv WHERE key = 'enrollment'")[0]!.value,
  ) as StoredEnrollment;
const serverUrlOf = async (r: DeviceRig) =>
  ((await r.counter.call('getDeviceSetup', {})) as DeviceSetupView).server.url;

/** Nothing the server got carries the token or any Authorization header. */
function expectNoToken(requests: Recorded[], token: string): void {
  expect(token.length).toBeGreaterThanOrEqual(32);
  for (const request of requests) {
    expect(request.headers.authorization).toBeUndefined();
    expect(request.rawHeaders.map((name) => name.toLowerCase())).not.toContain('authorization');
    expect(JSON.stringify(request)).not.toContain(token);
  }
}

describe('更换服务器地址: the new address proves itself before the token goes there', () => {
  it('moves to the real hall server: the proof request carries no token, the check after it does', async () => {
    const r = await managerRig();
    const token = tokenOf(r);
    const { deviceId } = enrollmentOf(r);
    const front = await recording({ upstream: r.hall.url });
    const view = (await r.counter.call('changeServerAddress', { serverUrl: front.url })) as DeviceSetupView;
    expect(view.server.url).toBe(front.url);

    const [proof, check] = front.requests;
    expect(proof).toMatchObject({ method: 'POST', url: `/v1/devices/${deviceId}/proof` });
    expectNoToken([proof!], token);
    expect((JSON.parse(proof!.body) as { nonce: string }).nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Proven: only now the token-carrying check.
    expect(check).toMatchObject({ method: 'GET', url: '/v1/windows/3/state' });
    expect(check!.headers.authorization).toBe(`Bearer ${token}`);
    const online = await waitFor<ClerkState>(
      r.counter,
      'clerkState',
      (s) => s.connection.serverUrl === front.url && s.connection.state === 'online',
    );
    expect(online.clerk?.staffNo).toBe(MANAGER);
  });

  it('refuses a server that is not a hall server, sending it nothing secret', async () => {
    const r = await managerRig();
    const token = tokenOf(r);
    const keep = `仍使用原地址 ${r.hall.url}`;
    const answers: Answer[] = [
      // A web server on the mistyped host.
      { status: 200, body: '<html><body>路由器管理页面</body></html>', type: 'text/html' },
      // Something that says yes to anything.
      { status: 200, body: JSON.stringify({ ok: true }) },
      // A hostile one that guesses a proof of the right shape.
      { status: 200, body: JSON.stringify({ proof: 'A'.repeat(43) }) },
      // One that wants credentials first.
      { status: 401, body: JSON.stringify({ code: 'UNAUTHORIZED', message: '缺少设备令牌' }) },
      { status: 404, body: JSON.stringify({ code: 'NOT_FOUND', message: 'no such route' }) },
    ];
    for (const answer of answers) {
      const fake = await recording({ answer: () => answer });
      const refused = await failure(r.counter.call('changeServerAddress', { serverUrl: fake.url }));
      expect(refused.code, answer.body).toBe('BAD_REQUEST');
      expect(refused.message).toContain(`新地址 ${fake.url} 不是本大厅的服务器`);
      expect(refused.message).toContain('未能证明其持有本终端的注册信息');
      expect(refused.message).toContain('未发送设备令牌');
      expect(refused.message).toContain(keep);
      // Exactly one request: the proof, without the token.
      expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
        `POST /v1/devices/${enrollmentOf(r).deviceId}/proof`,
      ]);
      expectNoToken(fake.requests, token);
    }
    // The proof mismatch says so.
    const echo = await recording({
      answer: (request) => ({
        status: 200,
        body: JSON.stringify({ proof: (JSON.parse(request.body) as { nonce: string }).nonce }),
      }),
    });
    const mismatch = await failure(r.counter.call('changeServerAddress', { serverUrl: echo.url }));
    expect(mismatch.message).toContain('核对应答与本终端的注册信息不符');
    expectNoToken(echo.requests, token);
    expect(await serverUrlOf(r)).toBe(r.hall.url);
  });

  it('does not take a proof from where the new address redirects to (the real hall server here)', async () => {
    const r = await managerRig();
    const token = tokenOf(r);
    const redirecting = await recording({
      answer: (request) => ({
        status: 307,
        body: '',
        type: 'text/plain',
        location: `${r.hall.url}${request.url}`,
      }),
    });
    const refused = await failure(r.counter.call('changeServerAddress', { serverUrl: redirecting.url }));
    expect(refused.message).toContain(`新地址 ${redirecting.url} 不是本大厅的服务器`);
    expect(refused.message).toContain('未发送设备令牌');
    expect(redirecting.requests).toHaveLength(1);
    expectNoToken(redirecting.requests, token);
    expect(await serverUrlOf(r)).toBe(r.hall.url);
  });

  it('refuses another hall server (this device not enrolled there) without sending the token', async () => {
    const r = await managerRig();
    const token = tokenOf(r);
    const otherHall = await startHallServer();
    cleanups.push(() => otherHall.close());
    // Another counter at the same window number there: its window exists, but not this device.
    await otherHall.enroll(3);
    const front = await recording({ upstream: otherHall.url });
    const refused = await failure(r.counter.call('changeServerAddress', { serverUrl: front.url }));
    expect(refused.message).toContain('不认可本终端');
    expect(refused.message).toContain('未发送设备令牌');
    expect(refused.message).toContain(`仍使用原地址 ${r.hall.url}`);
    expect(front.requests).toHaveLength(1);
    expectNoToken(front.requests, token);
    expect(await serverUrlOf(r)).toBe(r.hall.url);
  });

  it('says when the new address cannot be reached, without having sent anything', async () => {
    const r = await managerRig();
    const unreachable = await failure(
      r.counter.call('changeServerAddress', { serverUrl: 'http://127.0.0.1:9' }),
    );
    expect(unreachable.code).toBe('SERVER_UNREACHABLE');
    expect(unreachable.message).toContain('无法连接');
    expect(unreachable.message).toContain('未发送设备令牌');
    expect(await serverUrlOf(r)).toBe(r.hall.url);
  });
});
