// The counter checks its own records at start (issue 21, docs/records-trust.md):
//
// 1. The outbox chain, incrementally: from the last point a check found sound
//    (outbox_head.verified_seq / verified_hash) to the newest record, each
//    record's hash over its content (keyed with the chain key from the
//    sync.chain_keyed record on) and its link to the one before. A record
//    whose content, hash or link does not hold is reported; the verified point
//    moves only over sound records.
// 2. What the hall server acknowledged against the tables it came from: a
//    rating whose row was changed after its rating.recorded record was
//    acknowledged (評价 rows are never edited by the counter: a trigger refuses
//    it, so only someone writing the file does it) is reported. The server's
//    copy stands: nothing is sent again, nothing is "fixed" here.
//
// Reports go to the log (no personal data: numbers and seqs only) and to 同步异常
// (Alt+Y). Cost: bench/chain-verify.ts (100k records).
import { describeMutation } from '../../common/sync-issues.ts';
import { createHash, createHmac } from 'node:crypto';
import { GENESIS_HASH, hashInputWithArgs, SYNC_CHAIN_KEYED, SYNC_GAP_LOST, SyncGapLostArgs } from '../../common/sync.ts';
import { RATING_RECORDED } from '../../common/ratings.ts';
import type { Db } from '../store/database.ts';
import type { OutboxEntry } from '../store/outbox.ts';

/** One problem found, as the manager reads it (zh-CN). */
export interface SelfCheckFinding {
  seq: number;
  /** e.g. 好差评 · 评价 r-123 */
  what: string;
  /** What was found and whose copy stands. */
  detail: string;
  /** Records missing (the pusher says so too, and 登记丢失 resolves it), rather than changed. */
  missing?: boolean;
}

export interface SelfCheckReport {
  /** The records checked this time: seq range (empty when none were new). */
  fromSeq: number;
  toSeq: number;
  checked: number;
  /** Acknowledged ratings compared with their rows. */
  compared: number;
  findings: SelfCheckFinding[];
}

const PAGE = 10_000;

interface Row {
  seq: number;
  id: string;
  name: string;
  args: string;
  at: string;
  hash: string;
  prev_hash: string;
  state: OutboxEntry['state'];
}

/** The chain from the last verified point on; moves the point over what is sound. */
export function checkChain(db: Db, key: Buffer | null): Omit<SelfCheckReport, 'compared'> {
  const head = db
    .prepare('SELECT verified_seq AS seq, verified_hash AS hash, keyed_from AS keyedFrom FROM outbox_head WHERE one = 1')
    .get() as { seq: number; hash: string; keyedFrom: number | null };
  const page = db.prepare('SELECT seq, id, name, args, at, hash, prev_hash, state FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
  const findings: SelfCheckFinding[] = [];
  let after = head.seq;
  let prevHash = head.seq === 0 ? GENESIS_HASH : head.hash;
  /** The seq the next record must have (a gap record moves it past its range). */
  let expected = head.seq + 1;
  let fromSeq = 0;
  let toSeq = 0;
  let checked = 0;
  let sound = { seq: head.seq, hash: head.hash };
  for (;;) {
    const rows = page.all(after, PAGE) as Row[];
    if (rows.length === 0) break;
    if (fromSeq === 0) fromSeq = rows[0]!.seq;
    const first = rows[0]!;
    const bad = first.seq !== expected ? { seq: first.seq, reason: `gap: expected seq ${expected}` } : verifyRows(rows, prevHash, key, head.keyedFrom);
    const mutations = rows;
    const upTo = bad ? mutations.findIndex((m) => m.seq === bad.seq) : mutations.length;
    checked += bad ? upTo + 1 : mutations.length;
    if (upTo > 0) {
      toSeq = mutations[upTo - 1]!.seq;
      // The verified point never rests on a gap record (the next check would see its range as missing).
      let at = upTo - 1;
      while (at >= 0 && mutations[at]!.name === SYNC_GAP_LOST) at -= 1;
      if (at >= 0) sound = { seq: mutations[at]!.seq, hash: mutations[at]!.hash };
    }
    if (bad) {
      const row = rows.find((r) => r.seq === bad.seq) ?? rows[0]!;
      findings.push({
        seq: bad.seq,
        what: describe(row),
        detail: chainDetail(bad.reason, row.state),
        missing: bad.reason.startsWith('gap'),
      });
      toSeq = bad.seq;
      break;
    }
    const last = mutations.at(-1)!;
    after = last.seq;
    prevHash = last.hash;
    expected = last.seq + 1;
    const lost = last.name === SYNC_GAP_LOST ? (JSON.parse(last.args) as { toSeq?: unknown; resumeHash?: unknown } | null) : null;
    if (last.name === SYNC_GAP_LOST && lost && typeof lost.toSeq === 'number' && typeof lost.resumeHash === 'string') {
      expected = lost.toSeq + 1;
      prevHash = lost.resumeHash;
    }
    if (rows.length < PAGE) break;
  }
  if (sound.seq !== head.seq) {
    db.prepare('UPDATE outbox_head SET verified_seq = ?, verified_hash = ? WHERE one = 1').run(sound.seq, sound.hash);
  }
  // The newest records gone while the head still counts them (rows are never pruned in use: Outbox.pruneAcked is not called).
  if (findings.length === 0) {
    const { lastSeq, maxSeq } = db
      .prepare('SELECT (SELECT last_seq FROM outbox_head WHERE one = 1) AS lastSeq, (SELECT MAX(seq) FROM outbox) AS maxSeq')
      .get() as { lastSeq: number; maxSeq: number | null };
    const lastLost = db
      .prepare("SELECT args FROM outbox WHERE name = ? ORDER BY seq DESC LIMIT 1")
      .pluck()
      .get(SYNC_GAP_LOST) as string | undefined;
    const covered = lastLost ? ((JSON.parse(lastLost) as { toSeq?: number }).toSeq ?? 0) : 0;
    const from = Math.max(maxSeq ?? 0, covered) + 1;
    if (lastSeq >= from) {
      const range = from === lastSeq ? `第 ${from} 条` : `第 ${from}–${lastSeq} 条`;
      findings.push({
        seq: from,
        what: '本机记录',
        missing: true,
        detail: `本机最新的${range}记录缺失（已从本机数据库删除或丢失）：未上传的已无法补传，已上传的以大厅服务器上的记录为准；请大厅管理员核对`,
      });
    }
  }
  return { fromSeq, toSeq, checked, findings };
}

/**
 * verifyChain (main/store/outbox.ts) over stored rows, hashing the args text
 * as stored (the counter stores it in canonical JSON: a row whose text is not
 * is reported, as someone wrote it) without parsing every record: the cost of
 * the check is one HMAC a record.
 */
function verifyRows(rows: readonly Row[], prevHash: string, key: Buffer | null, keyedFrom: number | null): { seq: number; reason: string } | null {
  let prev = prevHash;
  let expect = rows[0]!.seq;
  let keyed = keyedFrom !== null && expect > keyedFrom;
  for (const r of rows) {
    if (r.seq !== expect) return { seq: r.seq, reason: `gap: expected seq ${expect}` };
    if (r.prev_hash !== prev) return { seq: r.seq, reason: 'prevHash does not match the previous hash' };
    if (r.seq === keyedFrom && r.name !== SYNC_CHAIN_KEYED) return { seq: r.seq, reason: 'the record the chain became keyed at is not sync.chain_keyed' };
    if (r.name === SYNC_CHAIN_KEYED) keyed = true;
    if (keyed && key === null) return { seq: r.seq, reason: 'keyed record and no chain key' };
    const input = hashInputWithArgs(r.prev_hash, r, r.args);
    const hash = keyed ? createHmac('sha256', key!).update(input, 'utf8').digest('hex') : createHash('sha256').update(input, 'utf8').digest('hex');
    if (hash !== r.hash) return { seq: r.seq, reason: 'hash does not match the content' };
    prev = r.hash;
    expect += 1;
    if (r.name === SYNC_GAP_LOST) {
      let lost: unknown = null;
      try {
        lost = JSON.parse(r.args);
      } catch {
        // reported below
      }
      const parsed = SyncGapLostArgs.safeParse(lost);
      if (!parsed.success || parsed.data.fromSeq !== r.seq) return { seq: r.seq, reason: 'malformed gap record' };
      expect = parsed.data.toSeq + 1;
      prev = parsed.data.resumeHash;
    }
  }
  return null;
}

/** Acknowledged ratings whose row no longer says what was sent. */
export function compareAcknowledged(db: Db): { compared: number; findings: SelfCheckFinding[] } {
  const compared = (
    db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE name = ? AND state = 'acked'").get(RATING_RECORDED) as { n: number }
  ).n;
  const rows = db
    .prepare(
      `SELECT o.seq, o.args, r.id, r.level, r.outcome, r.staff_no AS staffNo, r.case_no AS caseNo, r.at
       FROM outbox AS o LEFT JOIN rating AS r ON r.id = json_extract(o.args, '$.id')
       WHERE o.name = ? AND o.state = 'acked' AND (
         r.id IS NULL
         OR r.level IS NOT json_extract(o.args, '$.level')
         OR r.outcome IS NOT json_extract(o.args, '$.outcome')
         OR r.staff_no IS NOT json_extract(o.args, '$.staffNo')
         OR r.case_no IS NOT json_extract(o.args, '$.caseNo')
         OR r.at IS NOT json_extract(o.args, '$.at'))
       ORDER BY o.seq LIMIT 200`,
    )
    .all(RATING_RECORDED) as {
    seq: number;
    args: string;
    id: string | null;
    level: number | null;
    outcome: string | null;
    staffNo: string | null;
    caseNo: string | null;
    at: string | null;
  }[];
  const findings = rows.map((row): SelfCheckFinding => {
    const sent = JSON.parse(row.args) as { id: string; level: number | null; outcome: string; staffNo: string; caseNo: string | null; at: string };
    const what = describe({ name: RATING_RECORDED, args: row.args });
    if (row.id === null) {
      return { seq: row.seq, what, detail: '已上传的评价在本机数据中不见了（被删除）；以大厅服务器上的记录为准' };
    }
    const changes: string[] = [];
    if (row.level !== sent.level) changes.push(`等级 ${levelText(sent.level)} → ${levelText(row.level)}`);
    if (row.outcome !== sent.outcome) changes.push('评价结果');
    if (row.staffNo !== sent.staffNo) changes.push('工号');
    if (row.caseNo !== sent.caseNo) changes.push('办件编号');
    if (row.at !== sent.at) changes.push('评价时间');
    return {
      seq: row.seq,
      what,
      detail: `已上传的评价在本机被改动（${changes.join('、')}）；以大厅服务器上的记录（上传时的原样）为准，本机的改动不会上传`,
    };
  });
  return { compared, findings };
}

export function selfCheck(db: Db, key: Buffer | null): SelfCheckReport {
  const chain = checkChain(db, key);
  const acknowledged = compareAcknowledged(db);
  return { ...chain, compared: acknowledged.compared, findings: [...chain.findings, ...acknowledged.findings] };
}

function describe(row: { name: string; args: string }): string {
  let args: unknown = null;
  try {
    args = JSON.parse(row.args);
  } catch {
    // shown by kind only
  }
  const { kind, subject } = describeMutation(row.name, args);
  return subject ? `${kind} · ${subject}` : kind;
}

function chainDetail(reason: string, state: OutboxEntry['state']): string {
  const where = state === 'acked' ? '这条记录已上传：以大厅服务器上的记录为准。' : '这条记录尚未上传：大厅服务器会拒收改动过的内容。';
  if (reason.startsWith('gap')) return `本机记录在此之前有缺失（被删除或丢失）。${where}`;
  if (reason.startsWith('prevHash')) return `本机记录链在此断开（前一条被改动、删除或替换）。${where}`;
  if (reason.startsWith('keyed record and no chain key')) return '本机的链密钥不可用（设备令牌丢失），无法核对；请联系管理员重新注册本终端';
  return `本机记录的内容与其签名不符（数据文件被改动）。${where}`;
}

const LEVEL_TEXT: Record<number, string> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' };
const levelText = (level: number | null): string => (level === null ? '未评价' : (LEVEL_TEXT[level] ?? String(level)));
