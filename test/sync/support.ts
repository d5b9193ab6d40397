// Shared by the sync tests: hash-chained mutations, case arguments the hall
// server accepts, a counter-side outbox on a real SQLite file, a read-only
// look into the hall server's database, and waiting for a condition.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Enrollment } from '../../common/http-api.ts';
import type { CaseDecidedArgs, Mutation } from '../../common/sync.ts';
import { CASE_DECIDED } from '../../common/sync.ts';
import type { ClerkState } from '../../common/contract.ts';
import { openCounter } from '../../main/counter.ts';
import { createTextRasteriser } from '../../main/devices/printer/fonts.ts';
import { HallClient } from '../../main/hall-client.ts';
import { printerConfigFromEnv } from '../../main/printing/config.ts';
import type { Logger } from '../../main/log.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';
import { GENESIS_HASH, mutationHash, Outbox } from '../../main/store/outbox.ts';
import { uuidv7Generator } from '../../main/uuidv7.ts';
import { waitFor } from '../helpers/counter-views.ts';
import { startStatusFront } from '../helpers/fault-proxy.ts';
import { DEMO_PASSWORD, startHallServer } from '../helpers/hall-server.ts';

export const tempDir = (prefix = 'halldesk-sync-') => mkdtempSync(join(tmpdir(), prefix));

/** A case.decided the server accepts for `windowId` (code `windowCode`, device number `deviceNo`). */
export function caseArgs(n: number, windowId: number, deviceNo = 1, date = '2026-03-05'): CaseDecidedArgs {
  const windowCode = String(windowId).padStart(2, '0');
  return {
    caseNo:
      date.replaceAll('-', '') + windowCode + String(deviceNo).padStart(3, '0') + String(n).padStart(4, '0'),
    itemCode: 'GA-ZM-006',
    itemName: '无犯罪记录证明开具',
    kind: 'promised',
    windowId,
    staffNo: '1001',
    ticketNumber: null,
    calledAt: null,
    applicantMasked: { type: 'person', name: '王**', idMasked: '3201**********0012' },
    decision: 'accept',
    status: 'accepted',
    outcome: null,
    decidedAt: `${date}T02:00:00.000Z`,
    promisedDate: '2026-03-10',
    finishedAt: null,
    finishedBy: null,
    missing: [],
    owedBy: null,
    refuseReason: null,
  };
}

/** Builds a hash chain of mutations after (seq0, prevHash). */
export function chain(
  items: { name: string; args: unknown; at?: string }[],
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): Mutation[] {
  const newId = uuidv7Generator();
  let prev = start.hash;
  return items.map((item, index) => {
    const partial = {
      seq: start.seq + index + 1,
      id: newId(),
      name: item.name,
      args: item.args,
      at: item.at ?? new Date().toISOString(),
    };
    const m = { ...partial, prevHash: prev, hash: mutationHash(prev, partial) };
    prev = m.hash;
    return m;
  });
}

export const decided = (from: number, count: number, windowId: number, deviceNo = 1) =>
  Array.from({ length: count }, (_, i) => ({
    name: CASE_DECIDED,
    args: caseArgs(from + i, windowId, deviceNo),
  }));

/** A counter-side outbox on a fresh SQLite file (the counter's schema), with an adjustable clock. */
export function counterOutbox(): { db: Db; outbox: Outbox; file: string; clock: { offsetMs: number } } {
  const file = join(tempDir('halldesk-outbox-'), 'counter.db');
  const db = openDatabase(file);
  const clock = { offsetMs: 0 };
  const outbox = new Outbox(db, { clock: () => new Date(Date.now() + clock.offsetMs) });
  return { db, outbox, file, clock };
}

/** Appends case.decided mutations for cases from..from+count-1, one transaction each. */
export function appendCases(
  db: Db,
  outbox: Outbox,
  from: number,
  count: number,
  windowId: number,
  deviceNo = 1,
): void {
  for (let i = 0; i < count; i++) {
    db.transaction(() => outbox.append(CASE_DECIDED, caseArgs(from + i, windowId, deviceNo)))();
  }
}

/** Read access to the hall server's SQLite file while it runs (WAL). */
export function hallDb(dataDir: string): Database.Database {
  return new Database(join(dataDir, 'hall.sqlite'), { readonly: true, fileMustExist: true });
}

export interface ServerRow {
  seq: number;
  id: string;
  name: string;
  status: 'applied' | 'rejected';
  reason: string | null;
}

export function serverMutations(dataDir: string, deviceId: string): ServerRow[] {
  const db = hallDb(dataDir);
  try {
    return db
      .prepare('SELECT seq, id, name, status, reason FROM sync_mutations WHERE device_id = ? ORDER BY seq')
      .all(deviceId) as ServerRow[];
  } finally {
    db.close();
  }
}

export function serverCaseNos(dataDir: string, deviceId?: string): string[] {
  const db = hallDb(dataDir);
  try {
    const sql = deviceId
      ? 'SELECT case_no FROM cases WHERE device_id = ? ORDER BY case_no'
      : 'SELECT case_no FROM cases ORDER BY case_no';
    return (deviceId ? db.prepare(sql).pluck().all(deviceId) : db.prepare(sql).pluck().all()) as string[];
  } finally {
    db.close();
  }
}

export async function until<T>(
  probe: () => T | Promise<T>,
  test: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (test(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function memoryLogger(
  lines: { level: string; message: string; fields?: Record<string, unknown> }[],
): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, fields });
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const deviceClient = (url: string, token: string, timeoutMs = 5000) =>
  new HallClient({ baseUrl: url, token, timeoutMs });

/** A client of the hall at `url`, enrolled (by the admin's code) as the counter of `windowId`, or as a kiosk (null). */
export async function enrolledClient(url: string, admin: HallClient, windowId: number | null): Promise<HallClient> {
  const role = windowId === null ? 'kiosk' : 'counter';
  const { code } = await admin.request('createEnrollmentCode', { body: { role, windowId } });
  const enrollment = (await new HallClient({ baseUrl: url }).request('enroll', {
    body: { code, deviceName: `${role} ${windowId ?? ''}` },
  })) as Enrollment;
  return new HallClient({ baseUrl: url, token: enrollment.token });
}

/**
 * The demo hall behind a front a test can hold or cut (test/helpers/fault-proxy.ts),
 * its admin, a kiosk, and window 1 (lines A, C) with clerk 1001 signed in —
 * clients straight to the hall. Both servers are closed by `cleanups`.
 */
export async function hallBehindFront(cleanups: (() => Promise<void> | void)[]) {
  const hall = await startHallServer();
  cleanups.push(() => hall.close());
  const front = await startStatusFront(hall.url);
  cleanups.push(() => front.close());
  const admin = new HallClient({ baseUrl: hall.url, token: hall.adminToken });
  const kiosk = await enrolledClient(hall.url, admin, null);
  const window1 = await enrolledClient(hall.url, admin, 1);
  await window1.request('signIn', { body: { staffNo: '1001', password: DEMO_PASSWORD } });
  return { hall, front, admin, kiosk, window1 };
}

/**
 * A real counter core (main/counter.ts) for window 2 of hallBehindFront's hall,
 * enrolled through its front, online, with clerk 1002 signed in; its data in
 * `dataDir`; closed by `cleanups`.
 */
export async function counterAtWindow2(
  { front, admin }: Awaited<ReturnType<typeof hallBehindFront>>,
  cleanups: (() => Promise<void> | void)[],
  dataDir: string,
  deviceName: string,
) {
  const { code } = await admin.request('createEnrollmentCode', { body: { role: 'counter', windowId: 2 } });
  const counter = await openCounter(
    {
      dataDir,
      deviceName,
      autoEnroll: { serverUrl: front.url, code },
      // Nothing listens there: a slip stays in the print queue.
      printer: printerConfigFromEnv({ HALLDESK_PRINTER: 'tcp://127.0.0.1:9' }),
    },
    { retryDelay: () => 100, push: { baseDelayMs: 50, maxDelayMs: 200 }, rasteriser: createTextRasteriser({ systemFonts: false }) },
  );
  cleanups.push(() => counter.close());
  await waitFor<ClerkState>(counter, 'clerkState', (s) => s.connection.state === 'online');
  await counter.call('signIn', { staffNo: '1002', password: DEMO_PASSWORD });
  return counter;
}
