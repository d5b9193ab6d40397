// Retention (main/retention.ts) on a real counter SQLite file with an injected
// clock and timer: personal data of concluded cases whose records the server
// acknowledged is replaced by the masked applicant after retentionDays; open
// cases, cases with unsent or rejected records, and recent cases keep theirs;
// the purge runs at start and daily, and leaves no full ID in the file.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Applicant, CaseStatus } from '../../common/cases.ts';
import { residentIdCheckChar } from '../../common/identity.ts';
import { HallSettings } from '../../common/model.ts';
import { CASE_DECIDED, CASE_FINISHED } from '../../common/sync.ts';
import { openCounter } from '../../main/counter.ts';
import { Retention, maskedApplicant, type RetentionTimer } from '../../main/retention.ts';
import { CaseStore, type StoredCase } from '../../main/store/case-store.ts';
import { openDatabase, type Db } from '../../main/store/database.ts';
import { Outbox } from '../../main/store/outbox.ts';
import { memoryLogger, tempDir } from '../sync/support.ts';
import { fakeIntervalTimer } from '../helpers/fake-interval.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-06-30T08:00:00.000Z');
const daysAgo = (days: number, from = NOW) => new Date(from.getTime() - days * DAY).toISOString();

const FIRST17 = '32010219850312004';
const ID = FIRST17 + residentIdCheckChar(FIRST17);
const person = (n: number): Applicant => ({
  type: 'person',
  name: '王小明',
  idNumber: ID,
  phone: `1381234${String(n).padStart(4, '0')}`,
});
const CREDIT = '91320102MA1XYZ1234';
const enterprise: Applicant = {
  type: 'enterprise',
  name: '南京某某科技有限公司',
  creditCode: CREDIT,
  contactName: '李四',
  contactPhone: '13912345678',
};

function rig() {
  const file = join(tempDir('halldesk-retention-'), 'counter.db');
  const db = openDatabase(file);
  const cases = new CaseStore(db);
  const outbox = new Outbox(db, { clock: () => NOW });
  let n = 0;
  /** A case concluded `age` days ago (decided then; finished then when status is finished), with its outbox rows in `state`. */
  const add = (status: CaseStatus, age: number, state: 'acked' | 'pending' | 'rejected' | 'sent', applicant = person(n)) => {
    n += 1;
    const caseNo = `20260101010010${String(n).padStart(3, '0')}`;
    const at = daysAgo(age);
    const row: StoredCase = {
      caseNo,
      itemCode: 'GA-ZM-006',
      itemName: '无犯罪记录证明开具',
      kind: 'promised',
      windowId: 1,
      staffNo: '1001',
      ticketNumber: null,
      calledAt: null,
      applicant,
      decision: status === 'refused' ? 'refuse' : status === 'notice' ? 'notice' : 'accept',
      status,
      outcome: status === 'finished' ? 'approved' : null,
      decidedAt: status === 'finished' ? daysAgo(age + 3) : at,
      promisedDate: null,
      finishedAt: status === 'finished' ? at : null,
      finishedBy: status === 'finished' ? '1001' : null,
      missing: [],
      owedBy: null,
      refuseReason: status === 'refused' ? '其他（见说明）' : null,
    };
    db.transaction(() => {
      cases.insert(row);
      const decided = outbox.append(CASE_DECIDED, { caseNo, applicantMasked: { name: '王**' } });
      db.prepare("UPDATE outbox SET state = 'acked' WHERE seq = ?").run(decided.seq);
      if (status === 'finished') {
        const finished = outbox.append(CASE_FINISHED, { caseNo, outcome: 'approved' });
        db.prepare('UPDATE outbox SET state = ? WHERE seq = ?').run(state, finished.seq);
      } else {
        db.prepare('UPDATE outbox SET state = ? WHERE seq = ?').run(state, decided.seq);
      }
    })();
    return caseNo;
  };
  return { file, db, cases, add };
}

const fakeTimer = (): ReturnType<typeof fakeIntervalTimer> & RetentionTimer => fakeIntervalTimer();

const applicantOf = (db: Db, caseNo: string) =>
  db.prepare('SELECT applicant_json, purged_at FROM cases WHERE case_no = ?').get(caseNo) as {
    applicant_json: string;
    purged_at: string | null;
  };

describe('retention of personal data', () => {
  it('the hall setting defaults to 30 days', () => {
    const settings = HallSettings.parse({ hallName: '某某政务服务中心', noShowMinRecalls: 1, notice: '' });
    expect(settings.retentionDays).toBe(30);
    expect(() => HallSettings.parse({ ...settings, retentionDays: 0 })).toThrow();
  });

  it('masks every personal field, still a valid applicant, and masking twice changes nothing', () => {
    const masked = maskedApplicant(person(7));
    expect(masked).toEqual({ type: 'person', name: '王**', idNumber: '3201**********' + ID.slice(-4), phone: '138****0007' });
    expect(maskedApplicant(masked)).toEqual(masked);
    expect(maskedApplicant(enterprise)).toEqual({
      type: 'enterprise',
      name: '南*********',
      creditCode: '9132**********1234',
      contactName: '李*',
      contactPhone: '139****5678',
    });
  });

  it('purges concluded, synced cases past the retention days — at start and daily — and nothing else', () => {
    const { file, db, cases, add } = rig();
    const purge = {
      finishedOld: add('finished', 31, 'acked'),
      refusedOld: add('refused', 40, 'acked'),
      noticeOld: add('notice', 35, 'acked'),
      enterpriseOld: add('finished', 45, 'acked', enterprise),
    };
    const keep = {
      finishedRecent: add('finished', 29, 'acked'),
      openOld: add('accepted', 100, 'acked'),
      unsentFinish: add('finished', 60, 'pending'),
      inFlight: add('finished', 60, 'sent'),
      rejected: add('refused', 60, 'rejected'),
    };
    const lines: Parameters<typeof memoryLogger>[0] = [];
    let now = NOW;
    let days = 30;
    const timer = fakeTimer();
    const retention = new Retention({ db, clock: () => now, days: () => days, log: memoryLogger(lines), timer });

    retention.start();
    expect(timer.runs.map((r) => r.ms)).toEqual([DAY]);
    for (const caseNo of Object.values(purge)) {
      const row = applicantOf(db, caseNo);
      expect(row.purged_at).toBe(NOW.toISOString());
      expect(row.applicant_json).not.toContain(ID);
      expect(row.applicant_json).not.toContain(CREDIT);
      expect(row.applicant_json).not.toContain('王小明');
      // The case still reads, masked: lists and figures keep working.
      const stored = cases.get(caseNo)!;
      expect(stored.applicant).toEqual(maskedApplicant(stored.applicant));
    }
    expect(cases.get(purge.enterpriseOld)!.applicant).toMatchObject({ creditCode: '9132**********1234', contactName: '李*' });
    for (const caseNo of Object.values(keep)) {
      expect(applicantOf(db, caseNo).purged_at).toBeNull();
      expect(cases.get(caseNo)!.applicant).toMatchObject({ name: '王小明', idNumber: ID });
    }
    expect(lines.find((l) => l.message.includes('purged'))?.fields).toEqual({ cases: 4, retentionDays: 30 });
    expect(JSON.stringify(lines)).not.toContain(ID);
    // Nothing more is due: a second run purges nothing.
    expect(retention.run()).toBe(0);

    // The next day: the finish record reached the server; the recent case is now past 30 days.
    db.prepare("UPDATE outbox SET state = 'acked' WHERE state IN ('pending', 'sent')").run();
    now = new Date(NOW.getTime() + 1.5 * DAY);
    timer.runs[0]!.run();
    for (const caseNo of [keep.finishedRecent, keep.unsentFinish, keep.inFlight]) {
      expect(applicantOf(db, caseNo).purged_at).toBe(now.toISOString());
    }
    // Open and rejected ones keep their data; a shorter hall setting purges nothing it should not.
    days = 1;
    expect(retention.run()).toBe(0);
    expect(cases.get(keep.openOld)!.applicant).toMatchObject({ idNumber: ID });
    expect(cases.get(keep.rejected)!.applicant).toMatchObject({ idNumber: ID });

    retention.stop();
    expect(timer.cleared).toBe(1);
    // No full ID lingers in the file (secure_delete, WAL checkpointed) except in the two cases kept on purpose.
    db.close();
    const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`, { flag: 'a+' })]).toString('latin1');
    const occurrences = bytes.split(ID).length - 1;
    expect(occurrences).toBe(2);
  });

  it('follows the hall setting: 7 days purges a case 8 days after it concluded', () => {
    const { db, add } = rig();
    const caseNo = add('finished', 8, 'acked');
    const retention = new Retention({ db, clock: () => NOW, days: () => 7, log: memoryLogger([]), timer: fakeTimer() });
    expect(retention.run()).toBe(1);
    expect(applicantOf(db, caseNo).applicant_json).not.toContain(ID);
  });

  it('runs in the counter: at start (the hall default of 30 days) and on the injected daily timer', async () => {
    const { file, db, add } = rig();
    const due = add('finished', 31, 'acked');
    const later = add('finished', 29, 'acked');
    db.close();
    let now = NOW;
    const timer = fakeTimer();
    const counter = await openCounter({ dataDir: dirname(file), deviceName: 'retention', clock: () => now }, { retentionTimer: timer });
    try {
      const check = openDatabase(file);
      expect(applicantOf(check, due).purged_at).toBe(NOW.toISOString());
      expect(applicantOf(check, later).purged_at).toBeNull();
      now = new Date(NOW.getTime() + 2 * DAY);
      expect(timer.runs.map((r) => r.ms)).toEqual([DAY]);
      timer.runs[0]!.run();
      expect(applicantOf(check, later).purged_at).toBe(now.toISOString());
      check.close();
    } finally {
      await counter.close();
    }
    expect(timer.cleared).toBe(1);
  });
});
