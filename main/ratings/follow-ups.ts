// Bad-rating follow-ups (差评回访): a 差评 opens one (RatingService, in the
// rating's transaction); a hall manager moves it through its states, each step
// committed with its outbox mutation.
import { HallError } from '../../common/errors.ts';
import { FOLLOW_UP_ADVANCED, NEXT_FOLLOW_UP_STATE, type FollowUp } from '../../common/ratings.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/database.ts';
import type { Outbox } from '../store/outbox.ts';
import type { RatingStore } from '../store/rating-store.ts';
import type { RatingServiceOptions } from './rating-types.ts';

export class FollowUps {
  private readonly db: Db;
  private readonly store: RatingStore;
  private readonly outbox: Outbox;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly who: RatingServiceOptions['who'];

  constructor(options: { db: Db; store: RatingStore; outbox: Outbox; clock: () => Date; log: Logger; who: RatingServiceOptions['who'] }) {
    this.db = options.db;
    this.store = options.store;
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.log = options.log;
    this.who = options.who;
  }

  list(): FollowUp[] {
    this.requireManager();
    return this.store.followUps();
  }

  advance(id: number, note: string): FollowUp {
    const manager = this.requireManager();
    const at = this.clock().toISOString();
    const advanced = this.db.transaction((): FollowUp => {
      const current = this.store.followUp(id);
      if (!current) throw new HallError('NOT_FOUND', `回访记录 ${id} 不存在，请刷新列表后重试`, 404);
      const next = NEXT_FOLLOW_UP_STATE[current.state];
      if (next === null) throw new HallError('CONFLICT', `回访记录 ${id} 已回访，流程已结束`, 409);
      if (!this.store.advanceFollowUp(id, current.state, next, note.trim(), manager.staffNo, at)) {
        throw new HallError('CONFLICT', `回访记录 ${id} 的状态已变化，请刷新列表后重试`, 409);
      }
      this.outbox.append(FOLLOW_UP_ADVANCED, { id, ratingId: current.ratingId, from: current.state, to: next, note: note.trim(), staffNo: manager.staffNo, at });
      return this.store.followUp(id)!;
    })();
    this.log.info('follow-up advanced', { id, state: advanced.state });
    return advanced;
  }

  /**
   * A step a manager took at the hall server (main/ratings/hall-follow-ups.ts)
   * on one of this counter's follow-ups: recorded here too, without an outbox
   * record (the server has it already).
   */
  recordStepFromHall(id: number, from: FollowUp['state'], advanced: FollowUp): void {
    const step = advanced.steps.at(-1);
    if (!step || advanced.state === from) return;
    if (this.store.advanceFollowUp(id, from, advanced.state, step.note, step.staffNo ?? '', step.at)) {
      this.log.info('follow-up advanced at the hall server', { id, state: advanced.state });
    }
  }

  private requireManager(): { staffNo: string } {
    const who = this.who();
    if (!who) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
    if (who.role !== 'manager') {
      throw new HallError('FORBIDDEN', '差评回访仅限中心管理人员处理：请由管理人员登录后查看', 403);
    }
    return who;
  }
}
