// Every request is hostile (issue 15): malformed escapes, huge headers, slow
// clients, oversize and invalid bodies, bad methods, a Host that is not ours.
// Each gets a JSON refusal in Chinese with nosniff and frame-ancestors 'none';
// none crashes or hangs the server. The random mix of all of it is fuzz.test.ts.
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../common/errors.ts';
import type { Enrollment } from '../../common/http-api.ts';
import { createHostCheck, hostNameOfHeader, parseAllowedHosts } from '../../server/host-check.ts';
import { sendRaw, type FuzzAnswer, type FuzzTarget } from '../helpers/http-fuzz.ts';
import { call, startTestHall, type TestHall } from './support.ts';

const HEADERS_TIMEOUT_MS = 1_000;

describe('hostile requests to the hall server', () => {
  let hall: TestHall;
  let target: FuzzTarget;
  let counter: Enrollment;
  const errorLines: string[] = [];

  beforeAll(async () => {
    hall = await startTestHall({
      timeouts: { headersMs: HEADERS_TIMEOUT_MS, requestMs: 2_000 },
      allowedHosts: ['hall.example.gov.cn'],
      log: (line) => {
        if (line.includes('"level":"error"')) errorLines.push(line);
      },
    });
    target = { host: '127.0.0.1', port: Number(new URL(hall.url).port) };
    counter = await hall.enroll(3);
  });
  afterAll(async () => {
    expect(errorLines).toEqual([]);
    await hall?.close();
    if (hall) rmSync(hall.dataDir, { recursive: true, force: true });
  });

  /** Sends raw text (latin1) as one chunk, or several `pauseMs` apart, and reads the answer. */
  const raw = (chunks: string | string[], options: { then?: 'end' | 'hold'; pauseMs?: number } = {}) =>
    sendRaw(
      target,
      {
        kind: 'valid',
        credential: 'test',
        summary: '',
        chunks: [chunks].flat().map((chunk) => Buffer.from(chunk, 'latin1')),
        pauseMs: options.pauseMs ?? 0,
        then: options.then ?? 'hold',
      },
      { timeoutMs: 10_000 },
    );
  const host = () => `Host: 127.0.0.1:${target.port}`;

  /** A JSON refusal with this status and code, a Chinese message and the security headers. */
  function expectRefusal(answer: FuzzAnswer, status: number, code: ApiError['code']): ApiError {
    expect(answer.status, answer.body).toBe(status);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const error = ApiError.parse(JSON.parse(answer.body));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/[\u4e00-\u9fff]/);
    return error;
  }

  it('answers a malformed %-escape in the path with 404 or 400, and stays up', async () => {
    expectRefusal(await raw(`GET /%E0%A4%A HTTP/1.1\r\n${host()}\r\nConnection: close\r\n\r\n`), 404, 'NOT_FOUND');
    const bad = expectRefusal(
      await raw(`GET /v1/windows/%E0%A4%A/state HTTP/1.1\r\n${host()}\r\nAuthorization: Bearer ${counter.token}\r\nConnection: close\r\n\r\n`),
      400,
      'BAD_REQUEST',
    );
    expect(bad.message).toContain('编码不正确');
    expectRefusal(await raw(`GET /v1/sync/pull?stream=%E0%A4%A&cursor=% HTTP/1.1\r\n${host()}\r\nAuthorization: Bearer ${counter.token}\r\nConnection: close\r\n\r\n`), 400, 'BAD_REQUEST');
    expect((await call(hall.url, 'GET', '/v1/health')).status).toBe(200);
  });

  it('refuses headers over 16 KiB with 431', async () => {
    const answer = await raw(`GET /v1/health HTTP/1.1\r\n${host()}\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(expectRefusal(answer, 431, 'BAD_REQUEST').message).toContain('16 KiB');
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'y'.repeat(50)}`).join('\r\n');
    expectRefusal(await raw(`GET /v1/health HTTP/1.1\r\n${host()}\r\n${many}\r\n\r\n`), 431, 'BAD_REQUEST');
  });

  it('cuts off a client whose headers stop coming, with 408', async () => {
    const started = performance.now();
    const answer = await raw(`GET /v1/health HTTP/1.1\r\n${host()}\r\nX-Slow: `);
    expect(expectRefusal(answer, 408, 'BAD_REQUEST').message).toContain('超时');
    // The timeout is checked every second.
    expect(performance.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + 3_000);
  });

  it('cuts off a client whose body stops coming, with 408', async () => {
    const answer = await raw(
      `POST /v1/devices/enroll HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"code":`,
    );
    expectRefusal(answer, 408, 'BAD_REQUEST');
  });

  it('takes a slow client that finishes in time', async () => {
    const request = `GET /v1/health HTTP/1.1\r\n${host()}\r\nConnection: close\r\n\r\n`;
    const answer = await raw([request.slice(0, 10), request.slice(10, 30), request.slice(30)], { pauseMs: 200 });
    expect(answer.status).toBe(200);
  });

  it('refuses an oversize body with 413 without reading it, declared or chunked', async () => {
    const declared = await raw(
      `POST /v1/devices/enroll HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n{"code":"`,
    );
    expect(expectRefusal(declared, 413, 'BAD_REQUEST').message).toContain('64 KiB');
    expect(declared.headers.connection).toBe('close');
    const piece = 'z'.repeat(32 * 1024);
    const chunked = Array.from({ length: 4 }, () => `${piece.length.toString(16)}\r\n${piece}\r\n`).join('');
    expectRefusal(
      await raw(`POST /v1/devices/enroll HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`),
      413,
      'BAD_REQUEST',
    );
  });

  it('refuses bad JSON, an unknown route, a bad method and a broken request line', async () => {
    const json = await raw(`POST /v1/devices/enroll HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"code": `);
    expect(expectRefusal(json, 400, 'BAD_REQUEST').message).toContain('JSON');
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    expectRefusal(await raw(`POST /v1/devices/enroll HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: ${deep.length}\r\nConnection: close\r\n\r\n${deep}`), 400, 'BAD_REQUEST');
    expectRefusal(await raw(`GET /v1/nothing HTTP/1.1\r\n${host()}\r\nConnection: close\r\n\r\n`), 404, 'NOT_FOUND');
    expectRefusal(await raw(`FOO /v1/health HTTP/1.1\r\n${host()}\r\n\r\n`), 400, 'BAD_REQUEST');
    expectRefusal(await raw(`GET /v1/health HTTP/9.9\r\n${host()}\r\n\r\n`), 400, 'BAD_REQUEST');
    expectRefusal(await raw('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it('refuses a request without a Host header (HTTP/1.0 or 1.1) with 400', async () => {
    expectRefusal(await raw('GET /v1/health HTTP/1.0\r\n\r\n'), 400, 'BAD_REQUEST');
    expectRefusal(await raw('GET /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it('answers only host names it was told it is reachable at (421 otherwise)', async () => {
    const withHost = (name: string) => raw(`GET /v1/health HTTP/1.1\r\nHost: ${name}\r\nConnection: close\r\n\r\n`);
    for (const name of [`127.0.0.1:${target.port}`, `localhost:${target.port}`, 'localhost', `[::1]:${target.port}`, 'hall.example.gov.cn', 'HALL.example.gov.cn.:8720']) {
      expect((await withHost(name)).status, name).toBe(200);
    }
    for (const name of ['evil.example', `evil.example:${target.port}`, '10.0.0.1', 'hall.example.gov.cn.evil.example', '127.0.0.1.nip.io']) {
      const error = expectRefusal(await withHost(name), 421, 'HOST_NOT_ALLOWED');
      expect(error.message).toContain('HALL_ALLOWED_HOSTS');
    }
    // Before the token is looked at: a rebinding page learns nothing.
    const answer = await raw(`GET /v1/queue/summary HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${counter.token}\r\nConnection: close\r\n\r\n`);
    expectRefusal(answer, 421, 'HOST_NOT_ALLOWED');
  });

  it('sends nosniff and frame-ancestors on JSON answers and on the event stream', async () => {
    const health = await fetch(`${hall.url}/v1/health`);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const abort = new AbortController();
    const events = await fetch(`${hall.url}/v1/events`, { headers: { authorization: `Bearer ${counter.token}` }, signal: abort.signal });
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    expect(events.headers.get('x-content-type-options')).toBe('nosniff');
    expect(events.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    abort.abort();
  });
});

describe('the Host check (server/host-check.ts)', () => {
  it('reads host names from Host headers', () => {
    expect(hostNameOfHeader('Hall.Example.:8720')).toBe('hall.example');
    expect(hostNameOfHeader('[::1]:8720')).toBe('::1');
    expect(hostNameOfHeader('[::1]')).toBe('::1');
    expect(hostNameOfHeader('10.1.2.3')).toBe('10.1.2.3');
    for (const bad of ['', 'a b', 'evil.example@x', 'x:y:z', '[::1', 'a/b', 'x:123456']) expect(hostNameOfHeader(bad), bad).toBeNull();
    expect(parseAllowedHosts(' hall.example, 10.0.0.5 [fe80::1]  bad/name ')).toEqual(['hall.example', '10.0.0.5', 'fe80::1']);
    expect(parseAllowedHosts(undefined)).toEqual([]);
  });

  it('on loopback: the loopback names; on one address: that address only; on all interfaces: every address of the machine', () => {
    const loopback = createHostCheck({ listenHost: '127.0.0.1', boundAddress: '127.0.0.1', extra: [] });
    expect(['localhost:1', '127.0.0.1', '[::1]'].map(loopback)).toEqual([true, true, true]);
    expect(loopback('hall.example')).toBe(false);
    expect(loopback(undefined)).toBe(false);

    const lan = createHostCheck({ listenHost: '192.168.1.20', boundAddress: '192.168.1.20', extra: ['hall.example'] });
    expect(['192.168.1.20:8720', 'hall.example', 'localhost', '127.0.0.1', '192.168.1.21'].map(lan)).toEqual([true, true, false, false, false]);

    const all = createHostCheck({ listenHost: '0.0.0.0', boundAddress: '0.0.0.0', extra: [] });
    expect(all('127.0.0.1:8720')).toBe(true);
    expect(all(hostname())).toBe(true);
    expect(all('evil.example')).toBe(false);
  });
});
