// The push loop (sync.md: push; issue 6): carries the outbox to the hall
// server in seq order, in batches of at most 500, and settles each record
// from the server's answer.
//
// - A batch is marked 'sent' (attempts + 1) before it goes, and settled
//   (acked / rejected) from the results in one transaction when the answer
//   comes; the next batch is taken and marked in that same transaction. An answer that never arrives leaves it 'sent': it goes again and
//   the server answers 'duplicate'.
// - 409 {lastSeq}: the server holds less than we thought (e.g. it was
//   restored from a backup): resend from lastSeq + 1, acknowledged records
//   included, at once.
// - Unreachable, timeout, 5xx, 401, 429: retry after an exponential backoff
//   with full jitter (1 s → 60 s), or after Retry-After when the server sent
//   one; at once when the link returns (linkUp). The first connection
//   failure after a success is retried at once (a stale keep-alive
//   connection), then the backoff begins.
// - Any other 4xx: not retried automatically. The loop stops and says why
//   (issue) until the link returns or the counter restarts.
//
// Runs after every local commit (kick) and on every reconnect (linkUp).
// Random source, sleep and timeouts are injectable for tests.
import type { ApplicantIdSidecar } from '../../common/case-search.ts';
import { HallError } from '../../common/errors.ts';
import { GENESIS_HASH, MAX_PUSH_BATCH } from '../../common/sync.ts';
import type { HallClient } from '../hall-client.ts';
import type { Logger } from '../log.ts';
import type { Outbox, OutboxEntry } from '../store/outbox.ts';

export interface PushTuning {
  /** At most this many mutations a request (≤ 500). */
  batchSize: number;
  /** Request timeout for one push. */
  timeoutMs: number;
  /** Backoff: the n-th consecutive failure waits random() × min(maxDelayMs, baseDelayMs × 2^n). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured as is; longer ones are cut to this. */
  maxRetryAfterMs: number;
  /** In [0, 1). */
  random: () => number;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const DEFAULT_PUSH_TUNING: PushTuning = {
  batchSize: MAX_PUSH_BATCH,
  timeoutMs: 30_000,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 10 * 60_000,
  random: Math.random,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    }),
};

export type PushPhase = 'idle' | 'pushing' | 'waiting' | 'blocked';

/** Records missing from this counter that the hall server never had: pushing cannot go past them. */
export interface PushGap {
  fromSeq: number;
  toSeq: number;
  /** The hash of record fromSeq - 1 as the hall server holds it. */
  serverHash: string;
  /** How many records wait behind the gap. */
  waiting: number;
}

export interface PushStatus {
  phase: PushPhase;
  /** While blocked by missing records: which ones (a manager can record them as lost). */
  gap?: PushGap | null;
  /** Why records are not reaching the server while the link may be up, zh-CN; null when none. */
  issue: string | null;
  /** While waiting: when the next attempt is due (ms since the epoch). */
  retryAt: number | null;
}

export interface PushStats {
  requests: number;
  applied: number;
  duplicate: number;
  rejected: number;
  /** 409 answers (resent from the server's lastSeq). */
  gaps: number;
  /** Failed requests that were retried later. */
  failures: number;
  /** The delays waited before retries, in ms (for tests and the log). */
  delays: number[];
}

export interface PusherOptions {
  outbox: Outbox;
  /** Where to push: the client and this device's id; null while not enrolled. */
  target: () => { client: HallClient; deviceId: string } | null;
  log: Logger;
  /** Told after every change of status and every settled batch (unsent count may have changed). */
  onChange?: () => void;
  tuning?: Partial<PushTuning>;
  /** The applicants' ID numbers of a batch's case.decided records, sent beside it (main/manager/applicant-ids.ts). */
  applicantIds?: (batch: readonly OutboxEntry[]) => ApplicantIdSidecar[];
}

/** Full jitter: uniform in [0, min(max, base × 2^attempt)). */
export function backoffDelay(
  attempt: number,
  tuning: Pick<PushTuning, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(tuning.maxDelayMs, tuning.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(tuning.random() * ceiling);
}

/** Only when there are some: a push without cases stays as it was. */
const withApplicantIds = (ids: ApplicantIdSidecar[]) => (ids.length > 0 ? { applicantIds: ids } : {});

const wire = (m: OutboxEntry) => ({
  seq: m.seq,
  id: m.id,
  name: m.name,
  args: m.args,
  at: m.at,
  hash: m.hash,
  prevHash: m.prevHash,
});

export class Pusher {
  private readonly outbox: Outbox;
  private readonly target: PusherOptions['target'];
  private readonly log: Logger;
  private readonly onChange: () => void;
  private readonly tuning: PushTuning;

  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Aborts the backoff wait (linkUp) or the request in flight (close). */
  private wait: AbortController | null = null;
  private readonly inFlight = new AbortController();
  private attempt = 0;
  /**
   * No request has failed since the last success: a connection failure then
   * earns one retry at once, before any backoff. A pooled keep-alive
   * connection the server has just closed fails a request that way, and a
   * push is safe to repeat.
   */
  private fresh = true;
  /** The server's lastSeq from a 409: push every record after it, whatever its local state. */
  private floor: number | null = null;
  /** The hash the server holds for `floor`, from its 409 (null: not told). */
  private floorHash: string | null = null;
  private scheduled = false;
  private state: PushStatus = { phase: 'idle', issue: null, retryAt: null };
  readonly stats: PushStats = {
    requests: 0,
    applied: 0,
    duplicate: 0,
    rejected: 0,
    gaps: 0,
    failures: 0,
    delays: [],
  };

  private readonly applicantIds: (batch: readonly OutboxEntry[]) => ApplicantIdSidecar[];

  constructor(options: PusherOptions) {
    this.outbox = options.outbox;
    this.target = options.target;
    this.log = options.log;
    this.onChange = options.onChange ?? (() => {});
    this.applicantIds = options.applicantIds ?? (() => []);
    this.tuning = { ...DEFAULT_PUSH_TUNING, ...options.tuning };
    this.tuning.batchSize = Math.max(1, Math.min(MAX_PUSH_BATCH, this.tuning.batchSize));
  }

  status(): PushStatus {
    return this.state;
  }

  /**
   * A local commit added records. Called from inside the committing
   * transaction (Outbox onAppend): the push starts on a later turn, after
   * the commit. Does not cut a backoff short: the server was just found
   * unwilling, and commits can be many.
   */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  /** The link to the server came back: retry at once, also after a refusal that stopped the loop. */
  linkUp(): void {
    if (this.closed) return;
    this.attempt = 0;
    this.fresh = true;
    if (this.state.phase === 'blocked') this.setState({ phase: 'idle', issue: null, retryAt: null });
    this.again = true;
    if (this.wait) this.wait.abort();
    else this.start();
  }

  /** Resolves when the loop has stopped: nothing left to push, or waiting is all there is to do. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wait?.abort();
    this.inFlight.abort();
    await this.settled();
  }

  private setState(next: PushStatus): void {
    const changed =
      next.phase !== this.state.phase ||
      next.issue !== this.state.issue ||
      next.retryAt !== this.state.retryAt;
    this.state = next;
    if (changed) this.onChange();
  }

  private start(): void {
    if (this.running || this.closed || this.state.phase === 'blocked') return;
    this.again = false;
    this.running = this.loop()
      .catch((error: unknown) => {
        // A local failure (the database): say so and stop until the next trigger.
        this.log.error('push loop failed', { error: String(error) });
        this.setState({
          phase: 'idle',
          issue: `上传记录时本机出错：${String(error).slice(0, 100)}`,
          retryAt: null,
        });
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.closed) this.start();
      });
  }

  private async loop(): Promise<void> {
    let sameGap = 0;
    /** Taken (and marked sent) when the previous answer was settled, in that transaction. */
    let taken: OutboxEntry[] | null = null;
    while (!this.closed) {
      this.again = false;
      const target = this.target();
      if (!target) return this.setState({ phase: 'idle', issue: null, retryAt: null });
      // A counter enrolled before keyed chains keys its chain first thing, so the hall server hears of it before anything else.
      if (taken === null) this.outbox.keyChain();
      const batch = taken ?? this.outbox.takeBatch(this.floor, this.tuning.batchSize);
      taken = null;
      if (batch.length === 0) {
        this.floor = null;
        return this.setState({ phase: 'idle', issue: null, retryAt: null });
      }
      const first = batch[0]!.seq;
      const last = batch.at(-1)!.seq;
      if (this.floor !== null && first !== this.floor + 1) {
        // Not pruned: pruning drops only records the server acknowledged. These never reached it.
        const fromSeq = this.floor + 1;
        const toSeq = first - 1;
        const range = fromSeq === toSeq ? `第 ${fromSeq} 条` : `第 ${fromSeq}–${toSeq} 条`;
        const serverHash = this.floorHash ?? this.outbox.entries(this.floor - 1, 1).find((e) => e.seq === this.floor)?.hash ?? (this.floor === 0 ? GENESIS_HASH : null);
        const waiting = this.outbox.unsentCount(toSeq);
        return this.block(
          `本机${range}记录缺失（已从本机数据库删除或丢失），大厅服务器没有收到，其后 ${waiting} 条记录无法上传：请大厅管理员按 Alt+Y 核对并登记丢失原因`,
          serverHash === null ? null : { fromSeq, toSeq, serverHash, waiting },
        );
      }
      if (this.state.phase !== 'pushing')
        this.setState({ phase: 'pushing', issue: this.state.issue, retryAt: null });
      this.stats.requests += 1;
      this.log.debug('pushing', { from: first, to: last });
      try {
        const answer = await target.client.request('push', {
          body: { deviceId: target.deviceId, mutations: batch.map(wire), ...withApplicantIds(this.applicantIds(batch)) },
          timeoutMs: this.tuning.timeoutMs,
          signal: this.inFlight.signal,
        });
        this.outbox.settle(answer.results, () => {
          // Back to the unsent records once nothing acknowledged lies after the server's lastSeq.
          const next = this.outbox.entries(answer.lastSeq, 1)[0];
          this.floor = next && (next.state === 'acked' || next.state === 'rejected') ? answer.lastSeq : null;
          this.floorHash = null;
          if (!this.closed) taken = this.outbox.takeBatch(this.floor, this.tuning.batchSize);
        });
        let applied = 0;
        let duplicate = 0;
        for (const result of answer.results) {
          if (result.status === 'applied') applied += 1;
          else if (result.status === 'duplicate') duplicate += 1;
          else {
            this.stats.rejected += 1;
            this.log.warn('mutation rejected by the hall server', { seq: result.seq, reason: result.reason });
          }
          if (result.status === 'duplicate' && result.firstStatus === 'rejected') this.stats.rejected += 1;
        }
        this.stats.applied += applied;
        this.stats.duplicate += duplicate;
        this.log.info('pushed', {
          from: first,
          to: last,
          applied,
          duplicate,
          rejected: answer.results.length - applied - duplicate,
          lastSeq: answer.lastSeq,
          serverTime: answer.serverTime,
        });
        this.attempt = 0;
        this.fresh = true;
        sameGap = 0;
        this.setState({ phase: 'pushing', issue: null, retryAt: null });
        this.onChange();
      } catch (error) {
        if (this.closed) return;
        const failure =
          error instanceof HallError
            ? error
            : new HallError('INTERNAL', `上传记录时出错：${String(error)}`, 500);
        if (failure.status === 409 && failure.details.lastSeq !== undefined) {
          this.stats.gaps += 1;
          const lastSeq = failure.details.lastSeq;
          this.log.warn("push gap: resending from the server's lastSeq", { lastSeq, sentFrom: first });
          sameGap = this.floor === lastSeq ? sameGap + 1 : 0;
          this.floor = lastSeq;
          this.floorHash = failure.details.lastHash ?? null;
          // The same gap twice in a row is not the server catching up: wait like any failure.
          if (sameGap < 2) continue;
        } else if (!retriable(failure)) {
          return this.block(
            `大厅服务器拒收了本机的记录：${failure.message}（记录仍保存在本机，恢复连接或重启后再试）`,
          );
        }
        await this.backoff(failure);
      }
    }
  }

  private block(issue: string, gap: PushGap | null = null): void {
    this.log.error('push stopped', { issue, ...(gap ? { missingFrom: gap.fromSeq, missingTo: gap.toSeq } : {}) });
    this.setState({ phase: 'blocked', issue, retryAt: null, gap });
  }

  private async backoff(failure: HallError): Promise<void> {
    this.stats.failures += 1;
    if (failure.code === 'SERVER_UNREACHABLE' && this.fresh) {
      this.fresh = false;
      this.stats.delays.push(0);
      this.log.info('push failed, retrying at once', { code: failure.code, status: failure.status });
      return;
    }
    this.fresh = false;
    const retryAfter =
      (failure.status === 429 || failure.status === 503) && failure.details.retryAfterMs !== undefined
        ? Math.min(failure.details.retryAfterMs, this.tuning.maxRetryAfterMs)
        : null;
    const delay = retryAfter ?? backoffDelay(this.attempt, this.tuning);
    this.attempt += 1;
    this.stats.delays.push(delay);
    this.log.info('push failed, will retry', { code: failure.code, status: failure.status, delayMs: delay });
    const seconds = Math.max(1, Math.round(delay / 1000));
    const issue =
      failure.code === 'SERVER_UNREACHABLE'
        ? null // the connection state already says the server cannot be reached
        : failure.status === 401
          ? `大厅服务器不认可本设备的令牌，记录暂存本机，约 ${seconds} 秒后重试；如持续出现请联系管理员重新注册本终端`
          : `大厅服务器暂时无法接收记录（${failure.message}），约 ${seconds} 秒后重试`;
    this.setState({ phase: 'waiting', issue, retryAt: Date.now() + delay });
    const wait = new AbortController();
    this.wait = wait;
    try {
      await this.tuning.sleep(delay, wait.signal);
    } finally {
      this.wait = null;
    }
  }
}

/** Worth retrying by itself: the network, the server's own trouble, 401, 408, 429. */
function retriable(error: HallError): boolean {
  if (error.code === 'SERVER_UNREACHABLE') return true;
  return error.status >= 500 || error.status === 401 || error.status === 408 || error.status === 429;
}
