// The case workflow in the counter core (main/cases.ts) on a real SQLite file,
// with the demo hall's catalogue and an injected clock: every decision path,
// every refusal, case numbers, the outbox, finishing, deadlines, figures and
// the masked outward mirror.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseList, CaseRecord, OutwardCase, type Applicant, type CaseDraft } from '../../common/cases.ts';
import type { CallArgs } from '../../common/contract.ts';
import { HallError } from '../../common/errors.ts';
import { creditCodeCheckChar, residentIdCheckChar } from '../../common/identity.ts';
import { ConfigChange } from '../../common/model.ts';
import { CaseService, type CaseContext } from '../../main/cases/case-service.ts';
import type { Logger } from '../../main/log.ts';
import { CounterStore } from '../../main/store/counter-store.ts';
import { openDatabase } from '../../main/store/database.ts';
import { GENESIS_HASH, Outbox, verifyChain } from '../../main/store/outbox.ts';
import { DEMO_SEED_DIR } from '../helpers/hall-server.ts';

const seed = (name: string) =>
  JSON.parse(readFileSync(join(DEMO_SEED_DIR, name), 'utf8')) as { [key: string]: unknown }[];

/** The first valid ID number with check character X after `first15` (the sequence code's last two digits vary). */
function residentIdEndingX(first15: string): string {
  for (let n = 0; n < 100; n++) {
    const first17 = first15 + String(n).padStart(2, '0');
    if (residentIdCheckChar(first17) === 'X') return first17 + 'X';
  }
  throw new Error('no X');
}
const ID = residentIdEndingX('110105199001011');
const PHONE = '13912345678';
const CREDIT = '91320102MA1XYW123';
const CREDIT_CODE = CREDIT + creditCodeCheckChar(CREDIT);

const person: Applicant = { type: 'person', name: '张三丰', idNumber: ID.toLowerCase(), phone: PHONE };
const enterprise: Applicant = {
  type: 'enterprise',
  name: '南京示例科技有限公司',
  creditCode: CREDIT_CODE,
  contactName: '李四',
  contactPhone: '025-83456789',
};

// Demo hall items (resources/hall/items.json) used below:
const NO_CRIMINAL_RECORD = 'GA-ZM-006'; // 承诺件, 3 working days, person; materials: 1 required, 2 可容缺
const REAL_ESTATE_TRANSFER = 'BDC-ZY-001'; // 承诺件, 5 working days; 5 required, 1 可容缺
const SOLE_TRADER = 'SCJG-DJ-011'; // 即办件, person; 2 required, 2 可容缺
const MARRIAGE_RECORD = 'MZ-HY-001'; // 即办件, person; 2 required
const GREEN_CHANNEL = 'FG-BA-003'; // 承诺件, 2 calendar days, enterprise
const SOCIAL_INSURANCE = 'RS-CB-001'; // 即办件, person; 2 required, 1 可容缺 (劳动合同); not 容缺后补

const draftFor = (itemCode: string, provided: boolean[], applicant: Applicant = person): CaseDraft => ({
  itemCode,
  applicant,
  provided,
  ticketNumber: 'A001',
});

function submitArgs(
  draft: CaseDraft,
  decision: CallArgs<'submitCase'>['decision'],
  extra: Partial<CallArgs<'submitCase'>> = {},
) {
  return { draft, decision, refuseReason: null, refuseDetail: null, instantOutcome: null, ...extra };
}

interface Setup {
  service: CaseService;
  store: CounterStore;
  outbox: Outbox;
  context: CaseContext;
  signedIn: { value: boolean };
  setNow(iso: string): void;
  logged: string[];
}

function setup(now = '2026-02-12T02:00:00Z', context: Partial<CaseContext> = {}): Setup {
  const store = new CounterStore(
    openDatabase(join(mkdtempSync(join(tmpdir(), 'halldesk-cases-')), 'counter.db')),
  );
  const changes: ConfigChange[] = [
    ...seed('windows.json').map((value) => ({ kind: 'window', key: String(value.id), value })),
    ...seed('lines.json').map((value) => ({ kind: 'line', key: String(value.id), value })),
    ...seed('items.json').map((value) => ({ kind: 'item', key: String(value.code), value })),
    {
      kind: 'settings',
      key: 'hall',
      value: JSON.parse(readFileSync(join(DEMO_SEED_DIR, 'settings.json'), 'utf8')),
    },
  ].map((change) => ConfigChange.parse(change));
  store.applyConfigPage(
    changes.map((change, i) => ({ version: i + 1, change })),
    changes.length,
  );
  let time = Date.parse(now);
  const clock = () => new Date(time);
  const logged: string[] = [];
  const raw = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    logged.push(JSON.stringify({ level, message, ...fields })); // unredacted: what the code itself logs
  const log: Logger = { debug: raw('debug'), info: raw('info'), warn: raw('warn'), error: raw('error') };
  const full: CaseContext = {
    windowId: 1,
    windowCode: '01',
    staffNo: '1001',
    deviceNo: 7,
    ticket: { number: 'A001', calledAt: '2026-02-12T01:50:00.000Z' },
    ...context,
  };
  const signedIn = { value: true };
  const outbox = new Outbox(store.db, { clock });
  const config = store.config();
  const service = new CaseService({
    store,
    outbox,
    clock,
    log,
    config: () => config,
    context: () => {
      if (!signedIn.value) throw new HallError('NOT_SIGNED_IN', '请先登录', 401);
      return full;
    },
  });
  return {
    service,
    store,
    outbox,
    context: full,
    signedIn,
    setNow: (iso) => (time = Date.parse(iso)),
    logged,
  };
}

function refusal(run: () => unknown): HallError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HallError);
    return error as HallError;
  }
  throw new Error('expected a refusal');
}

const count = (s: Setup, table: string) =>
  (s.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('case decisions', () => {
  it('受理 a promised case: promised date from the 2026 calendar (working Saturday, Spring Festival off)', () => {
    const s = setup('2026-02-12T02:00:00Z'); // Thursday 2026-02-12, 10:00 in the hall
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    const view = s.service.updateDraft(draft)!;
    expect(view).toMatchObject({
      fieldErrors: {},
      missing: [],
      allowed: ['accept', 'refuse'],
      promisedDate: '2026-02-24',
    });

    const record = CaseRecord.parse(s.service.submit(submitArgs(draft, 'accept')));
    // 3 working days after Thu 02-12: Fri 13, Sat 14 (调休上班), then 15–23 off → Tue 24.
    expect(record).toMatchObject({
      caseNo: '20260212-01-7-0001',
      itemCode: NO_CRIMINAL_RECORD,
      itemName: '无犯罪记录证明开具',
      kind: 'promised',
      windowId: 1,
      staffNo: '1001',
      ticketNumber: 'A001',
      applicantMasked: {
        type: 'person',
        name: '张**',
        idMasked: ID.slice(0, 4) + '*'.repeat(10) + ID.slice(-4),
      },
      decision: 'accept',
      status: 'accepted',
      outcome: null,
      decidedAt: '2026-02-12T02:00:00.000Z',
      promisedDate: '2026-02-24',
      finishedAt: null,
      missing: [],
      owedBy: null,
      refuseReason: null,
      deadline: 'ok',
      daysLeft: 3,
    });
    expect(record.applicantMasked.idMasked).toMatch(/X$/); // a typed lower-case x is stored as X

    // The full applicant stays in the store, normalized; the ticket's call time is recorded.
    const row = s.store.db.prepare('SELECT applicant_json, called_at FROM cases').get() as {
      applicant_json: string;
      called_at: string;
    };
    expect(JSON.parse(row.applicant_json)).toEqual({ ...person, idNumber: ID });
    expect(row.called_at).toBe('2026-02-12T01:50:00.000Z');
  });

  it('容缺受理 records what is owed and by when', () => {
    const s = setup();
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, false, false]);
    expect(s.service.updateDraft(draft)!.allowed).toEqual(['accept_with_missing', 'notice', 'refuse']);
    const record = s.service.submit(submitArgs(draft, 'accept_with_missing'));
    expect(record.status).toBe('accepted');
    expect(record.decision).toBe('accept_with_missing');
    expect(record.missing.map((m) => m.name)).toEqual(['用途说明或单位证明函', '授权委托书及受托人身份证件']);
    expect(record.missing.every((m) => m.waivable)).toBe(true);
    // 5 working days (hall setting) after 02-12 would be 02-26 (13, 14, 24, 25, 26), after the
    // promised date: the 补交 deadline is the promised date, which stays as promised.
    expect(record.promisedDate).toBe('2026-02-24');
    expect(record.owedBy).toBe('2026-02-24');
    expect(record.missing.map((m) => m.suppliedAt)).toEqual([null, null]);
  });

  it('容缺受理 of a 即办件 waits for the owed material (受理, not 办结) unless the item is 容缺后补', () => {
    const s = setup();
    // 职工社会保险参保登记: 即办件, 劳动合同 可容缺, not 容缺后补.
    const waiting = s.service.submit(
      submitArgs(draftFor(SOCIAL_INSURANCE, [true, true, false]), 'accept_with_missing', {
        instantOutcome: 'approved',
      }),
    );
    expect(waiting).toMatchObject({
      kind: 'instant',
      status: 'accepted',
      outcome: null,
      finishedAt: null,
      promisedDate: null,
      owedBy: '2026-02-26', // no promised date: the hall's 5 working days
      missing: [{ name: '劳动合同', suppliedAt: null }],
    });
    expect(s.service.list().open.map((c) => c.caseNo)).toEqual([waiting.caseNo]);
    expect(refusal(() => s.service.finish(waiting.caseNo, 'approved'))).toMatchObject({
      code: 'CONFLICT',
      message: `办件 ${waiting.caseNo} 还有 1 项容缺材料未补交（劳动合同），本事项须材料补齐后才能办结：请先做补交登记`,
    });
    s.service.supplement(waiting.caseNo, ['劳动合同']);
    expect(s.service.finish(waiting.caseNo, 'approved')).toMatchObject({ status: 'finished', outcome: 'approved' });
  });

  it('一次性告知 lists every missing material with its requirement text', () => {
    const s = setup();
    const draft = draftFor(REAL_ESTATE_TRANSFER, [true, true, false, true, true, false]);
    const view = s.service.updateDraft(draft)!;
    expect(view.allowed).toEqual(['notice', 'refuse']);
    const record = s.service.submit(submitArgs(draft, 'notice'));
    expect(record).toMatchObject({ decision: 'notice', status: 'notice', promisedDate: null, owedBy: null });
    const items = seed('items.json') as unknown as {
      code: string;
      materials: { name: string; requirement: string; waivable: boolean }[];
    }[];
    const materials = items.find((item) => item.code === REAL_ESTATE_TRANSFER)!.materials;
    expect(record.missing).toEqual(
      [materials[2]!, materials[5]!].map(({ name, requirement, waivable }) => ({
        name,
        requirement,
        waivable,
      })),
    );
    expect(record.missing.every((m) => m.requirement.length > 0)).toBe(true);
  });

  it('不予受理 with a reason from the list, plus free text', () => {
    const s = setup();
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    const plain = s.service.submit(submitArgs(draft, 'refuse', { refuseReason: '不属于本中心受理范围' }));
    expect(plain).toMatchObject({
      decision: 'refuse',
      status: 'refused',
      refuseReason: '不属于本中心受理范围',
      promisedDate: null,
    });
    const other = s.service.submit(
      submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, false, true]), 'refuse', {
        refuseReason: '其他（见说明）',
        refuseDetail: ' 申请人要求撤回 ',
      }),
    );
    expect(other.refuseReason).toBe('其他（见说明）：申请人要求撤回');
  });

  it('即办件 are finished on the spot: 准予 and 不予', () => {
    const s = setup();
    const approved = s.service.submit(
      submitArgs(draftFor(SOLE_TRADER, [true, true, true, true]), 'accept', { instantOutcome: 'approved' }),
    );
    expect(approved).toMatchObject({
      kind: 'instant',
      status: 'finished',
      outcome: 'approved',
      finishedAt: '2026-02-12T02:00:00.000Z',
      promisedDate: null,
      deadline: 'none',
      daysLeft: null,
    });
    const refused = s.service.submit(
      submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept', { instantOutcome: 'not_approved' }),
    );
    expect(refused).toMatchObject({ status: 'finished', outcome: 'not_approved' });
    // 容缺受理 of an instant item that is 容缺后补 (先办结、后补交): finished too, with what is owed.
    const owed = s.service.submit(
      submitArgs(draftFor(SOLE_TRADER, [true, true, false, true]), 'accept_with_missing', {
        instantOutcome: 'approved',
      }),
    );
    expect(owed).toMatchObject({
      status: 'finished',
      owedBy: '2026-02-26',
      missing: [{ name: '经营场所使用证明' }],
    });
  });

  it('a green-channel item counts calendar days; an enterprise applicant is masked too', () => {
    const s = setup();
    const record = s.service.submit(
      submitArgs(draftFor(GREEN_CHANNEL, [true, true, true, true], enterprise), 'accept'),
    );
    expect(record.promisedDate).toBe('2026-02-14');
    expect(record.applicantMasked).toEqual({
      type: 'enterprise',
      name: '南*********',
      idMasked: CREDIT_CODE.slice(0, 4) + '*'.repeat(10) + CREDIT_CODE.slice(-4),
    });
  });
});

describe('case refusals', () => {
  it('refuses a decision the materials do not allow, whatever the renderer claims', () => {
    const s = setup();
    const missingRequired = draftFor(REAL_ESTATE_TRANSFER, [true, true, false, true, true, true]);
    expect(refusal(() => s.service.submit(submitArgs(missingRequired, 'accept'))).message).toMatch(
      /还缺 1 项材料.*不动产权属证书/,
    );
    expect(
      refusal(() => s.service.submit(submitArgs(missingRequired, 'accept_with_missing'))).message,
    ).toMatch(/不可容缺.*不能容缺受理/);
    const complete = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    expect(refusal(() => s.service.submit(submitArgs(complete, 'notice'))).message).toContain('材料齐全');
    expect(refusal(() => s.service.submit(submitArgs(complete, 'accept_with_missing'))).code).toBe(
      'BAD_REQUEST',
    );
    expect(count(s, 'cases')).toBe(0);
    expect(count(s, 'outbox')).toBe(0);
  });

  it('refuses an ID number with a wrong check character, naming the right one', () => {
    const s = setup();
    const wrongCheck = ID.slice(0, 17) + (ID.endsWith('X') ? '0' : 'X');
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true], { ...person, idNumber: wrongCheck });
    const view = s.service.updateDraft(draft)!;
    expect(view.allowed).toEqual([]);
    expect(view.fieldErrors['applicant.idNumber']).toMatch(/校验位错误，按前17位应为X/);
    const error = refusal(() => s.service.submit(submitArgs(draft, 'accept')));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/申请信息有误.*校验位错误/);
    // Refusing needs a valid applicant too.
    expect(
      refusal(() => s.service.submit(submitArgs(draft, 'refuse', { refuseReason: '申请人不具备申请资格' })))
        .code,
    ).toBe('BAD_REQUEST');
    expect(count(s, 'cases')).toBe(0);
  });

  it('refuses an applicant type the item does not take', () => {
    const s = setup();
    const error = refusal(() =>
      s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true], enterprise), 'accept')),
    );
    expect(error.message).toContain('本事项只受理个人申请，不受理企业（法人）申请');
  });

  it('refuses an unknown item code, and the outward screen forgets the form', () => {
    const s = setup();
    s.service.updateDraft(draftFor(NO_CRIMINAL_RECORD, [true, true, true]));
    expect(s.service.outward()).not.toBeNull();
    const error = refusal(() => s.service.updateDraft(draftFor('NO-SUCH-ITEM', [])));
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: '事项编码不存在，请重新选择事项' });
    expect(s.service.outward()).toBeNull();
    expect(refusal(() => s.service.submit(submitArgs(draftFor('NO-SUCH-ITEM', []), 'accept'))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses a materials list that is not the item’s', () => {
    const s = setup();
    const error = refusal(() =>
      s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true]), 'accept')),
    );
    expect(error.message).toContain('材料清单与事项不一致');
  });

  it('refuses 不予受理 without a reason from the list, and 其他 without the detail', () => {
    const s = setup();
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    expect(refusal(() => s.service.submit(submitArgs(draft, 'refuse'))).message).toContain(
      '须从列表中选择理由',
    );
    expect(
      refusal(() => s.service.submit(submitArgs(draft, 'refuse', { refuseReason: '我不想办' }))).message,
    ).toContain('须从列表中选择理由');
    expect(
      refusal(() => s.service.submit(submitArgs(draft, 'refuse', { refuseReason: '其他（见说明）' })))
        .message,
    ).toContain('请填写具体说明');
    expect(count(s, 'cases')).toBe(0);
  });

  it('refuses an instant acceptance without its outcome', () => {
    const s = setup();
    const error = refusal(() =>
      s.service.submit(submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept')),
    );
    expect(error.message).toContain('请选择办结结果');
  });

  it('refuses every case call but clearing the form when nobody is signed in', () => {
    const s = setup();
    s.signedIn.value = false;
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    for (const run of [
      () => s.service.updateDraft(draft),
      () => s.service.submit(submitArgs(draft, 'accept')),
      () => s.service.finish('20260212-01-7-0001', 'approved'),
      () => s.service.list(),
      () => s.service.figures(),
    ]) {
      expect(refusal(run)).toMatchObject({ code: 'NOT_SIGNED_IN', message: '请先登录' });
    }
    expect(s.service.updateDraft(null)).toBeNull();
  });

  it('refuses to number a case without a device number, saying what to do', () => {
    const s = setup(undefined, { deviceNo: null });
    const error = refusal(() =>
      s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept')),
    );
    expect(error.message).toContain('请联系管理员重新注册');
    expect(count(s, 'cases')).toBe(0);
  });
});

describe('case numbers and the outbox', () => {
  it('are unique and sequential per day, restarting on the hall’s next day', () => {
    const s = setup('2026-02-12T02:00:00Z');
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) {
      numbers.push(s.service.submit(submitArgs(draft, 'accept')).caseNo);
      s.service.clearShown(); // a new citizen: the same form again is a new case
    }
    s.setNow('2026-02-12T16:30:00Z'); // 00:30 on 02-13 in the hall (UTC+8)
    numbers.push(s.service.submit(submitArgs(draft, 'accept')).caseNo);
    // YYYYMMDD-窗口代码-设备编号-序号 (window 01, device 7)
    expect(numbers).toEqual([
      '20260212-01-7-0001',
      '20260212-01-7-0002',
      '20260212-01-7-0003',
      '20260213-01-7-0001',
    ]);
  });

  it('clicking 受理 twice creates one case', () => {
    const s = setup();
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    s.service.updateDraft(draft);
    const first = s.service.submit(submitArgs(draft, 'accept'));
    const second = s.service.submit(submitArgs(draft, 'accept'));
    expect(second).toEqual(first);
    expect(count(s, 'cases')).toBe(1);
    expect(count(s, 'outbox')).toBe(1);
    // The renderer re-sending the same form does not undo that.
    s.service.updateDraft(draft);
    expect(s.service.submit(submitArgs(draft, 'accept')).caseNo).toBe(first.caseNo);
    // A changed form is a new case.
    s.service.updateDraft({ ...draft, provided: [true, false, true] });
    s.service.updateDraft(draft);
    expect(s.service.submit(submitArgs(draft, 'accept')).caseNo).not.toBe(first.caseNo);
  });

  it('commit the case and its mutation together: a failing outbox insert leaves no case', () => {
    const s = setup();
    s.store.db.exec(
      `CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is full'); END`,
    );
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, true, true]);
    s.service.updateDraft(draft);
    expect(() => s.service.submit(submitArgs(draft, 'accept'))).toThrow('outbox is full');
    expect(count(s, 'cases')).toBe(0);
    expect(count(s, 'case_sequence')).toBe(0); // the case number is not used up either
    expect(s.outbox.lastSeq()).toBe(0);
    expect(s.service.outward()?.decision).toBeNull();

    s.store.db.exec('DROP TRIGGER outbox_fails');
    expect(s.service.submit(submitArgs(draft, 'accept')).caseNo).toBe('20260212-01-7-0001');
  });

  it('a failing finish leaves the case accepted', () => {
    const s = setup();
    const { caseNo } = s.service.submit(
      submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'),
    );
    s.store.db.exec(
      `CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox is full'); END`,
    );
    expect(() => s.service.finish(caseNo, 'approved')).toThrow('outbox is full');
    expect(s.service.list().open.map((c) => [c.caseNo, c.status])).toEqual([[caseNo, 'accepted']]);
  });

  it('record every decision and finish as gap-free, hash-chained mutations with the applicant masked', () => {
    const s = setup();
    const a = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    s.service.clearShown();
    s.service.submit(
      submitArgs(draftFor(REAL_ESTATE_TRANSFER, [true, true, false, true, true, false]), 'notice'),
    );
    s.service.submit(
      submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept', { instantOutcome: 'approved' }),
    );
    s.setNow('2026-02-13T03:00:00Z');
    s.service.finish(a.caseNo, 'approved');

    const entries = s.outbox.entries();
    expect(entries.map((m) => [m.seq, m.name])).toEqual([
      [1, 'case.decided'],
      [2, 'case.decided'],
      [3, 'case.decided'],
      [4, 'case.finished'],
    ]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(verifyChain(entries)).toBeNull();
    expect(entries[0]!.args).toMatchObject({
      caseNo: a.caseNo,
      decision: 'accept',
      status: 'accepted',
      promisedDate: '2026-02-24',
      ticketNumber: 'A001',
      applicantMasked: a.applicantMasked,
    });
    expect(entries[3]!.args).toEqual({
      caseNo: a.caseNo,
      outcome: 'approved',
      finishedAt: '2026-02-13T03:00:00.000Z',
      finishedBy: '1001',
      windowId: 1,
    });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(ID);
    expect(text).not.toContain(ID.toLowerCase());
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('"applicant"');
  });
});

describe('finishing, the case list and figures', () => {
  it('finishes an accepted promised case once; refuses other states with a clear message', () => {
    const s = setup();
    const accepted = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    const notice = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, false, true]), 'notice'));
    const refused = s.service.submit(
      submitArgs(draftFor(NO_CRIMINAL_RECORD, [false, false, true]), 'refuse', {
        refuseReason: '申请人不具备申请资格',
      }),
    );
    const instant = s.service.submit(
      submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept', { instantOutcome: 'approved' }),
    );

    s.setNow('2026-02-13T06:00:00Z');
    const finished = s.service.finish(accepted.caseNo, 'not_approved');
    expect(finished).toMatchObject({
      status: 'finished',
      outcome: 'not_approved',
      finishedAt: '2026-02-13T06:00:00.000Z',
      deadline: 'none',
    });
    expect(
      s.store.db.prepare('SELECT finished_by FROM cases WHERE case_no = ?').get(accepted.caseNo),
    ).toEqual({ finished_by: '1001' });

    const conflict = (caseNo: string) => refusal(() => s.service.finish(caseNo, 'approved'));
    expect(conflict(accepted.caseNo)).toMatchObject({
      code: 'CONFLICT',
      message: `办件 ${accepted.caseNo} 已办结，不能重复办结`,
    });
    expect(conflict(instant.caseNo).message).toContain('已办结');
    expect(conflict(notice.caseNo).message).toContain('是一次性告知，未受理，不能办结');
    expect(conflict(refused.caseNo).message).toContain('已不予受理，不能办结');
    expect(refusal(() => s.service.finish('20990101010010001', 'approved'))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(s.outbox.entries().filter((m) => m.name === 'case.finished')).toHaveLength(1);
  });

  it("lists today's cases newest first and open ones by deadline, marking near and overdue by working days", () => {
    const s = setup('2026-02-12T02:00:00Z');
    const long = s.service.submit(
      submitArgs(draftFor(REAL_ESTATE_TRANSFER, [true, true, true, true, true, true]), 'accept'),
    );
    s.setNow('2026-02-12T02:05:00Z');
    const short = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    s.setNow('2026-02-12T02:10:00Z');
    s.service.submit(
      submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept', { instantOutcome: 'approved' }),
    );
    expect(long.promisedDate).toBe('2026-02-26'); // 5 working days: 13, 14, 24, 25, 26
    expect(short.promisedDate).toBe('2026-02-24');

    const today = s.service.list();
    expect(today.today.map((c) => c.itemCode)).toEqual([
      MARRIAGE_RECORD,
      NO_CRIMINAL_RECORD,
      REAL_ESTATE_TRANSFER,
    ]);
    expect(today.open.map((c) => [c.caseNo, c.deadline, c.daysLeft])).toEqual([
      [short.caseNo, 'ok', 3],
      [long.caseNo, 'ok', 5],
    ]);

    const marks = (iso: string) => {
      s.setNow(iso);
      return s.service.list().open.map((c) => [c.deadline, c.daysLeft]);
    };
    // Fri 02-13: 2 and 4 working days left; nothing from yesterday in "today".
    expect(marks('2026-02-13T02:00:00Z')).toEqual([
      ['ok', 2],
      ['ok', 4],
    ]);
    expect(s.service.list().today).toEqual([]);
    // Sat 02-14 is a working day (调休): 1 left → yellow (hall setting: ≤ 1).
    expect(marks('2026-02-14T02:00:00Z')).toEqual([
      ['near', 1],
      ['ok', 3],
    ]);
    // The whole Spring Festival holiday does not count down.
    expect(marks('2026-02-20T02:00:00Z')).toEqual([
      ['near', 1],
      ['ok', 3],
    ]);
    expect(marks('2026-02-24T02:00:00Z')).toEqual([
      ['near', 0],
      ['ok', 2],
    ]);
    // Wed 02-25: the first is overdue (red); the second has 1 left.
    expect(marks('2026-02-25T02:00:00Z')).toEqual([
      ['overdue', -1],
      ['near', 1],
    ]);
    // Mon 03-02: working days since 02-24 are 25, 26, 27, Sat 28 (调休上班) and 03-02.
    expect(marks('2026-03-02T02:00:00Z')).toEqual([
      ['overdue', -5],
      ['overdue', -3],
    ]);
    s.service.finish(short.caseNo, 'approved');
    expect(s.service.list().open.map((c) => c.caseNo)).toEqual([long.caseNo]);
  });

  it('uses a calendar the hall server sent instead of the shipped one', () => {
    const s = setup('2026-02-12T02:00:00Z');
    const calendar = { year: 2026, holidays: [], workdays: [], source: 'test: no holidays at all' };
    s.store.applyConfigPage(
      [{ version: 1000, change: ConfigChange.parse({ kind: 'calendar', key: '2026', value: calendar }) }],
      1000,
    );
    const config = s.store.config();
    expect(config.calendars.get(2026)?.source).toBe('test: no holidays at all');
    const service = new CaseService({
      store: s.store,
      outbox: s.outbox,
      clock: () => new Date('2026-02-12T02:00:00Z'),
      log: { debug() {}, info() {}, warn() {}, error() {} },
      config: () => config,
      context: () => s.context,
    });
    // 3 working days after Thu 02-12 with plain weekends: Fri 13, Mon 16, Tue 17.
    expect(service.updateDraft(draftFor(NO_CRIMINAL_RECORD, [true, true, true]))!.promisedDate).toBe(
      '2026-02-17',
    );
  });

  it("computes the clerk's figures for today from the call log and the cases", () => {
    const s = setup('2026-02-12T02:00:00Z');
    const call = (at: string, ticketNumber: string) =>
      s.store.appendCallLog(1, '1001', { at, action: 'callNext', ticketNumber });
    const none = { levels: [5, 4, 3, 2, 1].map((level) => ({ level, count: 0 })), notRated: 0, cancelled: 0 };
    expect(s.service.figures()).toMatchObject({ date: '2026-02-12', staffNo: '1001', called: 0, accepted: 0, finished: 0 });
    // A promised case from earlier, finished today on time.
    s.setNow('2026-02-11T02:00:00Z');
    const earlier = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));

    call('2026-02-12T01:50:00.000Z', 'A001');
    s.setNow('2026-02-12T02:00:00Z'); // 10 minutes after A001 was called
    s.service.submit(
      submitArgs(draftFor(MARRIAGE_RECORD, [true, true]), 'accept', { instantOutcome: 'approved' }),
    );
    s.service.clearShown();
    s.store.appendCallLog(1, '1001', { at: '2026-02-12T02:05:00.000Z', action: 'complete', ticketNumber: 'A001' });
    call('2026-02-12T02:10:00.000Z', 'A002');
    s.setNow('2026-02-12T02:30:00Z'); // 20 minutes
    s.context.ticket = { number: 'A002', calledAt: '2026-02-12T02:10:00.000Z' };
    s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    s.service.finish(earlier.caseNo, 'approved');
    call('2026-02-12T02:40:00.000Z', 'A003');
    s.store.appendCallLog(1, '1001', {
      at: '2026-02-12T02:41:00.000Z',
      action: 'recall',
      ticketNumber: 'A003',
    });

    expect(s.service.figures()).toEqual({
      date: '2026-02-12',
      staffNo: '1001',
      called: 3,
      completed: 1,
      noShows: 0,
      transferred: 0,
      averageServiceMinutes: 15, // A001: called 01:50, 办结 02:05
      accepted: 2,
      finished: 2, // the instant case on the spot, the earlier promised one from the list
      onTimeRate: 1,
      ratings: none,
    });
  });
});

describe('补交登记 (容缺受理)', () => {
  it('records what arrived with its outbox mutation in one transaction; 办结 waits until nothing is owed', () => {
    const s = setup('2026-02-12T02:00:00Z');
    const record = s.service.submit(
      submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, false, false]), 'accept_with_missing'),
    );
    const owed = ['用途说明或单位证明函', '授权委托书及受托人身份证件'];
    expect(record.missing.map((m) => m.name)).toEqual(owed);
    const mustSupply = `办件 ${record.caseNo} 还有 2 项容缺材料未补交（${owed.join('、')}），本事项须材料补齐后才能办结：请先做补交登记`;
    expect(refusal(() => s.service.finish(record.caseNo, 'approved'))).toMatchObject({
      code: 'CONFLICT',
      message: mustSupply,
    });

    // The first one arrives the next day.
    s.setNow('2026-02-13T03:00:00Z');
    const first = s.service.supplement(record.caseNo, [owed[1]!]);
    expect(first.missing.map((m) => [m.name, m.suppliedAt])).toEqual([
      [owed[0], null],
      [owed[1], '2026-02-13T03:00:00.000Z'],
    ]);
    expect(first).toMatchObject({ status: 'accepted', promisedDate: '2026-02-24', owedBy: '2026-02-24' });
    const mutations = s.outbox.entries().filter((m) => m.name === 'case.supplemented');
    expect(mutations.map((m) => m.args)).toEqual([
      {
        caseNo: record.caseNo,
        materials: [owed[1]],
        suppliedAt: '2026-02-13T03:00:00.000Z',
        staffNo: '1001',
        windowId: 1,
      },
    ]);
    expect(verifyChain(s.outbox.entries())).toBeNull();
    expect(refusal(() => s.service.finish(record.caseNo, 'approved')).message).toContain(`还有 1 项容缺材料未补交（${owed[0]}）`);
    // The same one again, nothing, or something the case does not owe: refused, nothing written.
    expect(refusal(() => s.service.supplement(record.caseNo, [owed[1]!])).message).toBe(
      `「${owed[1]}」已于 2026-02-13 补交登记，无需重复登记`,
    );
    expect(refusal(() => s.service.supplement(record.caseNo, ['居民身份证'])).code).toBe('CONFLICT');
    expect(refusal(() => s.service.supplement('20990101010010001', [owed[0]!])).code).toBe('NOT_FOUND');
    expect(s.outbox.entries().filter((m) => m.name === 'case.supplemented')).toHaveLength(1);

    // The last one: the case can be 办结, on the promised date it always had.
    s.setNow('2026-02-14T03:00:00Z');
    const complete = s.service.supplement(record.caseNo, [owed[0]!]);
    expect(complete.missing.every((m) => m.suppliedAt !== null)).toBe(true);
    expect(refusal(() => s.service.supplement(record.caseNo, [owed[0]!])).message).toMatch(/已全部补交/);
    // 补交 lives in the case row: the list reads it back.
    expect(CaseList.parse(s.service.list()).open[0]!.missing.map((m) => m.suppliedAt)).toEqual([
      '2026-02-14T03:00:00.000Z',
      '2026-02-13T03:00:00.000Z',
    ]);
    expect(s.service.finish(record.caseNo, 'approved')).toMatchObject({
      status: 'finished',
      promisedDate: '2026-02-24',
    });
    // Signed out: no 补交登记.
    s.signedIn.value = false;
    expect(refusal(() => s.service.supplement(record.caseNo, [owed[0]!])).code).toBe('NOT_SIGNED_IN');
  });

  it('refuses 补交 for a case that owes nothing: 受理 with everything, 一次性告知', () => {
    const s = setup();
    const accepted = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    const notice = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [false, true, true]), 'notice'));
    expect(refusal(() => s.service.supplement(accepted.caseNo, ['居民身份证'])).message).toBe(
      `办件 ${accepted.caseNo} 不是容缺受理的办件，没有需要补交的材料`,
    );
    expect(refusal(() => s.service.supplement(notice.caseNo, ['居民身份证'])).message).toMatch(/不是容缺受理的办件/);
    expect(s.outbox.entries().filter((m) => m.name === 'case.supplemented')).toEqual([]);
  });

  it('容缺后补: a case 办结 with material owed stays in the open list until its 补交 is recorded', () => {
    const s = setup('2026-02-12T02:00:00Z');
    // 个体工商户设立登记 is 容缺后补 in the demo hall: finished on the spot, 经营场所使用证明 owed.
    const finished = s.service.submit(
      submitArgs(draftFor(SOLE_TRADER, [true, true, false, true]), 'accept_with_missing', { instantOutcome: 'approved' }),
    );
    expect(finished).toMatchObject({ status: 'finished', owedBy: '2026-02-26' });
    s.setNow('2026-02-16T02:00:00Z'); // days later: not in today's list any more
    expect(s.service.list().today).toEqual([]);
    expect(s.service.list().open.map((c) => [c.caseNo, c.status])).toEqual([[finished.caseNo, 'finished']]);
    const supplied = s.service.supplement(finished.caseNo, ['经营场所使用证明']);
    expect(supplied.missing[0]!.suppliedAt).toBe('2026-02-16T02:00:00.000Z');
    expect(s.service.list().open).toEqual([]);
  });
});

describe('the outward mirror', () => {
  it('shows the item, the masked applicant and the ticks; then the decision, case number and promised date', () => {
    const s = setup();
    const draft = draftFor(NO_CRIMINAL_RECORD, [true, false, true]);
    s.service.updateDraft(draft);
    expect(s.service.outward()).toEqual({
      itemName: '无犯罪记录证明开具',
      applicantType: 'person',
      applicantName: '张**',
      idMasked: ID.slice(0, 4) + '*'.repeat(10) + ID.slice(14),
      materials: [
        { name: '居民身份证', provided: true },
        { name: '用途说明或单位证明函', provided: false },
        { name: '授权委托书及受托人身份证件', provided: true },
      ],
      decision: null,
      caseNo: null,
      status: null,
      outcome: null,
      promisedDate: null,
      owedBy: null,
    });

    const record = s.service.submit(submitArgs(draft, 'accept_with_missing'));
    expect(s.service.outward()).toMatchObject({
      decision: 'accept_with_missing',
      caseNo: record.caseNo,
      status: 'accepted',
      promisedDate: '2026-02-24',
      owedBy: record.owedBy,
    });
    expect(record.owedBy).not.toBeNull();
    // Sent again unchanged, the form keeps showing its decision …
    s.service.updateDraft(draft);
    expect(s.service.outward()?.caseNo).toBe(record.caseNo);
    // … until it is cleared (or the next ticket is called).
    s.service.updateDraft(null);
    expect(s.service.outward()).toBeNull();
  });

  it('shows an enterprise by its registered name (credit code masked) and a 即办件 as finished with its outcome', () => {
    const s = setup();
    s.service.updateDraft(draftFor(GREEN_CHANNEL, [true, true, true, true], enterprise));
    expect(s.service.outward()).toMatchObject({
      applicantType: 'enterprise',
      applicantName: '南京示例科技有限公司',
      idMasked: CREDIT_CODE.slice(0, 4) + '*'.repeat(10) + CREDIT_CODE.slice(-4),
    });
    s.service.submit(submitArgs(draftFor(SOLE_TRADER, [true, true, true, true]), 'accept', { instantOutcome: 'approved' }));
    expect(s.service.outward()).toMatchObject({ decision: 'accept', status: 'finished', outcome: 'approved' });
  });

  it('never carries a full ID number, credit code or phone number', () => {
    const s = setup();
    const texts: string[] = [];
    for (const [draft, decision] of [
      [draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'],
      [draftFor(GREEN_CHANNEL, [true, true, true, false], enterprise), 'accept_with_missing'],
    ] as const) {
      s.service.updateDraft(draft);
      texts.push(JSON.stringify(s.service.outward()));
      const record = s.service.submit(submitArgs(draft, decision));
      texts.push(JSON.stringify(s.service.outward()), JSON.stringify(record));
    }
    texts.push(JSON.stringify(CaseList.parse(s.service.list())));
    OutwardCase.parse(s.service.outward());
    const all = texts.join('\n');
    for (const secret of [ID, ID.toLowerCase(), ID.slice(4, 14), CREDIT_CODE, PHONE, '025-83456789']) {
      expect(all).not.toContain(secret);
    }
  });

  it('logs cases without any personal data', () => {
    const s = setup();
    s.service.updateDraft(draftFor(NO_CRIMINAL_RECORD, [true, true, true]));
    const record = s.service.submit(submitArgs(draftFor(NO_CRIMINAL_RECORD, [true, true, true]), 'accept'));
    s.service.finish(record.caseNo, 'approved');
    const text = s.logged.join('\n');
    expect(text).toContain(record.caseNo);
    for (const secret of [ID, ID.toLowerCase(), ID.slice(0, 14), PHONE, '张三丰'])
      expect(text).not.toContain(secret);
  });
});

describe('the catalogue', () => {
  it('comes from the config cache, with the hall’s refuse reasons', () => {
    const s = setup();
    const catalogue = s.service.catalogue();
    expect(catalogue.items.length).toBeGreaterThanOrEqual(10);
    expect(catalogue.items.map((item) => item.code)).toContain(NO_CRIMINAL_RECORD);
    expect(catalogue.lines.map((line) => line.id)).toEqual(['A', 'B', 'C']);
    expect(catalogue.refuseReasons).toContain('其他（见说明）');
  });
});
