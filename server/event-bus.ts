// How a change's live event reaches the event streams of every process of the
// hall (issue 19, point 2). One interface, two implementations, chosen by the
// database's dialect:
//
// - SQLite (one process owns the file): in process. publish() hands the event
//   straight to the subscriber, the event hub of this process (server/events.ts).
// - PostgreSQL (several processes on one database): publish() sends
//   `SELECT pg_notify('hall_events…', …)` (the hall's channel) through the hall's own synchronous
//   driver — so when it is called inside a transaction, the event goes out on
//   COMMIT and never for a change rolled back; called after a commit, it goes
//   at once. Each process LISTENs on a connection of its own (an asynchronous
//   `pg` Client, not the synchronous driver) and feeds what it hears from the
//   other processes into its event hub; PostgreSQL delivers notifications in
//   commit order, once to each listening connection. Its own events a process
//   hands its hub directly, as on SQLite — in a microtask, so after the
//   synchronous transaction that published them has committed (a counter told
//   may ask any process at once) — and ignores their echo by origin. (An
//   event of a change that rolled back becomes a needless hint: a pull that
//   finds nothing new.)
//   One connection per process and database serves every hall's channel on it
//   (PostgresListener). When it is lost it is opened again with a back-off
//   (LISTEN_RETRY_FIRST_MS … LISTEN_RETRY_MAX_MS); what was published in
//   between is lost, so once listening again each bus tells its subscriber
//   `missed()`: the hub sends every stream `hello`, on which a counter pulls
//   everything (main/sync/hall-link.ts), as after its own reconnect.
//
// Besides HallEvents the bus carries `touch`: something only the manager's
// overview shows changed (a device report, a push) — every process's 大厅总览
// long polls are answered. A touch is told to this process's own subscriber at
// once, as on SQLite (a long poll here sees its version move before the
// request that moved it is answered), and to the others through the channel,
// marked with this bus's origin so that its own echo is not a second touch.
// (A touch for a change that then rolls back costs one needless snapshot.)
//
// And `links`: the windows whose counters hold an event stream open on this
// process (大厅总览 shows a window with none as 离线). Each process announces
// its set when it changes and every LINKS_HEARTBEAT_MS; another process's set
// counts until it is LINKS_EXPIRE_MS old, so a process killed with its
// streams stops counting within that time.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as PG from 'pg';
import type { Client, Notification } from 'pg';
import type { HallEvent } from '../common/http-api.ts';
import { dialectOf, prepareBlindWrite, type HallDatabase } from './storage/hall-database.ts';

/**
 * The channel every process of one hall listens on: one per hall's schema, so
 * that the halls sharing a database (server/halls.ts) never hear each other.
 */
export function eventChannelOf(schema: string | null): string {
  return schema === null ? 'hall_events' : `hall_events_${schema}`;
}
export const LISTEN_RETRY_FIRST_MS = 250;
export const LISTEN_RETRY_MAX_MS = 10_000;
/** PostgreSQL refuses payloads of 8000 bytes and more. */
const MAX_PAYLOAD_BYTES = 7_900;
export const LINKS_HEARTBEAT_MS = 15_000;
export const LINKS_EXPIRE_MS = 3 * LINKS_HEARTBEAT_MS;

/** What one process hears from the bus. */
export interface EventBusSubscriber {
  /** A change's event, from this process or another. */
  event(event: HallEvent): void;
  /** Something the manager's overview shows changed. */
  touch(): void;
  /** Events may have been lost (the listening connection was down): streams should read everything again. */
  missed(): void;
  /** Another process's windows with a live counter link (its whole set, replacing the last one). */
  links?(origin: string, windows: ReadonlySet<number>): void;
}

export interface EventBus {
  /** Which implementation this is. */
  readonly kind: 'local' | 'postgres';
  /** Sends a change's event to every process's streams (PostgreSQL: on commit when inside a transaction). */
  publish(...events: HallEvent[]): void;
  /** The overview changed (not a HallEvent): every process's long polls answer. */
  touch(): void;
  /** This process's windows with a live counter link, for the other processes (nothing to do in one process). */
  announceLinks(windows: ReadonlySet<number>): void;
  /** The one subscriber of this process (its event hub). */
  subscribe(subscriber: EventBusSubscriber): void;
  /** Resolves once the bus hears what is published (PostgreSQL: the first LISTEN is in place). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** What travels on the channel. */
type BusMessage = { e: HallEvent; o: string } | { es: HallEvent[]; o: string } | { t: 1; o: string } | { k: string; o: string };

/** A set of window ids as a bitset in base64: 2,000 windows in ~340 characters (NOTIFY takes < 8000 bytes). */
export function encodeWindowSet(windows: ReadonlySet<number>): string {
  const bytes = new Uint8Array(Math.ceil((Math.max(0, ...windows) + 1) / 8));
  for (const id of windows) if (Number.isInteger(id) && id >= 0) bytes[id >> 3]! |= 1 << (id & 7);
  return Buffer.from(bytes).toString('base64');
}

export function decodeWindowSet(text: string): Set<number> {
  const windows = new Set<number>();
  const bytes = Buffer.from(text, 'base64');
  for (let i = 0; i < bytes.length; i++) for (let bit = 0; bit < 8; bit++) if (bytes[i]! & (1 << bit)) windows.add(i * 8 + bit);
  return windows;
}

/** The in-process bus (SQLite, and any single-process hall). */
export function createLocalEventBus(): EventBus {
  let subscriber: EventBusSubscriber | null = null;
  return {
    kind: 'local',
    publish: (...events) => {
      for (const event of events) subscriber?.event(event);
    },
    touch: () => subscriber?.touch(),
    announceLinks: () => {},
    subscribe: (next) => void (subscriber = next),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export interface PostgresListenerOptions {
  /** The database's URL, for the listening connection. */
  url: string;
  /** One JSON line when the listening connection is lost and when it is back. */
  log: (line: string) => void;
  /** Back-off before the n-th attempt in a row to listen again (n ≥ 1); tests shorten it. */
  retryDelayMs?: (attempt: number) => number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export const listenRetryDelayMs = (attempt: number): number =>
  Math.min(LISTEN_RETRY_MAX_MS, LISTEN_RETRY_FIRST_MS * 2 ** Math.max(0, attempt - 1));

/** What a channel's listener is told. */
interface ChannelHandlers {
  /** A notification's payload. */
  heard(payload: string): void;
  /** The connection was lost and is back: what was sent meanwhile was not heard. */
  missed(): void;
}

/**
 * One process's LISTEN connection to one database, for every hall's channel
 * on it (many halls × several processes would otherwise be that many
 * connections). An asynchronous `pg` Client, not the synchronous driver;
 * opened again with a back-off when lost, after which each channel is told
 * `missed()`.
 */
export class PostgresListener {
  readonly #options: PostgresListenerOptions;
  readonly #pg: typeof PG;
  readonly #channels = new Map<string, ChannelHandlers>();
  /** Channels LISTENed on the current connection. */
  readonly #listening = new Set<string>();
  /** Channels that were listening when the connection was lost: told `missed()` once it is back. */
  readonly #missing = new Set<string>();
  #client: Client | null = null;
  #connecting: Promise<Client> | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;
  #attempts = 0;

  constructor(options: PostgresListenerOptions) {
    this.#options = options;
    // Kept out of the server bundle, as the synchronous driver does: pg stays in node_modules.
    this.#pg = createRequire(import.meta.url)('pg') as typeof PG;
  }

  /** Hears `channel` from now on: resolves once its LISTEN is in place (rejects if the database cannot be reached). */
  async listen(channel: string, handlers: ChannelHandlers): Promise<void> {
    this.#channels.set(channel, handlers);
    const client = await (this.#connecting ??= this.#connect());
    if (this.#listening.has(channel) || !this.#channels.has(channel)) return;
    await client.query(`LISTEN ${channel}`);
    this.#listening.add(channel);
  }

  /** Stops hearing `channel` (its hall closed). */
  async unlisten(channel: string): Promise<void> {
    this.#channels.delete(channel);
    this.#missing.delete(channel);
    if (!this.#listening.delete(channel)) return;
    await this.#client?.query(`UNLISTEN ${channel}`).catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    // A connection still being opened ends too (#connect sees #closed).
    await this.#connecting?.catch(() => {});
    const listening = this.#client;
    this.#client = null;
    await listening?.end().catch(() => {});
  }

  #line(fields: Record<string, unknown>): void {
    this.#options.log(JSON.stringify({ at: new Date().toISOString(), what: 'event bus', ...fields }));
  }

  async #connect(): Promise<Client> {
    const { url, applicationName = 'halldesk-hall-events' } = this.#options;
    const next = new this.#pg.Client({ connectionString: url, application_name: applicationName, keepAlive: true });
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.#client === next) {
        this.#client = null;
        this.#connecting = null;
        for (const channel of this.#listening) this.#missing.add(channel);
        this.#listening.clear();
      }
      next.end().catch(() => {});
      if (this.#closed) return;
      this.#line({ level: 'error', state: 'lost', error: String(error ?? 'connection ended') });
      this.#schedule();
    };
    next.on('notification', (notification: Notification) => {
      if (notification.payload) this.#channels.get(notification.channel)?.heard(notification.payload);
    });
    next.on('error', onLost);
    next.on('end', () => onLost());
    const channels = [...this.#channels.keys()];
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      this.#connecting = null;
      next.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await next.end().catch(() => {});
      return next;
    }
    this.#client = next;
    this.#attempts = 0;
    // Connected, whoever began it: a retry still pending is not needed.
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    for (const channel of channels) if (this.#channels.has(channel)) this.#listening.add(channel);
    if (this.#missing.size > 0) this.#tellMissed();
    return next;
  }

  /** What was published while nobody here listened is lost: each hall that was listening has its streams re-read. */
  #tellMissed(): void {
    this.#line({ state: 'listening again' });
    const missing = [...this.#missing];
    this.#missing.clear();
    for (const channel of missing) {
      try {
        this.#channels.get(channel)?.missed();
      } catch (error) {
        // E.g. the hall's database not answering yet: its counters re-read on their own reconnect.
        this.#line({ level: 'error', state: 'missed not told', channel, error: String(error) });
      }
    }
  }

  #schedule(): void {
    if (this.#closed || this.#retry) return;
    this.#attempts += 1;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      // A hall opening meanwhile may have begun connecting already.
      (this.#connecting ??= this.#connect()).catch((error: unknown) => {
        this.#line({ level: 'error', state: 'retry failed', attempt: this.#attempts, error: String(error) });
        this.#schedule();
      });
    }, (this.#options.retryDelayMs ?? listenRetryDelayMs)(this.#attempts));
    this.#retry.unref();
  }
}

export interface PostgresEventBusOptions {
  /** This process's listening connection to the hall's database (shared by the halls on it). */
  listener: PostgresListener;
  /** The hall's schema (many halls on one database), whose channel this bus uses; default: the database's one hall. */
  schema?: string | null;
  /** One JSON line when an event could not be sent after its change committed. */
  log: (line: string) => void;
}

/**
 * The bus over PostgreSQL's NOTIFY / LISTEN. `db` is the hall's synchronous
 * handle (publishing goes through it, in the caller's transaction if any).
 */
export function createPostgresEventBus(db: HallDatabase, options: PostgresEventBusOptions): EventBus {
  const { listener, log } = options;
  const channel = eventChannelOf(options.schema ?? null);
  // In a transaction a NOTIFY goes with its next statement, the COMMIT at the latest (a blind write).
  const notify = prepareBlindWrite<[string]>(db, `SELECT pg_notify('${channel}', ?)`);
  let subscriber: EventBusSubscriber | null = null;
  let first: Promise<void> | null = null;
  const origin = randomUUID();

  function send(message: BusMessage): void {
    const text = JSON.stringify(message);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) throw new Error(`event too large for NOTIFY: ${text.slice(0, 80)}`);
    if (db.inTransaction) {
      // Part of the change: goes out on COMMIT, never if it rolls back; a failure fails the change.
      notify(text);
      return;
    }
    try {
      notify(text);
    } catch (error) {
      // After the commit: the change stands; the hint is lost (streams re-read when the link comes back).
      log(JSON.stringify({ at: new Date().toISOString(), what: 'event bus', level: 'error', error: String(error) }));
    }
  }

  function heard(payload: string): void {
    if (!subscriber) return;
    let message: BusMessage;
    try {
      message = JSON.parse(payload) as BusMessage;
    } catch {
      return;
    }
    if (message.o === origin) return;
    if ('e' in message) subscriber.event(message.e);
    else if ('es' in message) for (const event of message.es) subscriber.event(event);
    else if ('k' in message) subscriber.links?.(message.o, decodeWindowSet(message.k));
    else subscriber.touch();
  }

  return {
    kind: 'postgres',
    // Events of one change go as one NOTIFY: each is a write of PostgreSQL's notify queue and a wake-up of every listening process.
    publish: (...events) => {
      if (events.length === 0) return;
      send(events.length === 1 ? { e: events[0]!, o: origin } : { es: events, o: origin });
      queueMicrotask(() => {
        for (const event of events) subscriber?.event(event);
      });
    },
    touch: () => {
      subscriber?.touch();
      send({ t: 1, o: origin });
    },
    announceLinks: (windows) => send({ k: encodeWindowSet(windows), o: origin }),
    subscribe: (next) => void (subscriber = next),
    ready() {
      first ??= listener.listen(channel, { heard, missed: () => subscriber?.missed() });
      return first;
    },
    close: () => listener.unlisten(channel),
  };
}

/** The bus for this database: LISTEN/NOTIFY on PostgreSQL (`listener` given), in process on SQLite. */
export function createEventBus(db: HallDatabase, options: Omit<PostgresEventBusOptions, 'listener'> & { listener?: PostgresListener }): EventBus {
  if (dialectOf(db) !== 'postgres') return createLocalEventBus();
  if (!options.listener) throw new TypeError('a hall on PostgreSQL needs its process’s listener');
  return createPostgresEventBus(db, { ...options, listener: options.listener });
}
