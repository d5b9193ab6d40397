// The pure half of sync (../shared/protocols/sync.md, issue 6): the canonical
// JSON both ends hash, the hash input of a mutation, and the shapes of the
// mutations a counter pushes. The SHA-256 itself is done with node:crypto by
// each side (main/store/outbox.ts, server/sync.ts) over mutationHashInput().
import { z } from 'zod';
import { CaseDecision, CaseNo, CaseStatus, InstantOutcome, IsoDate } from './cases.ts';
import { WALK_IN_NUMBER } from './hall-codes.ts';
import { LineId, TicketNumber } from './model.ts';

/** prevHash of a device's first mutation. */
export const GENESIS_HASH = '0'.repeat(64);

/** At most this many mutations in one push. */
export const MAX_PUSH_BATCH = 500;

/**
 * JSON with object keys sorted at every level and no whitespace: the same
 * value always gives the same text. Otherwise as JSON.stringify: toJSON() is
 * used, undefined / functions are left out of objects and become null in
 * arrays, non-finite numbers become null; a value that is nothing at all is
 * "null". Keys sort by UTF-16 code unit.
 */
export function canonicalJson(value: unknown): string {
  return write(value, true) ?? 'null';
}

function write(input: unknown, inArray: boolean): string | undefined {
  let v = input;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: () => unknown }).toJSON();
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? 'null' : undefined;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + write(v[i], true);
    return out + ']';
  }
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const text = write(record[key], false);
    if (text === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + text;
    first = false;
  }
  return out + '}';
}

/**
 * What a mutation's hash is the SHA-256 (hex, of the UTF-8 bytes) of: the
 * previous hash followed by the canonical JSON of {seq, id, name, args, at}.
 */
export function mutationHashInput(
  prevHash: string,
  m: { seq: number; id: string; name: string; args: unknown; at: string },
): string {
  return hashInputWithArgs(prevHash, m, canonicalJson(m.args));
}

/** mutationHashInput with the args already in canonical JSON (the server stores that text too). */
export function hashInputWithArgs(
  prevHash: string,
  m: { seq: number; id: string; name: string; at: string },
  canonicalArgs: string,
): string {
  // The keys of {args, at, id, name, seq} in canonical (sorted) order.
  return `${prevHash}{"args":${canonicalArgs},"at":${canonicalJson(m.at)},"id":${canonicalJson(m.id)},"name":${canonicalJson(m.name)},"seq":${canonicalJson(m.seq)}}`;
}

const Hash = z.string().regex(/^[0-9a-f]{64}$/, '哈希应为 64 位小写十六进制');

/** One outbox record as pushed (sync.md: push). */
export const Mutation = z.object({
  /** Gap-free per device, never reused. */
  seq: z.number().int().positive(),
  /** UUIDv7, unique across devices. */
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '变更编号应为 UUID'),
  name: z.string().min(1).max(64),
  args: z.unknown(),
  /** The counter's clock when it was recorded: information only, order is by seq. */
  at: z.string().min(1).max(40),
  hash: Hash,
  prevHash: Hash,
});
export type Mutation = z.infer<typeof Mutation>;

// ---- mutation names and their arguments --------------------------------------

export const CASE_DECIDED = 'case.decided';
export const CASE_FINISHED = 'case.finished';

const MissingMaterial = z.object({
  name: z.string(),
  requirement: z.string(),
  waivable: z.boolean(),
  /** 容缺受理: when the material's 补交 was recorded (case.supplemented in cases.ts); absent or null while owed. */
  suppliedAt: z.string().nullable().optional(),
});

/** case.decided: the case as decided at the counter, the applicant masked (never the full data). */
export const CaseDecidedArgs = z.object({
  caseNo: CaseNo,
  itemCode: z.string().min(1),
  itemName: z.string().min(1),
  kind: z.enum(['instant', 'promised']),
  windowId: z.number().int().positive(),
  staffNo: z.string().min(1),
  ticketNumber: z.string().nullable(),
  calledAt: z.string().nullable(),
  applicantMasked: z.object({
    type: z.enum(['person', 'enterprise']),
    name: z.string(),
    idMasked: z.string(),
  }),
  decision: CaseDecision,
  status: CaseStatus,
  outcome: InstantOutcome.nullable(),
  decidedAt: z.string(),
  promisedDate: IsoDate.nullable(),
  finishedAt: z.string().nullable(),
  finishedBy: z.string().nullable(),
  missing: z.array(MissingMaterial),
  owedBy: IsoDate.nullable(),
  refuseReason: z.string().nullable(),
});
export type CaseDecidedArgs = z.infer<typeof CaseDecidedArgs>;

/** case.finished: 办结 of an accepted promised case at the counter. */
export const CaseFinishedArgs = z.object({
  caseNo: CaseNo,
  outcome: InstantOutcome,
  finishedAt: z.string(),
  finishedBy: z.string().min(1),
  windowId: z.number().int().positive(),
});
export type CaseFinishedArgs = z.infer<typeof CaseFinishedArgs>;

// ---- walk-in numbers (现场补号) -------------------------------------------------

export const WALKIN_ISSUED = 'walkin.issued';

/**
 * A walk-in number: `W` + the window's code + `-` + three digits, e.g. W03-007,
 * WB12-001 (common/hall-codes.ts). Kiosk tickets are one or two line letters
 * and three or four digits (A012, AB012), never with a hyphen, so the two can never collide; the window code makes it unique
 * in the hall, and the hall server leases each window's numbers for a day in
 * ranges that never overlap (1..999 per window and day).
 */
export const WALK_IN_PREFIX_LETTER = 'W';
export const MAX_WALK_IN_PER_WINDOW_PER_DAY = 999;
export const walkInPrefix = (windowCode: string): string => `${WALK_IN_PREFIX_LETTER}${windowCode}-`;
export const walkInNumber = (prefix: string, seq: number): string => `${prefix}${String(seq).padStart(3, '0')}`;

/** walkin.issued: a walk-in ticket the counter printed from its leased range. */
export const WalkInIssuedArgs = z.object({
  number: z.string().regex(WALK_IN_NUMBER, '现场补号应为 W + 窗口代码 + - + 三位数字（如 W03-001、WB12-001）'),
  day: IsoDate,
  seq: z.number().int().positive().max(MAX_WALK_IN_PER_WINDOW_PER_DAY),
  lineId: LineId,
  windowId: z.number().int().positive(),
  staffNo: z.string().min(1),
  issuedAt: z.string(),
});
export type WalkInIssuedArgs = z.infer<typeof WalkInIssuedArgs>;

// ---- central tickets served offline (手动录入票号) -----------------------------

export const TICKET_SERVED_OFFLINE = 'ticket.served_offline';

/**
 * ticket.served_offline: while offline, the clerk served the central (kiosk)
 * ticket typed from the citizen's slip. On reconnect the hall server marks a
 * waiting ticket served by this window; a ticket that was already called,
 * served or passed (or is unknown) becomes a conflict record for the manager.
 */
export const TicketServedOfflineArgs = z.object({
  number: TicketNumber,
  windowId: z.number().int().positive(),
  staffNo: z.string().min(1),
  /** When the clerk served it (the counter's clock). */
  at: z.string().min(1).max(40),
});
export type TicketServedOfflineArgs = z.infer<typeof TicketServedOfflineArgs>;

// ---- a gap recorded as lost (同步异常: 登记丢失) -----------------------------------

export const SYNC_GAP_LOST = 'sync.gap_lost';

/**
 * sync.gap_lost: records fromSeq..toSeq are gone from this counter before the
 * hall server had them (deleted from the file, or lost with a disk); a hall
 * manager at the counter recorded them as lost, with a reason. The record
 * itself takes seq fromSeq, chained to the server's last hash like any other;
 * the server keeps fromSeq+1..toSeq as lost (with the reason) and goes on from
 * `resumeHash`, the prevHash that record toSeq + 1 carries. Never made by the
 * counter on its own: only the manager's 登记丢失 (main/sync/handlers.ts).
 */
export const SyncGapLostArgs = z.object({
  fromSeq: z.number().int().positive(),
  toSeq: z.number().int().positive(),
  resumeHash: z.string().regex(/^[0-9a-f]{64}$/, '哈希应为 64 位小写十六进制'),
  reason: z.string().trim().min(4, '请写明原因（至少 4 个字）').max(200, '原因最多 200 字'),
  /** The manager who recorded it. */
  staffNo: z.string().min(1),
  windowId: z.number().int().positive().nullable(),
  recordedAt: z.string().min(1).max(40),
});
export type SyncGapLostArgs = z.infer<typeof SyncGapLostArgs>;

// ---- the keyed chain (issue 21, docs/records-trust.md) ---------------------------

export const SYNC_CHAIN_KEYED = 'sync.chain_keyed';

/**
 * sync.chain_keyed: from this record on (itself included), every hash of this
 * device's chain is HMAC-SHA256 keyed with its chain key instead of a plain
 * SHA-256. The first record of a chain enrolled with this version, or the
 * record a counter enrolled before adds at its next start (records before it
 * keep their plain hashes). The hall server remembers the first such record
 * it applied, and from then on takes only keyed hashes from the device.
 */
export const ChainKeyedArgs = z.object({
  /** The seq of this record: the first keyed one. */
  fromSeq: z.number().int().positive(),
});
export type ChainKeyedArgs = z.infer<typeof ChainKeyedArgs>;

/**
 * The chain key: HMAC-SHA256 keyed with the 32-byte SHA-256 digest of the
 * device token (what the hall keeps in place of the token) over this message.
 * The counter has the token (kept like it, never in its database), the hall
 * its digest. The label keeps it apart from every other HMAC under that key
 * (设备核对 signs messages that start with their own label).
 */
export const CHAIN_KEY_LABEL = 'halldesk-chain-key-v1';
export const chainKeyMessage = (deviceId: string): string => `${CHAIN_KEY_LABEL}\n${deviceId}`;
