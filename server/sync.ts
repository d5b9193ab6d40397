// Sync intake and streams (../shared/protocols/sync.md, issue 6), over the
// hall database:
//
// - push: a device's mutations, applied once each, in seq order. `(device,
//   seq)` and the mutation id are both deduplicated, the hash chain is
//   checked, and a mutation that breaks a rule is kept as rejected with a
//   zh-CN reason without blocking the ones behind it.
// - pull stream=queue: for a kiosk today's tickets by hall_log version; for a
//   counter its own walk-ins and the hall's waiting counts. stream=cases:
//   server-side changes to a window's cases by case_changes version.
//   (stream=config is config-store.ts.)
// - the hall manager's view: rejected mutations, a case, 办结 in the back office.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { describeIssues, HallError } from '../common/errors.ts';
import type {
  CasesPage,
  HallEvent,
  QueuePage,
  PushOutcome,
  PushResult,
  QueueTicket,
  RouteResponse,
  ServerCase,
  TicketConflict,
  WaitingCounts,
} from '../common/http-api.ts';
import {
  CASE_DECIDED,
  CASE_FINISHED,
  CaseDecidedArgs,
  CaseFinishedArgs,
  canonicalJson,
  GENESIS_HASH,
  hashInputWithArgs,
  type Mutation,
  ChainKeyedArgs,
  chainKeyMessage,
  SYNC_CHAIN_KEYED,
  SYNC_GAP_LOST,
  SyncGapLostArgs,
  TICKET_SERVED_OFFLINE,
  TicketServedOfflineArgs,
  WALKIN_ISSUED,
  WalkInIssuedArgs,
} from '../common/sync.ts';
import {
  FOLLOW_UP_ADVANCED,
  FOLLOW_UP_OPENED,
  FollowUpAdvancedArgs,
  FollowUpOpenedArgs,
  NEXT_FOLLOW_UP_STATE,
  RATING_RECORDED,
  RatingRecord,
} from '../common/ratings.ts';
import { hallDateTimeAt } from '../common/calendar.ts';
import { supplementRefusal } from '../common/case-rules.ts';
import { CASE_SUPPLEMENTED, CaseSupplementedArgs } from '../common/cases.ts';
import { describeMutation, type HallSyncIssues } from '../common/sync-issues.ts';
import type { HallDatabase } from './db.ts';
import { businessDay, type Device } from './hall.ts';
import { parseWithZhMessages } from './validate.ts';
import { createWalkInQueue } from './walk-in-queue.ts';
import { hallDayRange } from '../common/hall-time.ts';
import { dialectOf, isConstraintViolation, isUniqueViolation } from './storage/hall-database.ts';
import { indexedBy } from './storage/dialect.ts';

export interface SyncOptions {
  clock: () => Date;
  publish: (event: HallEvent) => void;
}

/** A mutation that breaks a rule: rejected with this zh-CN reason, the rest goes on. */
class Rejection extends Error {}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

/**
 * A device's chain key, as the counter derives it from its token
 * (main/sync/chain-key.ts): HMAC-SHA256 keyed with the token's digest, which
 * is what the hall keeps (devices.token_hash, hex).
 */
function deriveChainKey(tokenHashHex: string, deviceId: string): Buffer {
  return createHmac('sha256', Buffer.from(tokenHashHex, 'hex')).update(chainKeyMessage(deviceId), 'utf8').digest();
}

interface CaseRow {
  case_no: string;
  device_id: string;
  window_id: number;
  item_code: string;
  item_name: string;
  kind: 'instant' | 'promised';
  staff_no: string;
  ticket_number: string | null;
  called_at: string | null;
  applicant_masked: string;
  decision: ServerCase['decision'];
  status: ServerCase['status'];
  outcome: ServerCase['outcome'];
  decided_at: string;
  promised_date: string | null;
  finished_at: string | null;
  finished_by: string | null;
  missing_json: string;
  owed_by: string | null;
  refuse_reason: string | null;
}

const caseFromRow = (row: CaseRow): ServerCase => ({
  caseNo: row.case_no,
  deviceId: row.device_id,
  windowId: row.window_id,
  itemCode: row.item_code,
  itemName: row.item_name,
  kind: row.kind,
  staffNo: row.staff_no,
  ticketNumber: row.ticket_number,
  calledAt: row.called_at,
  applicantMasked: JSON.parse(row.applicant_masked) as ServerCase['applicantMasked'],
  decision: row.decision,
  status: row.status,
  outcome: row.outcome,
  decidedAt: row.decided_at,
  promisedDate: row.promised_date,
  finishedAt: row.finished_at,
  finishedBy: row.finished_by,
  missing: JSON.parse(row.missing_json) as ServerCase['missing'],
  owedBy: row.owed_by,
  refuseReason: row.refuse_reason,
});

const gone = (what: string) =>
  new HallError('CONFLICT', `${what}同步游标已失效（服务器不再保留或从未发出该版本），请从头重新同步`, 410);

function parseArgs<S extends z.ZodType>(schema: S, args: unknown): z.output<S> {
  const parsed = parseWithZhMessages(schema, args);
  if (!parsed.success) throw new Rejection(`记录内容不符合接口约定：${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function createSync(db: HallDatabase, { clock, publish }: SyncOptions) {
  // ---- push ---------------------------------------------------------------------
  const selectHead = db.prepare<[string], { seq: number; hash: string }>(
    'SELECT seq, hash FROM sync_mutations WHERE device_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const selectAt = db.prepare<
    [string, number],
    { id: string; status: 'applied' | 'rejected'; reason: string | null }
  >('SELECT id, status, reason FROM sync_mutations WHERE device_id = ? AND seq = ?');
  const selectKeyedFrom = db
    .prepare<[string, string], number | null>(
      "SELECT MIN(seq) FROM sync_mutations WHERE device_id = ? AND name = ? AND status = 'applied'",
    )
    .pluck();
  const selectTokenHash = db
    .prepare<[string], string>('SELECT token_hash FROM devices WHERE id = ?')
    .pluck();
  const selectById = db.prepare<[string], { deviceId: string; seq: number }>(
    'SELECT device_id AS deviceId, seq FROM sync_mutations WHERE id = ? LIMIT 1',
  );
  const insertMutation = db.prepare<
    [string, number, string, string, string, string, string, string, string, string | null, string]
  >(
    `INSERT INTO sync_mutations (device_id, seq, id, name, args, at, hash, prev_hash, status, reason, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectCase = db.prepare<[string], CaseRow>('SELECT * FROM cases WHERE case_no = ?');
  const insertCase = db.prepare<
    [
      string,
      string,
      number,
      string,
      string,
      string,
      string,
      string | null,
      string | null,
      string,
      string,
      string,
      string | null,
      string,
      string | null,
      string | null,
      string | null,
      string,
      string | null,
      string | null,
      number,
    ]
  >(
    `INSERT INTO cases (case_no, device_id, window_id, item_code, item_name, kind, staff_no, ticket_number, called_at,
       applicant_masked, decision, status, outcome, decided_at, promised_date, finished_at, finished_by, missing_json,
       owed_by, refuse_reason, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const setCaseMissing = db.prepare<[string, string]>('UPDATE cases SET missing_json = ? WHERE case_no = ?');
  const finishCase = db.prepare<[string, string, string, string]>(
    `UPDATE cases SET status = 'finished', outcome = ?, finished_at = ?, finished_by = ?
     WHERE case_no = ? AND status = 'accepted'`,
  );

  const walkInQueue = createWalkInQueue(db, { clock });
  const insertRating = db.prepare(
    `INSERT INTO ratings (id, device_id, session_id, case_no, item_code, window_id, staff_no, ticket_number, level,
       outcome, channel, device_address, opened_at, at, seq)
     VALUES (@id, @deviceId, @sessionId, @caseNo, @itemCode, @windowId, @staffNo, @ticketNumber, @level,
       @outcome, @channel, @deviceAddress, @openedAt, @at, @seq)`,
  );
  const selectRating = db.prepare<[string], { device_id: string; level: number | null }>(
    'SELECT device_id, level FROM ratings WHERE id = ?',
  );
  const insertFollowUp = db.prepare<[string, number, string, string, string]>(
    `INSERT INTO follow_ups (device_id, local_id, rating_id, due_date, state, opened_at)
     VALUES (?, ?, ?, ?, 'verifying', ?)`,
  );
  const selectFollowUp = db.prepare<[string, number], { rating_id: string; state: string }>(
    'SELECT rating_id, state FROM follow_ups WHERE device_id = ? AND local_id = ?',
  );
  const advanceFollowUp = db.prepare<[string, string, number, string]>(
    'UPDATE follow_ups SET state = ? WHERE device_id = ? AND local_id = ? AND state = ?',
  );
  const insertFollowUpStep = db.prepare<[string, number, string, string, string, string | null, string]>(
    `INSERT INTO follow_up_steps (device_id, local_id, from_state, to_state, note, staff_no, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  const selectTicketByNumber = db.prepare<
    [string, string],
    { id: number; status: 'waiting' | 'called' | 'completed' | 'no_show' | 'parked'; windowId: number | null; calledAt: string | null; endedAt: string | null }
  >(
    `SELECT id, status, window_id AS windowId, called_at AS calledAt, ended_at AS endedAt
     FROM tickets WHERE day = ? AND number = ? ORDER BY id LIMIT 1`,
  );
  const serveTicket = db.prepare<[number, string, string, number]>(
    `UPDATE tickets SET status = 'completed', window_id = ?, called_at = ?, ended_at = ?
     WHERE id = ? AND status = 'waiting'`,
  );
  const insertServedLog = db.prepare<[string, string, number, number]>(
    `INSERT INTO hall_log (at, action, device_id, window_id, ticket_id, staff_id) VALUES (?, 'complete', ?, ?, ?, NULL)`,
  );
  const insertTicketConflict = db.prepare<
    [string, string, number, number, string, string, string, number | null, string | null, number | null, string]
  >(
    `INSERT INTO ticket_conflicts (number, device_id, mutation_seq, window_id, staff_no, at, reason, ticket_id,
       ticket_status, ticket_window_id, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectTicketConflicts = db.prepare<[number], TicketConflict>(
    `SELECT c.id, c.number, c.device_id AS deviceId, d.name AS deviceName, c.window_id AS windowId,
       c.staff_no AS staffNo, c.at, c.reason, c.ticket_status AS ticketStatus, c.ticket_window_id AS ticketWindowId,
       c.mutation_seq AS mutationSeq, c.received_at AS receivedAt
     FROM ticket_conflicts AS c JOIN devices AS d ON d.id = c.device_id
     ORDER BY c.id DESC LIMIT ?`,
  );
  const TICKET_STATUS_ZH = { waiting: '等候中', called: '已叫号', completed: '已办结', no_show: '已过号', parked: '已挂起' } as const;
  /** Windows whose current ticket changed in this push: told after the commit. */
  let servedWindows: number[] = [];

  /** What a mutation does to the hall's data; throws Rejection when a rule forbids it. */
  function applyEffects(device: Device, m: Mutation): void {
    switch (m.name) {
      case CASE_DECIDED: {
        const args = parseArgs(CaseDecidedArgs, m.args);
        if (device.windowId !== args.windowId) {
          throw new Rejection(
            `本设备绑定的是${device.windowId ?? '（无）'}号窗口，不能提交${args.windowId}号窗口的办件 ${args.caseNo}`,
          );
        }
        try {
          insertCase.run(
            args.caseNo,
            device.id,
            args.windowId,
            args.itemCode,
            args.itemName,
            args.kind,
            args.staffNo,
            args.ticketNumber,
            args.calledAt,
            JSON.stringify(args.applicantMasked),
            args.decision,
            args.status,
            args.outcome,
            args.decidedAt,
            args.promisedDate,
            args.finishedAt,
            args.finishedBy,
            JSON.stringify(args.missing),
            args.owedBy,
            args.refuseReason,
            m.seq,
          );
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new Rejection(`办件编号 ${args.caseNo} 在服务器上已存在，本条未入库；请核对该办件`);
          }
          throw error;
        }
        return;
      }
      case CASE_FINISHED: {
        const args = parseArgs(CaseFinishedArgs, m.args);
        const found = selectCase.get(args.caseNo);
        if (!found) throw new Rejection(`办件 ${args.caseNo} 在服务器上不存在，无法办结`);
        if (found.window_id !== device.windowId) {
          throw new Rejection(`办件 ${args.caseNo} 不属于本设备的窗口，不能在此办结`);
        }
        if (found.status === 'finished') {
          throw new Rejection(
            `办件 ${args.caseNo} 已于 ${found.finished_at} 由 ${found.finished_by ?? '他人'} 办结（${
              found.outcome === 'approved' ? '准予' : '不予'
            }），本次办结未入库；请与大厅管理员核对结果`,
          );
        }
        if (finishCase.run(args.outcome, args.finishedAt, args.finishedBy, args.caseNo).changes !== 1) {
          throw new Rejection(`办件 ${args.caseNo} 不是已受理待办结的状态，不能办结`);
        }
        return;
      }
      case CASE_SUPPLEMENTED: {
        // 补交登记 at the counter: the case's owed 容缺 materials handed in (the same rule as the counter's).
        const args = parseArgs(CaseSupplementedArgs, m.args);
        const found = selectCase.get(args.caseNo);
        if (!found) throw new Rejection(`办件 ${args.caseNo} 在服务器上不存在，无法登记补交`);
        if (found.window_id !== device.windowId) {
          throw new Rejection(`办件 ${args.caseNo} 不属于本设备的窗口，不能在此登记补交`);
        }
        const missing = (JSON.parse(found.missing_json) as ServerCase['missing']).map((material) => ({
          ...material,
          suppliedAt: material.suppliedAt ?? null,
        }));
        const refusal = supplementRefusal(
          { caseNo: found.case_no, status: found.status, decision: found.decision, missing },
          args.materials,
        );
        if (refusal !== null) throw new Rejection(`${refusal}（本条补交登记未入库）`);
        const supplied = missing.map((material) =>
          args.materials.includes(material.name) ? { ...material, suppliedAt: args.suppliedAt } : material,
        );
        setCaseMissing.run(JSON.stringify(supplied), args.caseNo);
        return;
      }
      case RATING_RECORDED: {
        const rating = parseArgs(RatingRecord, m.args);
        if (device.windowId !== rating.windowId) {
          throw new Rejection(`本设备绑定的是${device.windowId ?? '（无）'}号窗口，不能提交${rating.windowId}号窗口的评价`);
        }
        if ((rating.outcome === 'rated') !== (rating.level !== null)) {
          throw new Rejection(`评价 ${rating.id} 的结果与等级不一致（未评价不能带等级，已评价必须有等级）`);
        }
        try {
          insertRating.run({ ...rating, deviceId: device.id, seq: m.seq });
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new Rejection(`评价 ${rating.id} 在服务器上已存在，本条未入库（一次一评）`);
          }
          throw error;
        }
        return;
      }
      case FOLLOW_UP_OPENED: {
        const args = parseArgs(FollowUpOpenedArgs, m.args);
        const rating = selectRating.get(args.ratingId);
        if (!rating || rating.device_id !== device.id) {
          throw new Rejection(`差评回访 ${args.id} 对应的评价 ${args.ratingId} 不在服务器上，无法登记`);
        }
        if (rating.level === null || rating.level > 2) {
          throw new Rejection(`评价 ${args.ratingId} 不是差评，不需要回访`);
        }
        try {
          insertFollowUp.run(device.id, args.id, args.ratingId, args.dueDate, args.at);
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new Rejection(`差评回访 ${args.id} 在服务器上已登记`);
          }
          throw error;
        }
        return;
      }
      case FOLLOW_UP_ADVANCED: {
        const args = parseArgs(FollowUpAdvancedArgs, m.args);
        const current = selectFollowUp.get(device.id, args.id);
        if (!current || current.rating_id !== args.ratingId) {
          throw new Rejection(`差评回访 ${args.id} 在服务器上不存在，无法推进`);
        }
        if (NEXT_FOLLOW_UP_STATE[args.from] !== args.to || current.state !== args.from) {
          throw new Rejection(`差评回访 ${args.id} 现为「${current.state}」，不能从「${args.from}」推进到「${args.to}」`);
        }
        advanceFollowUp.run(args.to, device.id, args.id, args.from);
        insertFollowUpStep.run(device.id, args.id, args.from, args.to, args.note, args.staffNo, args.at);
        return;
      }
      case WALKIN_ISSUED: {
        const args = parseArgs(WalkInIssuedArgs, m.args);
        // The walk-in joins the hall queue in issue order, unless walkInTicket put it there already (server/walk-in-queue.ts).
        if (walkInQueue.enter(device, args, m.seq, (message) => new Rejection(message)).created) servedWindows.push(args.windowId);
        return;
      }
      case TICKET_SERVED_OFFLINE: {
        const args = parseArgs(TicketServedOfflineArgs, m.args);
        if (device.windowId !== args.windowId) {
          throw new Rejection(`本设备绑定的是${device.windowId ?? '（无）'}号窗口，不能提交${args.windowId}号窗口的手动录入票号 ${args.number}`);
        }
        const servedAt = new Date(args.at);
        if (Number.isNaN(servedAt.getTime())) throw new Rejection(`手动录入票号 ${args.number} 的办理时间「${args.at.slice(0, 40)}」无法识别，本条未入库`);
        const day = businessDay(servedAt);
        const ticket = selectTicketByNumber.get(day, args.number);
        const receivedAt = clock().toISOString();
        if (ticket?.status === 'waiting' && serveTicket.run(args.windowId, args.at, args.at, ticket.id).changes === 1) {
          insertServedLog.run(receivedAt, device.id, args.windowId, ticket.id);
          servedWindows.push(args.windowId);
          return;
        }
        // The service happened at the counter: never dropped. The ticket stays as the server has it; the manager decides.
        const reason = !ticket
          ? `票号 ${args.number}（${day}）在服务器上不存在，但${args.windowId}号窗口（工号 ${args.staffNo}）于 ${readableTime(args.at)} 离线手动录入并办理了该号；请核对群众的取号凭条`
          : `票号 ${args.number}（${day}）在服务器上已是「${TICKET_STATUS_ZH[ticket.status]}」${
              ticket.windowId === null ? '' : `（${ticket.windowId}号窗口${ticket.calledAt ? `，${readableTime(ticket.calledAt)} 叫号` : ''}）`
            }，而${args.windowId}号窗口（工号 ${args.staffNo}）于 ${readableTime(args.at)} 离线手动录入并办理了该号：同一张票可能被办理了两次，请核对`;
        insertTicketConflict.run(
          args.number,
          device.id,
          m.seq,
          args.windowId,
          args.staffNo,
          args.at,
          reason,
          ticket?.id ?? null,
          ticket?.status ?? null,
          ticket?.windowId ?? null,
          receivedAt,
        );
        return;
      }
      default:
        throw new Rejection(
          `未知的记录类型「${m.name.slice(0, 64)}」，服务器无法处理；请升级大厅服务器或联系管理员`,
        );
    }
  }
  /** Nested in the batch: a savepoint, so a rule failure undoes this mutation's writes only. */
  const applyInSavepoint = db.transaction(applyEffects);

  const pushBatch = db.transaction((device: Device, mutations: readonly Mutation[]) => {
    /** Where this device's chain became keyed (its applied sync.chain_keyed record), or null. */
    let keyedFrom = selectKeyedFrom.get(device.id, SYNC_CHAIN_KEYED) ?? null;
    let key: Buffer | null = null;
    const chainKey = (): Buffer => (key ??= deriveChainKey(selectTokenHash.get(device.id) ?? '', device.id));
    const keyed = (m: Mutation) => m.name === SYNC_CHAIN_KEYED || (keyedFrom !== null && m.seq > keyedFrom);
    const head = selectHead.get(device.id);
    let lastSeq = head?.seq ?? 0;
    let lastHash = head?.hash ?? GENESIS_HASH;
    const results: PushOutcome[] = [];
    const receivedAt = clock().toISOString();
    for (const m of mutations) {
      if (m.seq <= lastSeq) {
        const earlier = selectAt.get(device.id, m.seq);
        if (!earlier || earlier.id === m.id) {
          results.push(
            earlier?.status === 'rejected'
              ? {
                  seq: m.seq,
                  status: 'duplicate',
                  firstStatus: 'rejected',
                  reason: earlier.reason ?? undefined,
                }
              : { seq: m.seq, status: 'duplicate', firstStatus: 'applied' },
          );
        } else {
          // Not stored: the seq belongs to another record. A counter restored from a backup does this.
          results.push({
            seq: m.seq,
            status: 'rejected',
            reason: `序号 ${m.seq} 在服务器上已属于另一条记录：本机数据可能是从备份恢复的，本条未入库；请联系大厅管理员`,
          });
        }
        continue;
      }
      if (m.seq > lastSeq + 1) return { results, lastSeq, lastHash, gap: true };
      let reason: string | null = null;
      /** A gap recorded as lost: the chain goes on after it from the hash the next record carries. */
      let lost: SyncGapLostArgs | null = null;
      const argsText = canonicalJson(m.args);
      const other = selectById.get(m.id);
      if (other) {
        reason = `记录编号 ${m.id} 已在服务器上（${other.deviceId === device.id ? '本设备' : '另一设备'}第 ${other.seq} 条），本条作为重复记录未入库`;
      } else if (m.prevHash !== lastHash) {
        reason = `哈希链断裂：第 ${m.seq} 条的前序哈希与服务器所存第 ${lastSeq} 条的哈希不符，本条未入库；本机记录可能被改动，请联系大厅管理员`;
      } else if ((keyed(m) ? hmac(chainKey(), hashInputWithArgs(m.prevHash, m, argsText)) : sha256(hashInputWithArgs(m.prevHash, m, argsText))) !== m.hash) {
        reason = keyed(m)
          ? `签名不符：第 ${m.seq} 条的内容与本终端链密钥所作的签名不符（记录在终端上被改写，或不是本终端所作），本条未入库；请大厅管理员核对本终端的数据文件`
          : `哈希链断裂：第 ${m.seq} 条的内容与其哈希不符，本条未入库；本机记录可能被改动，请联系大厅管理员`;
      } else if (m.name === SYNC_CHAIN_KEYED) {
        // From here on this device's hashes are keyed (docs/records-trust.md).
        const parsed = ChainKeyedArgs.safeParse(m.args);
        if (keyedFrom !== null) reason = `本设备的记录链已于第 ${keyedFrom} 条启用签名，不能再次启用，本条未入库`;
        else if (!parsed.success || parsed.data.fromSeq !== m.seq) reason = `启用签名的记录内容不正确（应为第 ${m.seq} 条），本条未入库`;
        else keyedFrom = m.seq;
      } else if (m.name === SYNC_GAP_LOST) {
        const parsed = parseWithZhMessages(SyncGapLostArgs, m.args);
        if (!parsed.success) reason = `丢失登记内容不符合接口约定：${describeIssues(parsed.error)}`;
        else if (parsed.data.fromSeq !== m.seq || parsed.data.toSeq < parsed.data.fromSeq) {
          reason = `丢失登记的序号范围（第 ${parsed.data.fromSeq}–${parsed.data.toSeq} 条）与其所在位置（第 ${m.seq} 条）不符，本条未入库`;
        } else {
          lost = parsed.data;
          // Kept as not applied, with what happened: the hall's 同步异常 lists every lost range.
          reason = lostReason(lost);
        }
      } else {
        try {
          applyInSavepoint(device, m);
        } catch (error) {
          if (error instanceof Rejection) reason = error.message;
          else if (isConstraintViolation(error))
            reason = `记录内容与服务器数据不一致，本条未入库：${String((error as Error).message).slice(0, 120)}`;
          else throw error;
        }
      }
      insertMutation.run(
        device.id,
        m.seq,
        m.id,
        m.name,
        argsText,
        m.at,
        m.hash,
        m.prevHash,
        reason === null ? 'applied' : 'rejected',
        reason,
        receivedAt,
      );
      results.push(
        reason === null ? { seq: m.seq, status: 'applied' } : { seq: m.seq, status: 'rejected', reason },
      );
      // The chain goes on from what the device says it sent, so one bad record does not block the rest.
      lastSeq = m.seq;
      lastHash = m.hash;
      if (lost) {
        // The records the manager recorded as lost are kept as such (the hall's 同步异常 lists them), never as applied.
        const why = lostReason(lost);
        for (let seq = lost.fromSeq + 1; seq <= lost.toSeq; seq++) {
          const hash = seq === lost.toSeq ? lost.resumeHash : GENESIS_HASH;
          insertMutation.run(device.id, seq, randomUUID(), SYNC_GAP_LOST, '{}', lost.recordedAt, hash, lastHash, 'rejected', why, receivedAt);
          lastHash = hash;
        }
        lastSeq = lost.toSeq;
        lastHash = lost.resumeHash;
      }
    }
    return { results, lastSeq, lastHash, gap: false };
  });

  // ---- streams -------------------------------------------------------------------
  const selectQueueVersion = db.prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM hall_log').pluck();
  const selectFirstVersionSince = db
    .prepare<[string], number | null>(
      `SELECT MIN(version) FROM hall_log ${indexedBy(dialectOf(db), 'hall_log_by_at')} WHERE at >= ?`,
    )
    .pluck();
  const selectLogAfter = db.prepare<
    [number, number],
    { version: number; action: string; windowId: number | null; ticketId: number | null }
  >(
    `SELECT version, action, window_id AS windowId, ticket_id AS ticketId FROM hall_log
     WHERE version > ? ORDER BY version LIMIT ?`,
  );
  const selectQueueTicket = db.prepare<[number], QueueTicket>(
    `SELECT id, number, COALESCE(queue_line_id, line_id) AS lineId, priority, status, issued_at AS issuedAt,
       called_at AS calledAt, window_id AS windowId, recall_count AS recallCount, ended_at AS endedAt, day
     FROM tickets WHERE id = ?`,
  );
  const selectIssuedBy = db.prepare<[string, string], QueueTicket>(
    `SELECT id, number, COALESCE(queue_line_id, line_id) AS lineId, priority, status, issued_at AS issuedAt,
       called_at AS calledAt, window_id AS windowId, recall_count AS recallCount, ended_at AS endedAt, day
     FROM tickets WHERE issued_by = ? AND day = ? ORDER BY id`,
  );
  const selectWaiting = db.prepare<[string], { lineId: string; waiting: number }>(
    'SELECT line_id AS lineId, waiting FROM queue_waiting WHERE day = ? AND waiting > 0 ORDER BY line_id',
  );
  const waitingCounts = (day: string): WaitingCounts =>
    Object.fromEntries(selectWaiting.all(day).map((row) => [row.lineId, row.waiting]));
  const selectCaseVersion = db
    .prepare<[], number>('SELECT COALESCE(MAX(version), 0) FROM case_changes')
    .pluck();
  const selectCaseChanges = db.prepare<
    [number, number, number],
    {
      version: number;
      caseNo: string;
      status: ServerCase['status'];
      outcome: ServerCase['outcome'];
      finishedAt: string | null;
      finishedBy: string | null;
    }
  >(
    `SELECT version, case_no AS caseNo, status, outcome, finished_at AS finishedAt, finished_by AS finishedBy
     FROM case_changes WHERE window_id = ? AND version > ? ORDER BY version LIMIT ?`,
  );
  const insertCaseChange = db
    .prepare<[string, number, string, string | null, string | null, string | null, string], number>(
      `INSERT INTO case_changes (case_no, window_id, status, outcome, finished_at, finished_by, at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING version`,
    )
    .pluck();

  /** The ISO time the hall's business day of `at` began (Beijing time, as businessDay()). */
  function dayStart(at: Date): string {
    return hallDayRange(businessDay(at)).since;
  }

  const rejectedBase = `SELECT m.device_id AS deviceId, d.name AS deviceName, d.window_id AS windowId, m.seq, m.id,
      m.name, m.args, m.at, m.received_at AS receivedAt, m.reason
    FROM sync_mutations AS m JOIN devices AS d ON d.id = m.device_id
    WHERE m.status = 'rejected'`;
  const selectRejected = db.prepare<[number], RejectedRow>(
    `${rejectedBase} ORDER BY m.received_at DESC, m.seq DESC LIMIT ?`,
  );
  const selectRejectedOf = db.prepare<[string, number], RejectedRow>(
    `${rejectedBase} AND m.device_id = ? ORDER BY m.seq DESC LIMIT ?`,
  );
  interface RejectedRow {
    deviceId: string;
    deviceName: string;
    windowId: number | null;
    seq: number;
    id: string;
    name: string;
    args: string;
    at: string;
    receivedAt: string;
    reason: string;
  }

  return {
    /**
     * Applies a device's mutations in order, in one transaction with a
     * savepoint per mutation (so the batch costs one durable commit), and
     * answers only after the commit. A gap ends the batch after what came
     * before it was applied: 409 with lastSeq.
     */
    push(device: Device, request: { deviceId: string; mutations: Mutation[] }): PushResult {
      if (device.role !== 'counter') {
        throw new HallError('FORBIDDEN', '取号机没有要推送的记录：只有窗口的柜台终端推送变更', 403);
      }
      if (request.deviceId !== device.id) {
        throw new HallError('FORBIDDEN', '推送的设备编号与设备令牌不符，请检查本设备的注册信息', 403);
      }
      servedWindows = [];
      let outcome: ReturnType<typeof pushBatch.immediate>;
      try {
        outcome = pushBatch.immediate(device, request.mutations);
      } catch (error) {
        servedWindows = [];
        throw error;
      }
      const { results, lastSeq, lastHash, gap } = outcome;
      if (servedWindows.length > 0) {
        const version = selectQueueVersion.get() ?? 0;
        publish({ type: 'queue', version });
        for (const windowId of new Set(servedWindows)) publish({ type: 'window', windowId, version });
        servedWindows = [];
      }
      if (gap) {
        throw new HallError(
          'CONFLICT',
          `服务器只收到本设备的第 ${lastSeq} 条记录，请从第 ${lastSeq + 1} 条起重新推送`,
          409,
          { lastSeq, lastHash },
        );
      }
      return { lastSeq, results, serverTime: clock().toISOString() };
    },

    /**
     * stream=queue (QueuePage). From scratch (cursor 0) the page starts at
     * today's first change and says `reset`. A cursor from before today (or
     * never issued) is 410. A kiosk reads each ticket's changes by hall_log
     * version; a counter reads the tickets it issued today (its walk-ins),
     * all of them as they are now, in one page — a handful a day — and the
     * hall's waiting counts, so that its pull does not grow with the hall.
     */
    pullQueue(device: Device, cursor: number, limit: number): QueuePage {
      return db.transaction((): QueuePage => {
        const version = selectQueueVersion.get() ?? 0;
        if (cursor > version) throw gone('队列');
        const now = clock();
        const day = businessDay(now);
        const firstToday = selectFirstVersionSince.get(dayStart(now)) ?? null;
        const horizon = firstToday === null ? version : firstToday - 1;
        const reset = cursor === 0;
        if (!reset && cursor < horizon) throw gone('队列（游标属于之前的营业日）');
        const waiting = waitingCounts(day);
        if (device.role === 'counter') {
          const changes = selectIssuedBy.all(device.id, day).map((ticket) => ({ version, ticket }));
          return { changes, waiting, cursor: version, hasMore: false, reset, day };
        }
        const from = reset ? horizon : cursor;
        const rows = selectLogAfter.all(from, limit + 1);
        const page = rows.slice(0, limit);
        // Each row names a ticket or a window; the page carries each ticket's state now, once, at its last row.
        const latest = new Map<number, QueuePage['changes'][number]>();
        for (const row of page) {
          if (row.ticketId === null) continue;
          const ticket = selectQueueTicket.get(row.ticketId);
          if (!ticket) continue;
          latest.delete(ticket.id);
          latest.set(ticket.id, { version: row.version, ticket });
        }
        return {
          changes: [...latest.values()],
          waiting,
          cursor: page.at(-1)?.version ?? from,
          hasMore: rows.length > limit,
          reset,
          day,
        };
      })();
    },

    /** The hall's waiting counts per line now (QueuePage.waiting), for the queue hints of the event streams. */
    waitingNow(): WaitingCounts {
      return waitingCounts(businessDay(clock()));
    },

    /** stream=cases: server-side changes to the device's window's cases. */
    pullCases(device: Device, cursor: number, limit: number): CasesPage {
      return db.transaction((): CasesPage => {
        const version = selectCaseVersion.get() ?? 0;
        if (cursor > version) throw gone('办件');
        if (device.windowId === null) return { changes: [], cursor: version, hasMore: false };
        const rows = selectCaseChanges.all(device.windowId, cursor, limit + 1);
        const page = rows.slice(0, limit);
        const hasMore = rows.length > limit;
        return {
          changes: page.map(({ version: v, ...update }) => ({ version: v, case: update })),
          // Past the last page, the cursor moves to the stream's head: nothing for this window lies between.
          cursor: hasMore ? page.at(-1)!.version : version,
          hasMore,
        };
      })();
    },

    rejectedMutations(query: { deviceId?: string; limit: number }): RouteResponse<'rejectedMutations'> {
      const rows =
        query.deviceId === undefined
          ? selectRejected.all(query.limit)
          : selectRejectedOf.all(query.deviceId, query.limit);
      return { mutations: rows.map((row) => ({ ...row, args: JSON.parse(row.args) as unknown })) };
    },

    /** Central tickets served offline that the server could not simply mark served, newest first. */
    ticketConflicts(query: { limit: number }): RouteResponse<'ticketConflicts'> {
      return { conflicts: selectTicketConflicts.all(query.limit) };
    },

    /**
     * 同步异常 for the hall manager at a counter: the admin lists above, the
     * rejected records without their content (a case's record carries the
     * applicant), named by kind and number instead.
     */
    syncIssues(query: { limit: number }): HallSyncIssues {
      return db.transaction((): HallSyncIssues => {
        const rejected = selectRejected.all(query.limit).map((m) => ({
          seq: m.seq,
          name: m.name,
          ...describeMutation(m.name, JSON.parse(m.args) as unknown),
          at: m.at,
          reason: m.reason,
          deviceName: m.deviceName,
          windowId: m.windowId,
          receivedAt: m.receivedAt,
        }));
        const conflicts = selectTicketConflicts.all(query.limit).map((c) => ({
          id: c.id,
          number: c.number,
          deviceName: c.deviceName,
          windowId: c.windowId,
          staffNo: c.staffNo,
          at: c.at,
          ticketStatus: c.ticketStatus,
          ticketWindowId: c.ticketWindowId,
          receivedAt: c.receivedAt,
          reason: c.reason,
        }));
        return { rejected, conflicts, limit: query.limit, serverTime: clock().toISOString() };
      })();
    },

    /** The case, or null when the server holds none of that number. */
    findCase(caseNo: string): ServerCase | null {
      const row = selectCase.get(caseNo);
      return row ? caseFromRow(row) : null;
    },

    getCase(caseNo: string): ServerCase {
      const row = selectCase.get(caseNo);
      if (!row) throw new HallError('NOT_FOUND', `办件 ${caseNo} 在服务器上不存在，请核对编号`, 404);
      return caseFromRow(row);
    },

    /** 办结 in the back office: the case's window hears of it through stream=cases. */
    finishCase(
      caseNo: string,
      request: { outcome: 'approved' | 'not_approved'; finishedBy: string },
    ): ServerCase {
      const { updated, version } = db
        .transaction(() => {
          const row = selectCase.get(caseNo);
          if (!row) throw new HallError('NOT_FOUND', `办件 ${caseNo} 在服务器上不存在，请核对编号`, 404);
          const at = clock().toISOString();
          if (finishCase.run(request.outcome, at, request.finishedBy, caseNo).changes !== 1) {
            throw new HallError('CONFLICT', `办件 ${caseNo} 不是已受理待办结的状态，不能办结`, 409);
          }
          const updated = selectCase.get(caseNo)!;
          const version = insertCaseChange.get(
            caseNo,
            updated.window_id,
            updated.status,
            updated.outcome,
            updated.finished_at,
            updated.finished_by,
            at,
          );
          return { updated, version: version! };
        })
        .immediate();
      publish({ type: 'cases', windowId: updated.window_id, version });
      return caseFromRow(updated);
    },
  };
}

/** What the hall is told of a range recorded as lost (the marker and each lost seq carry it). */
function lostReason(lost: SyncGapLostArgs): string {
  const range = lost.fromSeq === lost.toSeq ? `第 ${lost.fromSeq} 条` : `第 ${lost.fromSeq}–${lost.toSeq} 条`;
  return `本设备${range}记录在柜台终端上缺失（被删除或丢失），大厅服务器从未收到；已由管理员（工号 ${lost.staffNo}）于 ${readableTime(lost.recordedAt)} 登记为丢失，原因：${lost.reason}`;
}

/** An ISO time as the manager reads it (UTC+8); a device's odd timestamp is shown as sent rather than lost. */
function readableTime(at: string): string {
  try {
    return hallDateTimeAt(at);
  } catch {
    return at;
  }
}
