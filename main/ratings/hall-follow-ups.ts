// 差评回访 hall-wide at a counter (issue 21, point 6). Online, the manager's
// list is the hall server's (every window's follow-ups, GET
// /v1/manager/follow-ups) and a step goes to the server (POST …/advance, the
// manager rule and the order checked there); each answer is kept as this
// counter's cached copy (kv 'follow-ups:hall'). Offline, the list is that
// cached copy (or, before the first one, this counter's own follow-ups), and a
// step can be taken only on a follow-up of this counter, committed locally
// with its outbox record (FollowUps.advance) and sent later.
import { HallError } from '../../common/errors.ts';
import { FollowUp, FOLLOW_UP_LABEL, type FollowUpState } from '../../common/ratings.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { Db } from '../store/database.ts';
import type { FollowUps } from './follow-ups.ts';

const CACHE_KEY = 'follow-ups:hall';
export const FOLLOW_UP_OFFLINE_NOT_HERE = '离线时只能处理本窗口登记的差评回访；其他窗口的请联网后再处理';

export class HallFollowUpView {
  private readonly state: CounterState;
  private readonly local: FollowUps;
  private readonly db: Db;

  constructor(options: { state: CounterState; local: FollowUps; db: Db }) {
    this.state = options.state;
    this.local = options.local;
    this.db = options.db;
  }

  async list(): Promise<FollowUp[]> {
    const local = this.local.list(); // the manager rule, here too
    if (this.state.connection.state === 'offline' || !this.state.enrollment) return this.cached() ?? local;
    try {
      const client = this.state.requireClient();
      const { followUps } = await this.state.online(() => client.request('followUps', { query: { limit: 500 } }));
      this.cache(followUps);
      return followUps;
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return this.cached() ?? local;
      throw error;
    }
  }

  /**
   * One step forward. With the follow-up's rating and the state the manager
   * saw, online: at the hall server; offline (or without them): this
   * counter's own follow-up by its id.
   */
  async advance(args: { id: number; note: string; ratingId?: string; from?: FollowUpState }): Promise<FollowUp> {
    const { ratingId, from } = args;
    if (ratingId === undefined || from === undefined) return this.local.advance(args.id, args.note);
    const own = this.local.list().find((f) => f.ratingId === ratingId) ?? null;
    const offlineStep = () => {
      if (!own) throw new HallError('SERVER_UNREACHABLE', FOLLOW_UP_OFFLINE_NOT_HERE, 503);
      if (own.state !== from) {
        throw new HallError('CONFLICT', `该差评回访在本机现为「${FOLLOW_UP_LABEL[own.state]}」，请刷新列表后重试`, 409);
      }
      return this.local.advance(own.id, args.note);
    };
    if (this.state.connection.state === 'offline' || !this.state.enrollment) return offlineStep();
    let advanced: FollowUp;
    try {
      const client = this.state.requireClient();
      advanced = await this.state.online(() =>
        client.request('advanceFollowUp', { params: { ratingId }, body: { from, note: args.note } }),
      );
    } catch (error) {
      if (error instanceof HallError && error.code === 'SERVER_UNREACHABLE') return offlineStep();
      throw error;
    }
    // The hall's copy moved: this counter's cached copy too, and its own record of the follow-up (no outbox: the server has it).
    const cached = this.cached();
    if (cached) this.cache(cached.map((f) => (f.ratingId === ratingId ? advanced : f)));
    if (own && own.state === from) this.local.recordStepFromHall(own.id, from, advanced);
    return advanced;
  }

  private cached(): FollowUp[] | null {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(CACHE_KEY) as { value: string } | undefined;
    if (!row) return null;
    const parsed = FollowUp.array().safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : null;
  }

  private cache(list: FollowUp[]): void {
    this.db
      .prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(CACHE_KEY, JSON.stringify(list));
  }
}
