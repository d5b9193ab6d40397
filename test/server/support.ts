// The hall server for the hardening tests: like test/helpers/hall-server.ts,
// plus the options they turn (clock, log, sign-in delay, allowed hosts,
// timeouts) and a data folder that outlives the server, so that a test can
// restart it on the same database. Also: one call helper, and a digest of
// every table to tell whether a run of requests changed anything.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../common/errors.ts';
import { Enrollment, EnrollmentCode, HallEvent } from '../../common/http-api.ts';
import { createHallServer, type ServerWideOptions } from '../../server/hall-server.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';
import { freshHallDatabase } from '../helpers/test-database.ts';
import { dialectOf, isPostgresTarget, type HallDatabase } from '../../server/storage/hall-database.ts';
import { openPostgresHallDatabase } from '../../server/storage/postgres.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Answer {
  status: number;
  json: unknown;
  headers: Headers;
}

/** One request; the answer whatever its status. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, json: (await response.json()) as unknown, headers: response.headers };
}

/** The refusal in an answer, checked: this status and code, a Chinese message. */
export function refusal(answer: Answer, status: number, code: ApiError['code']): ApiError {
  const error = ApiError.parse(answer.json);
  if (answer.status !== status || error.code !== code || !/[\u4e00-\u9fff]/.test(error.message)) {
    throw new Error(
      `expected ${status} ${code} in Chinese, got ${answer.status} ${JSON.stringify(answer.json)}`,
    );
  }
  return error;
}

export interface TestHall {
  url: string;
  dataDir: string;
  /** The hall's database: a SQLite file path or a postgres:// URL (the test matrix). */
  dbPath: string;
  applicantKeyPath: string;
  enroll(windowId: number | null): Promise<Enrollment>;
  close(): Promise<void>;
}

export type TestHallOptions = ServerWideOptions & {
  applicantKeyPath?: string;
  /** Default: a new temp folder. Never deleted here: the caller removes it. */
  dataDir?: string;
  seedDir?: string;
};

export async function startTestHall(options: TestHallOptions = {}): Promise<TestHall> {
  const {
    dataDir = mkdtempSync(join(tmpdir(), 'halldesk-hardening-')),
    seedDir = DEMO_SEED_DIR,
    ...rest
  } = options;
  const dbPath = await hallDatabaseOf(dataDir);
  const applicantKeyPath = rest.applicantKeyPath ?? join(dataDir, 'hall.sqlite-applicant-key');
  const server = createHallServer({ ...rest, dbPath, adminToken: ADMIN_TOKEN, seedDir, applicantKeyPath });
  const url = await server.listen(0, '127.0.0.1');
  const ok = async (path: string, body: unknown, token?: string) => {
    const answer = await call(url, 'POST', path, { token, body });
    if (answer.status !== 200) throw new Error(`${path} → ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json;
  };
  return {
    url,
    dataDir,
    dbPath,
    applicantKeyPath,
    async enroll(windowId) {
      const role = windowId === null ? 'kiosk' : 'counter';
      const { code } = EnrollmentCode.parse(
        await ok('/v1/admin/enrollment-codes', { role, windowId }, ADMIN_TOKEN),
      );
      return Enrollment.parse(
        await ok('/v1/devices/enroll', { code, deviceName: `${role} ${windowId ?? ''}` }),
      );
    },
    close: () => server.close(),
  };
}

/**
 * The database of the test hall kept in `dataDir`: the same one each time, so
 * that a test can restart its server on it. SQLite: <dataDir>/hall.sqlite;
 * PostgreSQL: a fresh database on first use, its URL kept in the folder.
 */
export async function hallDatabaseOf(dataDir: string): Promise<string> {
  const kept = join(dataDir, 'hall-database-url');
  if (existsSync(kept)) return readFileSync(kept, 'utf8');
  const target = await freshHallDatabase(dataDir);
  if (isPostgresTarget(target)) writeFileSync(kept, target);
  return target;
}

/**
 * A second connection to a test hall's database (SQLite file or PostgreSQL
 * URL), for tests to read what the server wrote — or, `{ readonly: false }`,
 * to put in rows the HTTP API has no way to make.
 */
export function openHallDatabaseAt(target: string, { readonly = true, schema }: { readonly?: boolean; schema?: string } = {}): HallDatabase {
  return isPostgresTarget(target)
    ? openPostgresHallDatabase(target, { schema, mustExist: schema !== undefined })
    : new Database(target, { readonly, fileMustExist: true });
}

/** The environment for `node server/main.ts …` on a test hall's database: HALL_DATABASE_URL when it is PostgreSQL's. */
export function hallCommandEnv(target: string): NodeJS.ProcessEnv {
  return isPostgresTarget(target) ? { ...process.env, HALL_DATABASE_URL: target } : { ...process.env };
}

/**
 * Whether `text` is anywhere in the hall's stored data: SQLite — the bytes of
 * the database file and its WAL; PostgreSQL — any row of any table, as text.
 */
export function hallDataContains(target: string, text: string): boolean {
  if (!isPostgresTarget(target)) {
    return [target, `${target}-wal`].some(
      (file) => existsSync(file) && readFileSync(file, 'latin1').includes(Buffer.from(text).toString('latin1')),
    );
  }
  const db = openPostgresHallDatabase(target);
  try {
    const tables = db
      .prepare<[], string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
      .pluck()
      .all();
    return tables.some((table) => db.prepare(`SELECT 1 FROM "${table}" AS t WHERE t::text LIKE ?`).get(`%${text}%`) !== undefined);
  } finally {
    db.close();
  }
}

/**
 * A digest per table of the hall database (read through a second connection;
 * `schema`: one hall's of many on one PostgreSQL database):
 * two digests differ exactly where the data changed. auth_failures is left
 * out: counting failed guesses is what refused requests are meant to do.
 */
export function tableDigests(target: string, schema?: string): Record<string, string> {
  const db = openHallDatabaseAt(target, { schema });
  try {
    const tables = db
      .prepare<[], string>(
        dialectOf(db) === 'postgres'
          ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'auth_failures' ORDER BY table_name"
          : "SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'auth_failures' ORDER BY name",
      )
      .pluck()
      .all();
    return Object.fromEntries(
      tables.map((table) => {
        // Rows sorted by their text: the same digest whatever order either engine returns them in.
        const rows = (db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[]).map((row) => JSON.stringify(row));
        return [table, createHash('sha256').update(rows.sort().join('\n')).digest('hex').slice(0, 16)];
      }),
    );
  } finally {
    db.close();
  }
}

/** The hall's event stream with `token`, checked open; nextEvent() reads the next event (comments skipped). */
export async function openEventStream(url: string, token: string) {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.headers.get('content-type')?.includes('text/event-stream')) {
    throw new Error(`/v1/events answered ${response.status} ${response.headers.get('content-type') ?? ''}`);
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const received: HallEvent[] = [];
  async function nextEvent(): Promise<HallEvent> {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) {
          const event = HallEvent.parse(JSON.parse(data.slice('data: '.length)));
          received.push(event);
          return event;
        }
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended');
      buffered += value;
    }
  }
  return { nextEvent, received, close: () => abort.abort() };
}
