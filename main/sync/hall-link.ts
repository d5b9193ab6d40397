// The live link to the hall server: hold its event stream open, reconnect
// with backoff, and on each event pull what changed (config, the window's
// status, the queue, cases). Events only say that there is something to pull;
// the pulls are coalesced, one run per stream at a time.
import { HallError } from '../../common/errors.ts';
import { isOfflineCall } from '../core/offline-ticket.ts';
import type { HallEvent, PullStream } from '../../common/http-api.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { Pusher } from './pusher.ts';
import type { SyncStreams } from './streams.ts';

export interface HallLinkOptions {
  state: CounterState;
  pusher: Pusher;
  streams: SyncStreams;
  /** Reconnect delay after the n-th failed attempt (ms). */
  retryDelay: (attempt: number) => number;
  /** Runs first when the link is up, before anything is pulled (a sign-out a restart owes). */
  beforePull: () => Promise<void>;
  /** The config was pulled: the hall may have pushed another device setup. */
  onConfig: () => void;
  /** The link is up and everything pulled (walk-in numbers are topped up then). */
  onOnline: () => void;
}

export class HallLink {
  private readonly state: CounterState;
  private readonly options: HallLinkOptions;
  private stream: AbortController | null = null;
  private wakeRetry: (() => void) | null = null;
  private connectLoop: Promise<void> | null = null;
  /** Set by reconnectNow(): the next attempt goes at once. */
  private skipBackoff = false;
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly refreshAgain = new Set<string>();

  constructor(options: HallLinkOptions) {
    this.state = options.state;
    this.options = options;
    this.state.onUnreachable = () => this.stream?.abort();
  }

  /** Starts the connection loop unless it runs (or the counter is not enrolled). */
  ensureConnecting(): void {
    if (this.connectLoop || !this.state.enrollment || this.state.closed) return;
    this.connectLoop = this.run().finally(() => (this.connectLoop = null));
  }

  /** The address or the identity changed: drop the stream and connect again at once. */
  reconnectNow(): void {
    this.skipBackoff = true;
    this.stream?.abort();
    this.wakeRetry?.();
    this.ensureConnecting();
    this.options.pusher.kick();
  }

  /** Ends the live stream and waits for the pulls it started (re-enrollment: they would write the old window's data). */
  async settle(rounds = 5): Promise<void> {
    this.stream?.abort();
    for (let round = 0; round < rounds && this.refreshing.size > 0; round++) {
      await Promise.allSettled([...this.refreshing.values()]);
    }
  }

  /** The counter is closing (state.closed is set): the loop ends, running pulls finish. */
  async close(): Promise<void> {
    this.stream?.abort();
    this.wakeRetry?.();
    await this.connectLoop;
    await Promise.allSettled(this.refreshing.values());
  }

  private async run(): Promise<void> {
    const state = this.state;
    let attempt = 0;
    while (!state.closed) {
      const abort = new AbortController();
      this.stream = abort;
      try {
        const client = state.requireClient();
        await client.listen(
          (event) => this.onHallEvent(event, abort),
          abort.signal,
          (line) => state.log.warn('malformed hall event', { line: line.slice(0, 200) }),
        );
        if (state.closed) return;
        throw new HallError('SERVER_UNREACHABLE', '与大厅服务器的实时连接中断，正在重连', 503);
      } catch (error) {
        if (state.closed) return;
        const message = error instanceof HallError ? error.message : '与大厅服务器通信失败，正在重试';
        state.setConnection('offline', message);
        if (error instanceof HallError && error.code === 'UNAUTHORIZED') {
          state.log.error('device token refused by the hall server', {});
        }
      }
      attempt += 1;
      if (this.skipBackoff) {
        this.skipBackoff = false;
        attempt = 0;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.retryDelay(attempt));
        this.wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRetry = null;
      if (state.connection.state === 'online') attempt = 0;
    }
  }

  private onHallEvent(event: HallEvent, stream: AbortController): void {
    const refresh = (what: Promise<void>) =>
      what.catch((error) => {
        this.state.log.warn('refresh failed', { error: String(error) });
        stream.abort();
      });
    switch (event.type) {
      case 'hello':
        // The link is back: what waits in the outbox goes at once.
        this.options.pusher.linkUp();
        // Subscribed first, then pull everything: no change can fall between.
        void refresh(
          this.options
            .beforePull()
            .then(() => Promise.all([this.pullConfig(), this.refreshWindow(), this.pull('queue'), this.pull('cases')]))
            .then(() => {
              this.state.setConnection('online', null);
              this.options.onOnline();
            }),
        );
        return;
      case 'queue':
        // The hint carries the hall's waiting counts; the stream holds only this counter's walk-ins.
        if (event.waiting) {
          this.options.streams.applyWaitingHint(event.version, event.waiting);
          this.state.publish();
        }
        if (!event.waiting || this.options.streams.hasOpenWalkIns()) void refresh(this.pull('queue'));
        return;
      case 'window':
        if (this.options.streams.hasOpenWalkIns()) void refresh(this.pull('queue'));
        // A change that was only this counter's own call (its answer applied already) needs no read.
        if (event.windowId === this.state.windowId() && (event.by === undefined || event.by !== this.state.enrollment?.deviceId)) {
          void refresh(this.refreshWindow());
        }
        return;
      case 'config':
        void refresh(this.pullConfig());
        return;
      case 'cases':
        if (event.windowId === this.state.windowId()) void refresh(this.pull('cases'));
        return;
    }
  }

  /** Runs `task` once at a time per key; a request during a run causes one more run. */
  coalesce(key: string, task: () => Promise<void>): Promise<void> {
    const running = this.refreshing.get(key);
    if (running) {
      this.refreshAgain.add(key);
      return running;
    }
    const run = (async () => {
      do {
        this.refreshAgain.delete(key);
        await task();
      } while (this.refreshAgain.has(key) && !this.state.closed);
    })().finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, run);
    return run;
  }

  private pullConfig(): Promise<void> {
    return this.coalesce('config', async () => {
      await this.options.streams.pull(this.state.requireClient(), 'config', () => this.state.closed);
      if (this.state.closed) return;
      this.state.config = this.state.store.config();
      this.state.publish();
      this.options.onConfig();
    });
  }

  /** Pulls a stream to its end (live events only say that there is something to pull). */
  private pull(stream: Exclude<PullStream, 'config'>): Promise<void> {
    return this.coalesce(stream, async () => {
      const report = await this.options.streams.pull(this.state.requireClient(), stream, () => this.state.closed);
      if (report.reloaded) this.state.log.info('stream reloaded from scratch', { stream });
      if (!this.state.closed) this.state.publish();
    });
  }

  /** The window's status (clerk, ticket in hand) as the hall server has it. */
  refreshWindow(): Promise<void> {
    return this.coalesce('window', async () => {
      const state = this.state;
      const windowId = state.windowId();
      if (windowId === null) return;
      const changesBefore = state.currentChanges;
      let status = await state.requireClient().request('windowStatus', { params: { id: windowId } });
      if (state.closed) return;
      // This counter's own action was answered while the read was on its way: the
      // read may predate it (the 办结 ticket still in hand, put back on both
      // screens — its own event triggers no read to mend it). Read again instead.
      if (state.currentChanges !== changesBefore) {
        this.refreshAgain.add('window');
        return;
      }
      // A clerk signed in offline stays signed in here (cases and ratings are local) until signing out.
      if (state.offlineClerk && status.clerk === null) status = { ...status, clerk: state.offlineClerk };
      // A walk-in called offline is the citizen at the window: it stays in hand (main/core/offline-ticket.ts).
      const inHand = state.status?.current;
      if (isOfflineCall(inHand) && !isOfflineCall(status.current)) status = { ...status, current: inHand ?? null };
      state.setStatus(status);
      state.publish();
    });
  }
}
