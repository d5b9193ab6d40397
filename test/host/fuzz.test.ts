// The browser host under fuzz at CI size (issue 15): ~2,500 hostile HTTP
// requests (test/helpers/http-fuzz.ts) and ~300 hostile WebSocket sessions
// (test/host/ws-fuzz.ts, well over 500 frames) — with no token, a wrong one,
// the outward token, the clerk token in the wrong place, and (phase 2) the
// clerk token — at a real browser host with a real counter core, as its own
// process. Then: it is up, serves its pages, answers the clerk; no request
// without the clerk token changed the counter's SQLite or the clerk's state;
// no answer broke a rule. The big run: `npm run fuzz:http`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHostFuzz, startFuzzHost, type FuzzHost } from './host-fuzz.ts';

let host: FuzzHost;
beforeAll(async () => {
  host = await startFuzzHost();
}, 60_000);
afterAll(() => host?.stop());

describe('browser host fuzz (CI size)', () => {
  it('stays up and keeps its rules through 2,500 HTTP requests and 300 WebSocket sessions', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261206);
    const result = await runHostFuzz(host, { seed, httpRequests: 2_500, wsSessionsWithoutClerk: 200, wsSessionsWithClerk: 100 });
    console.log(JSON.stringify({ seed, http: { requests: result.http.requests, byStatus: result.http.byStatus, timeouts: result.http.timeouts, ms: result.http.ms }, ws: result.ws, rssKiB: result.rssKiB }));
    expect(result.problems.slice(0, 10)).toEqual([]);
    expect(result.hostErrors.slice(0, 10)).toEqual([]);
    expect(result.up).toBe(true);
    expect(result.pagesServed).toBe(true);
    expect(result.clerkAnswers).toBe(true);
    expect(result.unchangedWithoutClerkToken).toBe(true);
    expect(result.http.requests).toBe(2_500);
    expect(result.ws[0]!.frames + result.ws[1]!.frames).toBeGreaterThanOrEqual(500);
  }, 240_000);
});
