// A hall's quarter whose report figures are known by construction (issue 17):
// the demo hall's windows 1–3 worked by its five clerks in turn, every day of
// 2026 Q3 (92 days) and one day either side (which a Q3 report must leave
// out). Each ticket's line, item, clerk, wait and service time, rating and
// follow-up follow from (day, window, k) by simple rules, written into a real
// hall SQLite file the way the hall writes them — tickets called then 办结
// (UPDATE, so the report triggers fire), cases and ratings inserted as sync
// intake does — and returned as plain records, so that a test computes each
// figure from the rules, not from the database.
import { addCalendarDays } from '../../common/calendar.ts';
import type { HallDatabase } from '../../server/db.ts';

export const REPORT_WINDOWS = [1, 2, 3] as const;
export const REPORT_CLERKS = ['1001', '1002', '1003', '1004', '1005'] as const;
/** The lines each window's tickets are for (the demo hall's windows 1–3 serve these). */
const WINDOW_LINES: Record<number, readonly string[]> = { 1: ['A', 'C'], 2: ['A'], 3: ['B', 'A'] };
const LINE_ITEMS: Record<string, readonly [string, string]> = {
  A: ['GA-SFZ-002', 'GA-ZM-006'],
  B: ['BDC-ZY-001', 'BDC-DY-001'],
  C: ['SCJG-DJ-002', 'SW-FP-001'],
};

export interface BuiltService {
  day: string;
  windowId: number;
  staffNo: string;
  /** The line it was served in (after 转业务). */
  lineId: string;
  /** '' when neither a case nor a rating named it. */
  itemCode: string;
  wait: number;
  service: number;
}
export interface BuiltRating {
  id: string;
  day: string;
  windowId: number;
  staffNo: string;
  lineId: string;
  itemCode: string;
  level: 1 | 2 | 3 | 4 | 5 | null;
  /** Bad ratings only: the follow-up as registered (null: none). */
  followUp: { dueDate: string; state: 'verifying' | 'fixing' | 'called_back'; calledBackOn: string | null } | null;
}
export interface BuiltHall {
  services: BuiltService[];
  ratings: BuiltRating[];
  /** Tickets given up (过号): never counted as served. */
  noShows: number;
}

export const Q3 = { from: '2026-07-01', to: '2026-09-30' } as const;
/** The hall day the report is read on: some follow-ups are past their due date, some not yet. */
export const REPORT_TODAY = '2026-10-03';

const at = (day: string, minutesAfterNine: number, plusSeconds = 0): string =>
  new Date(Date.parse(`${day}T09:00:00+08:00`) + minutesAfterNine * 60_000 + plusSeconds * 1000).toISOString();

/**
 * Writes the quarter into `db` (migrated, and seeded with the demo hall's
 * config and staff: windows 1–3, clerks 1001–1005), in one transaction.
 */
export function buildReportHall(db: HallDatabase): BuiltHall {
  const built: BuiltHall = { services: [], ratings: [], noShows: 0 };
  const staffIdOf = db.prepare<[string], number>('SELECT staff_id FROM staff_credentials WHERE staff_no = ?').pluck();
  const insertDevice = db.prepare(
    `INSERT INTO devices (id, device_no, name, role, window_id, token_hash, enrolled_at)
     VALUES (?, ?, ?, ?, ?, ?, '2026-06-01T00:00:00.000Z')`,
  );
  const insertTicket = db.prepare(
    `INSERT INTO tickets (day, line_id, seq, number, priority, status, issued_at, issued_by, window_id, called_at, queue_line_id)
     VALUES (?, ?, ?, ?, 'normal', 'called', ?, 'report-kiosk', ?, ?, ?) RETURNING id`,
  );
  const finishTicket = db.prepare(`UPDATE tickets SET status = ?, ended_at = ? WHERE id = ?`);
  const signOutAll = db.prepare('DELETE FROM window_clerks');
  const signIn = db.prepare(
    'INSERT INTO window_clerks (window_id, staff_id, device_id, signed_in_at) VALUES (?, ?, ?, ?)',
  );
  const insertCase = db.prepare(
    `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
       applicant_masked, decision, status, decided_at, missing_json, seq)
     VALUES (?, ?, ?, ?, '事项', 'instant', ?, ?, ?, '{}', 'accept', 'accepted', ?, '[]', 1)`,
  );
  const insertRating = db.prepare(
    `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level,
       outcome, channel, device_address, opened_at, at, seq)
     VALUES (?, ?, 1, NULL, ?, ?, ?, ?, ?, ?, 'evaluator', 1, ?, ?, 1)`,
  );
  const insertFollowUp = db.prepare(
    `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertStep = db.prepare(
    `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at) VALUES (?, ?, ?, ?, '处理', '1006', ?)`,
  );

  db.transaction(() => {
    insertDevice.run('report-kiosk', 90, '取号机', 'kiosk', null, 'hash-kiosk');
    for (const w of REPORT_WINDOWS) insertDevice.run(`report-w${w}`, 90 + w, `${w}号窗口柜台`, 'counter', w, `hash-w${w}`);
    const days = [addCalendarDays(Q3.from, -1)];
    for (let day: string = Q3.from; day <= Q3.to; day = addCalendarDays(day, 1)) days.push(day);
    days.push(addCalendarDays(Q3.to, 1));
    let caseSerial = 0;
    const followUpIds = new Map<string, number>();
    days.forEach((day, d) => {
      const seqs = new Map<string, number>();
      const number = (line: string) => {
        const seq = (seqs.get(line) ?? 0) + 1;
        seqs.set(line, seq);
        return { seq, number: `${line}${String(seq).padStart(3, '0')}` };
      };
      signOutAll.run();
      for (const w of REPORT_WINDOWS) {
        const staffNo = REPORT_CLERKS[(d + w) % 5]!;
        signIn.run(w, staffIdOf.get(staffNo), `report-w${w}`, at(day, -30));
      }
      for (const w of REPORT_WINDOWS) {
        const device = `report-w${w}`;
        const staffNo = REPORT_CLERKS[(d + w) % 5]!;
        const count = 1 + ((d * 7 + w * 3) % 4);
        for (let k = 0; k < count; k += 1) {
          const issuedLine = WINDOW_LINES[w]![k % WINDOW_LINES[w]!.length]!;
          // 转业务 to B on every tenth day's first ticket (its queue line is what it was served in).
          const queueLine = k === 0 && d % 10 === 0 && issuedLine !== 'B' ? 'B' : null;
          const lineId = queueLine ?? issuedLine;
          const itemCode = LINE_ITEMS[lineId]![(d + k) % 2]!;
          const wait = 60 * (1 + ((d + k + w) % 10)) + 7;
          const service = 30 * (1 + ((3 * d + k) % 7)) + 13;
          const start = w * 100 + k * 20;
          const issuedAt = at(day, start);
          const calledAt = at(day, start, wait);
          const endedAt = at(day, start, wait + service);
          const { seq, number: ticketNumber } = number(issuedLine);
          const ticketId = Number(
            (insertTicket.get(day, issuedLine, seq, ticketNumber, issuedAt, w, calledAt, queueLine) as { id: number }).id,
          );
          const hasCase = (k + d) % 4 !== 0;
          const caseNo = () => `2026${String((caseSerial += 1)).padStart(13, '0')}`;
          // A case pushed before the ticket is 办结 (odd k) or after (even k): both reach the facts.
          if (hasCase && k % 2 === 1) insertCase.run(caseNo(), device, w, itemCode, staffNo, ticketNumber, calledAt, at(day, start, wait + 60));
          finishTicket.run('completed', endedAt, ticketId);
          if (hasCase && k % 2 === 0) insertCase.run(caseNo(), device, w, itemCode, staffNo, ticketNumber, calledAt, at(day, start, wait + 60));

          const r = (d + w + k) % 7;
          const rated = r < 5;
          if (r !== 6) {
            const level = rated ? ((5 - r) as 1 | 2 | 3 | 4 | 5) : null;
            const id = `r-${day}-${w}-${k}`;
            insertRating.run(id, device, itemCode, w, staffNo, ticketNumber, level, rated ? 'rated' : 'not_rated', endedAt, at(day, start, wait + service + 10));
            let followUp: BuiltRating['followUp'] = null;
            if (level !== null && level <= 2 && (d + k) % 4 !== 3) {
              const dueDate = addCalendarDays(day, 5);
              const state = (['verifying', 'fixing', 'called_back'] as const)[(d + k) % 4]!;
              const localId = (followUpIds.get(device) ?? 0) + 1;
              followUpIds.set(device, localId);
              insertFollowUp.run(device, localId, id, dueDate, state, at(day, 400));
              let calledBackOn: string | null = null;
              if (state !== 'verifying') insertStep.run(device, localId, 'verifying', 'fixing', at(addCalendarDays(day, 1), 60));
              if (state === 'called_back') {
                calledBackOn = addCalendarDays(day, d % 2 === 0 ? 3 : 7);
                insertStep.run(device, localId, 'fixing', 'called_back', at(calledBackOn, 60));
              }
              followUp = { dueDate, state, calledBackOn };
            }
            built.ratings.push({ id, day, windowId: w, staffNo, lineId, itemCode, level, followUp });
          }
          built.services.push({
            day,
            windowId: w,
            staffNo,
            lineId,
            itemCode: hasCase || r !== 6 ? itemCode : '',
            wait,
            service,
          });
        }
        // One 过号 per window and day: never served.
        const gone = number(WINDOW_LINES[w]![0]!);
        const goneId = Number(
          (insertTicket.get(day, WINDOW_LINES[w]![0]!, gone.seq, gone.number, at(day, 500), w, at(day, 510), null) as { id: number }).id,
        );
        finishTicket.run('no_show', at(day, 515), goneId);
        built.noShows += 1;
      }
    });
    signOutAll.run();
  })();
  return built;
}
