// Pull (sync.md: pull; issue 6): the config, queue and cases streams, each
// read by the server's commit-version cursor. Every page is applied together
// with its cursor in one transaction, so a crash between pages resumes where
// it stopped. A 410 answer (cursor unknown, or older than the server keeps)
// reloads the stream from cursor 0; the first page of a reload replaces what
// was held, in its own transaction.
//
// - config: the hall's configuration (CounterStore.applyConfigPage).
// - queue: the tickets this counter issued today (its walk-ins), mirrored in
//   queue_ticket, and the hall's waiting counts per line (kv queue:waiting),
//   which the server's queue hints also carry between pulls.
// - cases: changes the server made to this window's cases (办结 in the back
//   office), written over the local case's status.
import { HallError } from '../../common/errors.ts';
import { ConfigChange } from '../../common/model.ts';
import {
  PAGE_OF,
  type CasesPage,
  type PageOf,
  type PullStream,
  type QueuePage,
  type WaitingCounts,
} from '../../common/http-api.ts';
import type { HallClient } from '../hall-client.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { CounterStore } from '../store/counter-store.ts';
import type { Db } from '../store/database.ts';

const CURSOR_KEY: Record<PullStream, string> = {
  config: 'cursor:config',
  queue: 'cursor:queue',
  cases: 'cursor:cases',
};

export interface PullReport {
  pages: number;
  changes: number;
  /** The stream was reloaded from scratch after a 410. */
  reloaded: boolean;
}

/** The config kinds this counter knows (common/model.ts ConfigChange). */
const KNOWN_CONFIG_KINDS: ReadonlySet<string> = new Set(ConfigChange.options.map((option) => option.shape.kind.value));

/**
 * A config page as a newer hall server may send it: entries of a kind this
 * counter does not know are taken out (their kinds returned), the rest is
 * left for the page schema to check as strictly as ever. An entry of a known
 * kind that breaks the contract still fails the page.
 */
export function withoutUnknownConfigKinds(raw: unknown): { page: unknown; unknownKinds: string[] } {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { changes?: unknown }).changes)) {
    return { page: raw, unknownKinds: [] };
  }
  const unknownKinds: string[] = [];
  const changes = ((raw as { changes: unknown[] }).changes).filter((entry) => {
    const kind = (entry as { change?: { kind?: unknown } } | null)?.change?.kind;
    if (typeof kind !== 'string' || KNOWN_CONFIG_KINDS.has(kind)) return true;
    unknownKinds.push(kind);
    return false;
  });
  return { page: { ...raw, changes }, unknownKinds };
}

export class SyncStreams {
  private readonly store: CounterStore;
  private readonly db: Db;
  private readonly log: Logger;
  /** Unknown config kinds already logged (once each). */
  private readonly skippedKinds = new Set<string>();

  constructor(store: CounterStore, log: Logger = silentLogger) {
    this.store = store;
    this.db = store.db;
    this.log = log;
  }

  private kv(key: string): unknown {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : null;
  }

  private setKv(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }

  cursor(stream: PullStream): number {
    const value = this.kv(CURSOR_KEY[stream]);
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
  }

  /**
   * Pulls `stream` until the server has nothing more, a page at a time.
   * `stop` is checked between pages (the counter is closing).
   */
  async pull(client: HallClient, stream: PullStream, stop: () => boolean = () => false): Promise<PullReport> {
    const report: PullReport = { pages: 0, changes: 0, reloaded: false };
    let reload = false;
    for (;;) {
      const cursor = reload ? 0 : this.cursor(stream);
      let raw: unknown;
      try {
        // Checked below, against this stream's page schema.
        raw = await client.requestUnchecked('pull', { query: { stream, cursor } });
      } catch (error) {
        if (error instanceof HallError && error.status === 410 && !reload) {
          reload = true;
          report.reloaded = true;
          continue;
        }
        throw error;
      }
      if (stop()) return report;
      if (stream === 'config') raw = this.skipUnknownKinds(raw);
      const parsed = PAGE_OF[stream].safeParse(raw);
      if (!parsed.success) {
        throw new HallError(
          'SERVER_ERROR',
          `大厅服务器返回的 ${stream} 数据格式不符合接口约定，请联系管理员检查服务器版本`,
          502,
        );
      }
      this.apply(stream, parsed.data as PageOf<typeof stream>, reload);
      reload = false;
      report.pages += 1;
      report.changes += parsed.data.changes.length;
      if (!parsed.data.hasMore) return report;
    }
  }

  /**
   * A newer hall server's config kinds are skipped (warned once each): the
   * rest of the page applies and the cursor moves on, so staff, windows and
   * settings keep arriving.
   */
  private skipUnknownKinds(raw: unknown): unknown {
    const { page, unknownKinds } = withoutUnknownConfigKinds(raw);
    for (const kind of new Set(unknownKinds)) {
      if (this.skippedKinds.has(kind)) continue;
      this.skippedKinds.add(kind);
      this.log.warn('config kind unknown to this counter skipped (a newer hall server?)', { kind });
    }
    return page;
  }

  /** Applies one page and its cursor in one transaction. */
  apply<S extends PullStream>(stream: S, page: PageOf<S>, reload = false): void {
    switch (stream) {
      case 'config': {
        const config = page as PageOf<'config'>;
        this.store.applyConfigPage(config.changes, config.cursor, reload);
        return;
      }
      case 'queue':
        return this.applyQueuePage(page as QueuePage);
      case 'cases':
        return this.applyCasesPage(page as CasesPage);
    }
  }

  private applyQueuePage(page: QueuePage): void {
    const upsertTicket = this.db.prepare(
      `INSERT INTO queue_ticket (id, day, number, line_id, priority, status, issued_at, called_at, window_id,
         recall_count, ended_at, version)
       VALUES (@id, @day, @number, @lineId, @priority, @status, @issuedAt, @calledAt, @windowId, @recallCount,
         @endedAt, @version)
       ON CONFLICT (id) DO UPDATE SET day = excluded.day, number = excluded.number, line_id = excluded.line_id,
         priority = excluded.priority, status = excluded.status, issued_at = excluded.issued_at,
         called_at = excluded.called_at, window_id = excluded.window_id, recall_count = excluded.recall_count,
         ended_at = excluded.ended_at, version = excluded.version
       WHERE excluded.version >= queue_ticket.version`,
    );
    this.db.transaction(() => {
      if (page.reset) this.db.prepare('DELETE FROM queue_ticket').run();
      for (const change of page.changes) upsertTicket.run({ ...change.ticket, version: change.version });
      // Earlier days' tickets are history: the hall server keeps them, the counter need not.
      this.db.prepare('DELETE FROM queue_ticket WHERE day < ?').run(page.day);
      this.setKv('queue:day', page.day);
      this.setWaiting(page.cursor, page.waiting, page.reset);
      this.setKv(CURSOR_KEY.queue, page.cursor);
    })();
  }

  /** The waiting counts of a queue hint (HallEvent queue.waiting): kept unless newer ones are held. */
  applyWaitingHint(version: number, waiting: WaitingCounts): void {
    this.db.transaction(() => this.setWaiting(version, waiting, false))();
  }

  private setWaiting(version: number, counts: WaitingCounts, force: boolean): void {
    const held = this.kv('queue:waiting') as { version: number } | null;
    if (!force && held !== null && held.version > version) return;
    this.setKv('queue:waiting', { version, counts });
  }

  private applyCasesPage(page: CasesPage): void {
    // The server is the authority on a case's status once it changed it there.
    const update = this.db.prepare(
      'UPDATE cases SET status = ?, outcome = ?, finished_at = ?, finished_by = ? WHERE case_no = ?',
    );
    this.db.transaction(() => {
      for (const { case: change } of page.changes) {
        update.run(change.status, change.outcome, change.finishedAt, change.finishedBy, change.caseNo);
      }
      this.setKv(CURSOR_KEY.cases, page.cursor);
    })();
  }

  /** Tickets waiting now per line, as the hall server last said. */
  waitingCounts(): Map<string, number> {
    const held = this.kv('queue:waiting') as { counts: WaitingCounts } | null;
    return new Map(Object.entries(held?.counts ?? {}));
  }

  /**
   * Whether a walk-in this counter printed today may still be waiting in the
   * hall queue as far as its copy says: only then do hall-wide changes need
   * a pull (another window may call it, and offline calling must know).
   */
  hasOpenWalkIns(): boolean {
    const day = this.kv('queue:day');
    if (day === null) return false;
    const row = this.db
      .prepare(
        `SELECT 1 FROM walk_in w WHERE w.day = ?
           AND NOT EXISTS (SELECT 1 FROM queue_ticket q WHERE q.day = w.day AND q.number = w.number AND q.status <> 'waiting')
         LIMIT 1`,
      )
      .get(day);
    return row !== undefined;
  }
}
