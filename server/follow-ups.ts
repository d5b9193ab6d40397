// 差评回访 hall-wide (issue 21, point 6): every window's follow-ups as the
// counters sent them (followup.opened / followup.advanced in server/sync.ts),
// listed for a hall manager at any counter, filterable by state, window and
// due date; and advanced one step by that manager, checked here: only forward,
// only from the state the manager saw (an out-of-order or stale step is
// refused with the state it is in), the step kept with the manager's staff
// number. The manager rule itself is the route's (server/hall-service.ts).
import { HallError } from '../common/errors.ts';
import {
  FOLLOW_UP_LABEL,
  NEXT_FOLLOW_UP_STATE,
  type FollowUp,
  type FollowUpState,
  type HallFollowUps,
  type HallFollowUpsQuery,
} from '../common/ratings.ts';
import type { HallDatabase } from './db.ts';

interface Row {
  id: number;
  device_id: string;
  local_id: number;
  rating_id: string;
  due_date: string;
  state: FollowUpState;
  opened_at: string;
  level: number;
  case_no: string | null;
  item_code: string | null;
  window_id: number;
  staff_no: string;
  ticket_number: string | null;
  rated_at: string;
}

const SELECT = `SELECT f.rowid AS id, f.device_id, f.local_id, f.rating_id, f.due_date, f.state, f.opened_at,
    r.level, r.case_no, r.item_code, r.window_id, r.staff_no, r.ticket_number, r.at AS rated_at
  FROM follow_ups AS f JOIN ratings AS r ON r.id = f.rating_id`;

export function createFollowUps(db: HallDatabase, { clock }: { clock: () => Date }) {
  const selectSteps = db.prepare<[string, number], { to_state: FollowUpState; note: string; staff_no: string | null; at: string }>(
    'SELECT to_state, note, staff_no, at FROM follow_up_steps WHERE device_id = ? AND local_id = ? ORDER BY rowid',
  );
  const selectByRating = db.prepare<[string], Row>(`${SELECT} WHERE f.rating_id = ?`);
  const advanceState = db.prepare<[string, string, number, string]>(
    'UPDATE follow_ups SET state = ? WHERE device_id = ? AND local_id = ? AND state = ?',
  );
  const insertStep = db.prepare<[string, number, string, string, string, string, string]>(
    `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  const toFollowUp = (row: Row): FollowUp => ({
    id: row.id,
    ratingId: row.rating_id,
    level: row.level as FollowUp['level'],
    caseNo: row.case_no,
    itemCode: row.item_code,
    windowId: row.window_id,
    staffNo: row.staff_no,
    ticketNumber: row.ticket_number,
    ratedAt: row.rated_at,
    dueDate: row.due_date,
    state: row.state,
    steps: [
      { state: 'verifying', note: '', staffNo: null, at: row.opened_at },
      ...selectSteps.all(row.device_id, row.local_id).map((s) => ({ state: s.to_state, note: s.note, staffNo: s.staff_no, at: s.at })),
    ],
  });

  return {
    list(query: HallFollowUpsQuery): HallFollowUps {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.state) {
        where.push('f.state = ?');
        params.push(query.state);
      }
      if (query.windowId !== undefined) {
        where.push('r.window_id = ?');
        params.push(query.windowId);
      }
      if (query.dueBy) {
        where.push('f.due_date <= ?');
        params.push(query.dueBy);
      }
      const rows = db
        .prepare<(string | number)[], Row>(
          `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY f.due_date, f.rowid LIMIT ?`,
        )
        .all(...params, query.limit);
      return { followUps: rows.map(toFollowUp), serverTime: clock().toISOString() };
    },

    /** One step forward by the manager signed in at a counter; refused with the reason otherwise, nothing written. */
    advance(ratingId: string, step: { from: FollowUpState; note: string }, staffNo: string): FollowUp {
      return db
        .transaction((): FollowUp => {
          const row = selectByRating.get(ratingId);
          if (!row) throw new HallError('NOT_FOUND', `评价 ${ratingId} 没有差评回访记录，请刷新列表后重试`, 404);
          const next = NEXT_FOLLOW_UP_STATE[row.state];
          if (row.state !== step.from) {
            throw new HallError(
              'CONFLICT',
              `该差评回访现为「${FOLLOW_UP_LABEL[row.state]}」，不是「${FOLLOW_UP_LABEL[step.from]}」：可能已由其他窗口处理，请刷新列表后重试`,
              409,
            );
          }
          if (next === null) throw new HallError('CONFLICT', '该差评回访已回访，流程已结束', 409);
          const at = clock().toISOString();
          advanceState.run(next, row.device_id, row.local_id, row.state);
          insertStep.run(row.device_id, row.local_id, row.state, next, step.note.trim(), staffNo, at);
          return toFollowUp(selectByRating.get(ratingId)!);
        })
        .immediate();
    },
  };
}
