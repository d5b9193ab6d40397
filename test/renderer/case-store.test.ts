// The 办件 store over a fake link and fake timers: the draft reaches the core
// after a pause, late replies to older drafts are dropped, a decision is sent
// once, and the list and figures follow every decision.
import { describe, expect, it } from 'vitest';
import type { CaseDraft, CaseDraftView, CaseRecord, ClerkFigures } from '../../common/cases.ts';
import type { HallDeskApi } from '../../common/contract.ts';
import type { CallName } from '../../common/ipc-names.ts';
import type { Item } from '../../common/model.ts';
import { createCaseStore } from '../../renderer/clerk/case-store.ts';
import { CallError, type Link, type Timers } from '../../renderer/transport.ts';

const item: Item = {
  code: 'SCJG-DJ-002',
  name: '营业执照变更登记（有限责任公司）',
  department: '市场监管局',
  lineId: 'C',
  kind: 'promised',
  limitDays: 3,
  calendarDays: false,
  fee: '不收费',
  applicantTypes: ['enterprise', 'person'],
  materials: [
    { name: '申请书', form: 'original', count: 1, waivable: false, requirement: '' },
    { name: '委托书', form: 'original', count: 1, waivable: true, requirement: '' },
  ],
  initials: 'yyzzbgdj',
};

const view = (over: Partial<CaseDraftView> = {}): CaseDraftView => ({
  fieldErrors: {},
  missing: [],
  allowed: ['accept', 'refuse'],
  promisedDate: '2026-03-10',
  owedBy: null,
  ...over,
});

const record = (over: Partial<CaseRecord> = {}): CaseRecord => ({
  caseNo: '20260305010010001',
  itemCode: item.code,
  itemName: item.name,
  kind: 'promised',
  windowId: 1,
  staffNo: '1001',
  ticketNumber: 'C001',
  applicantMasked: { type: 'person', name: '张*', idMasked: '3201**********1234' },
  decision: 'accept',
  status: 'accepted',
  outcome: null,
  decidedAt: '2026-03-05T01:00:00.000Z',
  promisedDate: '2026-03-10',
  finishedAt: null,
  missing: [],
  owedBy: null,
  refuseReason: null,
  daysLeft: 3,
  deadline: 'ok',
  ...over,
});

/** Timers that run only when the test says so. */
function manualTimers() {
  let next = 1;
  const due = new Map<number, () => void>();
  const timers: Timers = {
    setTimeout: (fn) => {
      const id = next++;
      due.set(id, fn);
      return id;
    },
    clearTimeout: (id) => void due.delete(id as number),
  };
  return {
    timers,
    pending: () => due.size,
    runAll() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
  };
}

function fakeLink() {
  const calls: { name: CallName; args: unknown }[] = [];
  const answers = new Map<CallName, (args: unknown) => Promise<unknown>>();
  const defaults: Partial<Record<CallName, (args: unknown) => Promise<unknown>>> = {
    getCatalogue: () =>
      Promise.resolve({ items: [item], lines: [], refuseReasons: ['不属于本中心受理范围'] }),
    updateCaseDraft: (args) => Promise.resolve((args as { draft: CaseDraft | null }).draft ? view() : null),
    submitCase: () => Promise.resolve(record()),
    finishCase: () => Promise.resolve(record({ status: 'finished', outcome: 'approved' })),
    listCases: () => Promise.resolve({ today: [], open: [] }),
    getFigures: () =>
      Promise.resolve({
        date: '2026-03-05',
        staffNo: '1001',
        called: 1,
        completed: 1,
        noShows: 0,
        transferred: 0,
        averageServiceMinutes: 3,
        accepted: 1,
        finished: 0,
        onTimeRate: null,
        ratings: { levels: ([5, 4, 3, 2, 1] as const).map((level) => ({ level, count: 0 })), notRated: 0, cancelled: 0 },
      } satisfies ClerkFigures),
  };
  const api = new Proxy(
    {},
    {
      get: (_target, name: string) => (args: unknown) => {
        calls.push({ name: name as CallName, args });
        const answer = answers.get(name as CallName) ?? defaults[name as CallName];
        return answer ? answer(args) : Promise.reject(new Error(`unexpected call ${name}`));
      },
    },
  ) as HallDeskApi;
  const link: Link = { api, state: () => 'open', onState: () => () => {}, close: () => {} };
  return {
    link,
    calls,
    named: (name: CallName) => calls.filter((c) => c.name === name),
    answer: (name: CallName, fn: (args: unknown) => Promise<unknown>) => answers.set(name, fn),
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function setup() {
  const fake = fakeLink();
  const clock = manualTimers();
  const store = createCaseStore(fake.link, { timers: clock.timers });
  await store.getState().loadCatalogue();
  return { fake, clock, store };
}

/** A valid-looking person applicant typed in, the item chosen, everything sent. */
async function filledIn() {
  const ctx = await setup();
  const s = ctx.store.getState();
  s.chooseItem(item, 'C001');
  s.setApplicantType('person');
  s.setField('personName', '张三');
  s.setField('idNumber', '320102199003071234');
  s.setField('phone', '13812345678');
  s.allProvided();
  ctx.clock.runAll();
  await flush();
  return ctx;
}

describe('case store: the draft and its view', () => {
  it('sends the draft once after a pause in typing, with the ticket attached', async () => {
    const { fake, clock, store } = await setup();
    store.getState().chooseItem(item, 'C001');
    store.getState().setField('personName', '张');
    store.getState().setField('personName', '张三');
    expect(fake.named('updateCaseDraft')).toHaveLength(0);
    expect(clock.pending()).toBe(1);
    clock.runAll();
    await flush();
    const sent = fake.named('updateCaseDraft');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args).toMatchObject({
      draft: {
        itemCode: item.code,
        applicant: { name: '张三' },
        provided: [false, false],
        ticketNumber: 'C001',
      },
    });
    expect(store.getState().viewRevision).toBe(store.getState().revision);
  });

  it('drops a late reply to an older draft', async () => {
    const { fake, clock, store } = await setup();
    const replies: ((v: CaseDraftView) => void)[] = [];
    fake.answer(
      'updateCaseDraft',
      () => new Promise((resolve) => replies.push(resolve as (v: CaseDraftView) => void)),
    );
    store.getState().chooseItem(item, null);
    clock.runAll(); // draft 1 in flight
    store.getState().setProvided(0, true);
    clock.runAll(); // draft 2 in flight
    replies[1]!(view({ allowed: ['accept_with_missing'] }));
    await flush();
    replies[0]!(view({ allowed: ['notice'] }));
    await flush();
    expect(store.getState().view?.allowed).toEqual(['accept_with_missing']);
    expect(store.getState().viewRevision).toBe(store.getState().revision);
  });

  it('flush() sends a waiting draft at once and answers its view', async () => {
    const { fake, store } = await setup();
    store.getState().chooseItem(item, null);
    const answered = await store.getState().flush();
    expect(answered).toEqual(view());
    expect(fake.named('updateCaseDraft')).toHaveLength(1);
    expect(await store.getState().flush()).toEqual(view()); // nothing new: no second call
    expect(fake.named('updateCaseDraft')).toHaveLength(1);
  });

  it('shows a failed check as a sync error', async () => {
    const { fake, clock, store } = await setup();
    fake.answer('updateCaseDraft', () => Promise.reject(new CallError('NOT_SIGNED_IN', '请先登录')));
    store.getState().chooseItem(item, null);
    clock.runAll();
    await flush();
    expect(store.getState().syncError).toBe('请先登录');
  });

  it('a new case clears the form and the outward mirror at once', async () => {
    const { fake, store } = await filledIn();
    store.getState().newCase('C002');
    await flush();
    expect(fake.named('updateCaseDraft').at(-1)!.args).toEqual({ draft: null });
    expect(store.getState().form.itemCode).toBeNull();
    expect(store.getState().form.ticketNumber).toBe('C002');
  });
});

describe('case store: decisions', () => {
  it('opens the dialog only when the core allows the decision, else says why', async () => {
    const { store } = await filledIn();
    expect(await store.getState().decide('notice')).toBe(false);
    expect(store.getState().dialog).toBeNull();
    expect(store.getState().message?.text).toBe('一次性告知：材料已齐全，无需告知');
    expect(await store.getState().decide('accept')).toBe(true);
    expect(store.getState().dialog).toBe('accept');
  });

  it('asks for an item before any decision', async () => {
    const { store } = await setup();
    expect(await store.getState().decide('accept')).toBe(false);
    expect(store.getState().message?.text).toContain('请先选择事项');
    expect(store.getState().focus?.target).toBe('search');
  });

  it('sends one decision however often it is pressed, then refreshes the list and figures', async () => {
    const { fake, clock, store } = await filledIn();
    let answer: (r: CaseRecord) => void = () => {};
    fake.answer('submitCase', () => new Promise((resolve) => (answer = resolve as (r: CaseRecord) => void)));
    store.getState().setField('phone', '13812345679'); // a draft update is waiting…
    const first = store.getState().submit('accept');
    expect(clock.pending()).toBe(0); // …and never follows the decision
    expect(await store.getState().submit('accept')).toBe(false);
    answer(record());
    expect(await first).toBe(true);
    await flush();
    expect(fake.named('submitCase')).toHaveLength(1);
    expect(fake.named('submitCase')[0]!.args).toMatchObject({
      decision: 'accept',
      refuseReason: null,
      refuseDetail: null,
      instantOutcome: null,
      draft: { applicant: { phone: '13812345679' } },
    });
    expect(store.getState().result?.caseNo).toBe('20260305010010001');
    expect(store.getState().submitting).toBeNull();
    expect(fake.named('listCases')).toHaveLength(1);
    expect(fake.named('getFigures')).toHaveLength(1);
    // Decided: the form no longer changes, and a second decision is refused.
    store.getState().setField('phone', '1');
    expect(store.getState().form.applicant.phone).toBe('13812345679');
    expect(await store.getState().submit('refuse')).toBe(false);
  });

  it('passes the refusal reason and the instant outcome', async () => {
    const { fake, store } = await filledIn();
    await store.getState().submit('refuse', { refuseReason: '不属于本中心受理范围', refuseDetail: '说明' });
    expect(fake.named('submitCase')[0]!.args).toMatchObject({
      refuseReason: '不属于本中心受理范围',
      refuseDetail: '说明',
    });
    store.getState().newCase(null);
    store.getState().chooseItem(item, null);
    await store.getState().submit('accept', { instantOutcome: 'approved' });
    expect(fake.named('submitCase')[1]!.args).toMatchObject({ instantOutcome: 'approved' });
  });

  it('keeps the form and shows the error when the core refuses', async () => {
    const { fake, store } = await filledIn();
    fake.answer('submitCase', () => Promise.reject(new CallError('BAD_REQUEST', '还缺 1 项材料')));
    store.getState().openDialog('accept');
    expect(await store.getState().submit('accept')).toBe(false);
    expect(store.getState().submitError).toBe('还缺 1 项材料');
    expect(store.getState().dialog).toBe('accept');
    expect(store.getState().result).toBeNull();
    expect(store.getState().form.applicant.personName).toBe('张三');
  });
});

describe('case store: tickets, the list and figures', () => {
  it('a decided case gives way when the next number is called; the citizen leaving clears the screen only', async () => {
    const { fake, store } = await filledIn();
    await store.getState().submit('accept');
    store.getState().ticketChanged(null); // 办结 of C001
    await flush();
    expect(fake.named('updateCaseDraft').at(-1)!.args).toEqual({ draft: null });
    expect(store.getState().result).not.toBeNull();
    store.getState().ticketChanged('C002');
    expect(store.getState().result).toBeNull();
    expect(store.getState().form.ticketNumber).toBe('C002');
  });

  it('attaches a ticket called while a case without one is filled in; warns about a case of someone else', async () => {
    const { store } = await setup();
    store.getState().chooseItem(item, null);
    store.getState().ticketChanged('C001');
    expect(store.getState().form.ticketNumber).toBe('C001');
    store.getState().ticketChanged('C002');
    expect(store.getState().form.ticketNumber).toBe('C001');
    expect(store.getState().message?.text).toContain('C002');
  });

  it('finishes a case from the list and refreshes', async () => {
    const { fake, store } = await setup();
    store.getState().openFinish(record());
    expect(await store.getState().finish('20260305010010001', 'approved')).toBe(true);
    expect(fake.named('finishCase')[0]!.args).toEqual({ caseNo: '20260305010010001', outcome: 'approved' });
    expect(store.getState().finishing).toBeNull();
    await flush();
    expect(fake.named('listCases')).toHaveLength(1);
    expect(fake.named('getFigures')).toHaveLength(1);
  });

  it('keeps the finish dialog open with the error when 办结 fails', async () => {
    const { fake, store } = await setup();
    fake.answer('finishCase', () => Promise.reject(new CallError('CONFLICT', '办件已办结，不能重复办结')));
    store.getState().openFinish(record());
    expect(await store.getState().finish('20260305010010001', 'approved')).toBe(false);
    expect(store.getState().finishError).toBe('办件已办结，不能重复办结');
    expect(store.getState().finishing).not.toBeNull();
  });

  const owing = record({
    decision: 'accept_with_missing',
    missing: [{ name: '委托书', requirement: '', waivable: true, suppliedAt: null }],
    owedBy: '2026-03-10',
  });

  it('补交登记 from the list: the 办结 dialog gives way to it; recorded, it closes and the list follows', async () => {
    const { fake, store } = await setup();
    store.getState().openFinish(owing);
    store.getState().openSupply(owing);
    expect(store.getState().finishing).toBeNull();
    expect(store.getState().supplying).toBe(owing);
    const supplied = { ...owing, missing: [{ ...owing.missing[0]!, suppliedAt: '2026-03-06T02:00:00.000Z' }] };
    fake.answer('recordSupplement', () => Promise.resolve(supplied));
    expect(await store.getState().supply(owing.caseNo, ['委托书'])).toBe(true);
    expect(fake.named('recordSupplement')[0]!.args).toEqual({ caseNo: owing.caseNo, materials: ['委托书'] });
    expect(store.getState().supplying).toBeNull();
    await flush();
    expect(fake.named('listCases')).toHaveLength(1);
  });

  it("keeps the 补交登记 dialog open with the core's reason when it is refused", async () => {
    const { fake, store } = await setup();
    fake.answer('recordSupplement', () =>
      Promise.reject(new CallError('CONFLICT', '「委托书」已于 2026-03-06 补交登记，无需重复登记')),
    );
    store.getState().openSupply(owing);
    expect(await store.getState().supply(owing.caseNo, ['委托书'])).toBe(false);
    expect(store.getState().supplyError).toBe('「委托书」已于 2026-03-06 补交登记，无需重复登记');
    expect(store.getState().supplying).toBe(owing);
    store.getState().openSupply(null);
    expect([store.getState().supplying, store.getState().supplyError]).toEqual([null, null]);
  });
});
