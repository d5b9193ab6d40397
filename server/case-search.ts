// 办件查询 and 查阅记录 at the hall server (issue 17, point 3; the shapes in
// common/case-search.ts). Cases come from the counters' pushes with the
// applicant masked; the applicant's ID number travels beside its case.decided
// record in the push (PushRequest.applicantIds), is checked, hashed here with
// the hall's key (HMAC-SHA256, a 0600 file the server keeps like its admin
// token) into cases.applicant_key, and dropped: never stored, never logged. A
// search by ID number hashes the number asked for and matches exactly.
//
// Opening a case's details writes a case_audit row (who, when, which case,
// from which device) in the same transaction as the read; the table refuses
// UPDATE and DELETE (triggers in the migration).
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { addCalendarDays, calendarDaysBetween } from '../common/calendar.ts';
import {
  applicantIdProblem,
  type CaseSearchQuery,
  SEARCH_MAX_DAYS,
  type ApplicantIdSidecar,
  type CaseAuditEntry,
  type CaseAuditPage,
  type CaseDetails,
  type CaseSearchResult,
  type CaseSearchRow,
} from '../common/case-search.ts';
import { HallError } from '../common/errors.ts';
import { hallDayRange, hallToday } from '../common/hall-time.ts';
import type { z } from 'zod';
import type { createConfigStore } from './config-store.ts';
import type { HallDatabase } from './db.ts';
import type { Device } from './hall.ts';
import { createPrivateFileOnce } from './private-file.ts';

type ConfigStore = ReturnType<typeof createConfigStore>;
type SearchInput = z.output<typeof CaseSearchQuery>;

/** The hall's key for applicant ID hashes: 32 random bytes, base64url, in a 0600 file made on first use. */
export function applicantKeyFrom(path: string | null): Buffer {
  if (path === null) return randomBytes(32);
  if (!existsSync(path)) createPrivateFileOnce(path, randomBytes(32).toString('base64url'));
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (key.length < 32) throw new Error(`applicant key file ${path} holds fewer than 32 bytes`);
  return key;
}

/** The label keeps this HMAC from ever meaning anything else. */
const LABEL = 'halldesk-applicant-id-v1\n';
export const applicantKey = (key: Buffer, idNumber: string): string =>
  createHmac('sha256', key).update(LABEL + idNumber.trim().toUpperCase()).digest('hex');

interface CaseRow {
  caseNo: string;
  itemCode: string;
  itemName: string;
  kind: 'instant' | 'promised';
  windowId: number;
  staffNo: string;
  applicant: string;
  decision: CaseSearchRow['decision'];
  status: CaseSearchRow['status'];
  outcome: CaseSearchRow['outcome'];
  decidedAt: string;
  promisedDate: string | null;
  finishedAt: string | null;
}
const ROW_COLUMNS = `case_no AS caseNo, item_code AS itemCode, item_name AS itemName, kind, window_id AS windowId,
  staff_no AS staffNo, applicant_masked AS applicant, decision, status, outcome, decided_at AS decidedAt,
  promised_date AS promisedDate, finished_at AS finishedAt`;
const ROW_COLUMNS_OF_C = `c.case_no AS caseNo, c.item_code AS itemCode, c.item_name AS itemName, c.kind, c.window_id AS windowId,
  c.staff_no AS staffNo, c.applicant_masked AS applicant, c.decision, c.status, c.outcome, c.decided_at AS decidedAt,
  c.promised_date AS promisedDate, c.finished_at AS finishedAt`;

/** The WHERE clause and its parameters for a search, in the order of the indexes (server/manager-desk-migration.ts). */
export function searchClause(filters: {
  caseNo?: string;
  key?: string;
  itemCode?: string;
  status?: string;
  windowId?: number;
  staffNo?: string;
  since?: string;
  until?: string;
}): { where: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    params.push(value);
  };
  add('case_no = ?', filters.caseNo);
  add('applicant_key = ?', filters.key);
  add('item_code = ?', filters.itemCode);
  add('staff_no = ?', filters.staffNo);
  add('window_id = ?', filters.windowId);
  add('status = ?', filters.status);
  add('decided_at >= ?', filters.since);
  add('decided_at < ?', filters.until);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

export function createCaseSearch(db: HallDatabase, options: { clock: () => Date; config: ConfigStore; key: Buffer }) {
  const { clock, config, key } = options;
  const setKey = db.prepare<[string, string, string]>(
    'UPDATE cases SET applicant_key = ? WHERE case_no = ? AND device_id = ? AND applicant_key IS NULL',
  );
  const selectDetails = db.prepare<
    [string],
    CaseRow & {
      ticketNumber: string | null;
      calledAt: string | null;
      finishedBy: string | null;
      missing: string;
      owedBy: string | null;
      refuseReason: string | null;
      deviceName: string;
    }
  >(
    `SELECT ${ROW_COLUMNS_OF_C},
       c.ticket_number AS ticketNumber, c.called_at AS calledAt, c.finished_by AS finishedBy, c.missing_json AS missing,
       c.owed_by AS owedBy, c.refuse_reason AS refuseReason, d.name AS deviceName
     FROM cases AS c JOIN devices AS d ON d.id = c.device_id WHERE c.case_no = ?`,
  );
  const insertAudit = db
    .prepare<[string, string, string, string, string, string, number | null], number>(
      `INSERT INTO case_audit (at, action, case_no, staff_no, staff_name, device_id, device_name, window_id)
       VALUES (?, 'open_case', ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .pluck();
  const selectDeviceName = db.prepare<[string], string>('SELECT name FROM devices WHERE id = ?').pluck();

  function windowName(windowId: number): string {
    return config.get('window', String(windowId))?.name ?? `${windowId}号窗口`;
  }
  function staffNames(): Map<string, string> {
    return new Map(config.list('staff').map((s) => [s.staffNo, s.name]));
  }
  function toRow(row: CaseRow, names: Map<string, string>): CaseSearchRow {
    return {
      caseNo: row.caseNo,
      itemCode: row.itemCode,
      itemName: row.itemName,
      kind: row.kind,
      windowId: row.windowId,
      windowName: windowName(row.windowId),
      staffNo: row.staffNo,
      staffName: names.get(row.staffNo) ?? null,
      applicant: JSON.parse(row.applicant) as CaseSearchRow['applicant'],
      decision: row.decision,
      status: row.status,
      outcome: row.outcome,
      decidedAt: row.decidedAt,
      promisedDate: row.promisedDate,
      finishedAt: row.finishedAt,
    };
  }

  /** Checks a search's filters: a clear Chinese refusal for each kind of bad input. */
  function filtersOf(query: SearchInput) {
    if (query.idNumber !== undefined) {
      const problem = applicantIdProblem(query.idNumber);
      if (problem) throw new HallError('BAD_REQUEST', `申请人证件号码不正确：${problem}`, 400);
    }
    if (query.windowId !== undefined && !config.get('window', String(query.windowId))) {
      throw new HallError('BAD_REQUEST', `本大厅没有 ${query.windowId} 号窗口，请从窗口列表中选择`, 400);
    }
    if (query.staffNo !== undefined && !config.list('staff').some((s) => s.staffNo === query.staffNo)) {
      throw new HallError('BAD_REQUEST', `没有工号为 ${query.staffNo} 的工作人员，请核对工号`, 400);
    }
    let from = query.from ?? null;
    let to = query.to ?? null;
    const today = hallToday(clock());
    // A date range is needed unless the search names one case or one applicant: by default the last 30 days.
    if (from === null && to === null && query.caseNo === undefined && query.idNumber === undefined) {
      to = today;
      from = addCalendarDays(today, -29);
    } else if (from !== null && to === null) {
      to = today < from ? from : today;
    } else if (from === null && to !== null) {
      from = addCalendarDays(to, -(SEARCH_MAX_DAYS - 1));
    }
    if (from !== null && to !== null) {
      if (to < from) throw new HallError('BAD_REQUEST', `结束日期 ${to} 早于开始日期 ${from}，请重新选择日期范围`, 400);
      if (calendarDaysBetween(from, to) + 1 > SEARCH_MAX_DAYS) {
        throw new HallError('BAD_REQUEST', `日期范围超过一年（${from} 至 ${to}），请缩小到 ${SEARCH_MAX_DAYS} 天以内`, 400);
      }
    }
    return {
      from,
      to,
      sql: searchClause({
        caseNo: query.caseNo,
        key: query.idNumber === undefined ? undefined : applicantKey(key, query.idNumber),
        itemCode: query.itemCode,
        status: query.status,
        windowId: query.windowId,
        staffNo: query.staffNo,
        since: from === null ? undefined : hallDayRange(from).since,
        until: to === null ? undefined : hallDayRange(to).until,
      }),
    };
  }

  return {
    /** PushRequest.applicantIds, after the push: each valid ID of a case this device pushed is hashed and dropped. */
    intake(device: Device, sidecars: readonly ApplicantIdSidecar[] | undefined): { hashed: number; refused: number } {
      let hashed = 0;
      let refused = 0;
      if (!sidecars?.length) return { hashed, refused };
      db.transaction(() => {
        for (const { caseNo, idNumber } of sidecars) {
          if (applicantIdProblem(idNumber) !== null) {
            refused += 1;
            continue;
          }
          hashed += setKey.run(applicantKey(key, idNumber), caseNo, device.id).changes;
        }
      })();
      return { hashed, refused };
    },

    search(query: SearchInput): CaseSearchResult {
      const { from, to, sql } = filtersOf(query);
      const total = db.prepare<(string | number)[], number>(`SELECT COUNT(*) FROM cases ${sql.where}`).pluck().get(...sql.params) ?? 0;
      const rows = db
        .prepare<(string | number)[], CaseRow>(
          `SELECT ${ROW_COLUMNS} FROM cases ${sql.where} ORDER BY decided_at DESC, case_no DESC LIMIT ? OFFSET ?`,
        )
        .all(...sql.params, query.pageSize, (query.page - 1) * query.pageSize);
      const names = staffNames();
      return { rows: rows.map((row) => toRow(row, names)), total, page: query.page, pageSize: query.pageSize, from, to };
    },

    /** A case's details for a manager, and the audit entry of this view, in one transaction. */
    open(device: Device, manager: { staffNo: string; name: string }, caseNo: string): CaseDetails {
      return db.transaction((): CaseDetails => {
        const row = selectDetails.get(caseNo);
        if (!row) throw new HallError('NOT_FOUND', `没有办件编号为 ${caseNo} 的办件，请核对编号`, 404);
        const auditId = insertAudit.get(
          clock().toISOString(),
          caseNo,
          manager.staffNo,
          manager.name,
          device.id,
          selectDeviceName.get(device.id) ?? device.id,
          device.windowId,
        );
        return {
          ...toRow(row, staffNames()),
          ticketNumber: row.ticketNumber,
          calledAt: row.calledAt,
          finishedBy: row.finishedBy,
          missing: JSON.parse(row.missing) as CaseDetails['missing'],
          owedBy: row.owedBy,
          refuseReason: row.refuseReason,
          deviceName: row.deviceName,
          auditId: auditId!,
        };
      })();
    },

    audit(query: { caseNo?: string; page: number; pageSize: number }): CaseAuditPage {
      const where = query.caseNo === undefined ? '' : 'WHERE case_no = ?';
      const params = query.caseNo === undefined ? [] : [query.caseNo];
      const total = db.prepare<string[], number>(`SELECT COUNT(*) FROM case_audit ${where}`).pluck().get(...params) ?? 0;
      const entries = db
        .prepare<(string | number)[], CaseAuditEntry>(
          `SELECT id, at, action, case_no AS caseNo, staff_no AS staffNo, staff_name AS staffName, device_id AS deviceId,
             device_name AS deviceName, window_id AS windowId
           FROM case_audit ${where} ORDER BY id DESC LIMIT ? OFFSET ?`,
        )
        .all(...params, query.pageSize, (query.page - 1) * query.pageSize);
      return { entries, total, page: query.page, pageSize: query.pageSize };
    },
  };
}
