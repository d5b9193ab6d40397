// The 办件 panel's state: the catalogue, the form the clerk is filling in and
// the core's verdict on it (CaseDraftView), the decision in progress and its
// result, the case list and today's figures.
//
// Every form change bumps `revision` and sends the draft to the core after a
// short pause (updateCaseDraft, which also mirrors it to the outward screen);
// a view is only believed for the revision it answers, so late replies to
// older drafts are dropped. Kept free of DOM globals: unit-tested over a fake link.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  CaseDecision,
  CaseDraftView,
  CaseList,
  CaseRecord,
  ClerkFigures,
  InstantOutcome,
} from '../../common/cases.ts';
import type { CallResult } from '../../common/contract.ts';
import type { Item } from '../../common/model.ts';
import { CallError, callErrorText, type Link, type Timers } from '../transport.ts';
import {
  chooseItem,
  decisionBlocker,
  DECISION_TEXT,
  EMPTY_FORM,
  formHasInput,
  normalizeField,
  toDraft,
  type ApplicantType,
  type CaseForm,
  type FieldKey,
} from './case-logic.ts';

export type CaseTab = 'queue' | 'case' | 'list';
export type Catalogue = CallResult<'getCatalogue'>;
export type FocusTarget = 'search' | 'applicant' | 'materials';
/** An open dialog of the panel: a decision being confirmed, or "throw this case away?". */
export type CaseDialog = CaseDecision | 'discard';

export interface PanelMessage {
  kind: 'error' | 'warning' | 'info';
  text: string;
  seq: number;
}

export interface DecisionExtras {
  refuseReason?: string | null;
  refuseDetail?: string | null;
  instantOutcome?: InstantOutcome | null;
}

export interface CaseStore {
  tab: CaseTab;
  catalogue: Catalogue | null;
  catalogueError: string | null;

  form: CaseForm;
  /** Inputs the clerk has left at least once: their errors show even when empty. */
  touched: Partial<Record<FieldKey, true>>;
  /** A decision was attempted: every error shows. */
  attempted: boolean;
  /** Grows with every change of the form. */
  revision: number;
  view: CaseDraftView | null;
  /** The revision `view` answers; the view is current only when this equals `revision`. */
  viewRevision: number;
  syncError: string | null;

  dialog: CaseDialog | null;
  submitting: CaseDecision | null;
  submitError: string | null;
  /** The decided case, shown until the next case is started. */
  result: CaseRecord | null;

  list: CaseList | null;
  listLoading: boolean;
  listError: string | null;
  figures: ClerkFigures | null;
  figuresError: string | null;
  /** Case being finished from the list (办结 dialog open). */
  finishing: CaseRecord | null;
  finishBusy: boolean;
  finishError: string | null;
  /** 容缺受理 case whose 补交 is being recorded from the list (补交登记 dialog open). */
  supplying: CaseRecord | null;
  supplyBusy: boolean;
  supplyError: string | null;

  /** Focus request for the panel's components; seq grows so the same target can be asked again. */
  focus: { target: FocusTarget; seq: number } | null;
  message: PanelMessage | null;

  loadCatalogue(): Promise<void>;
  setTab(tab: CaseTab): void;
  requestFocus(target: FocusTarget): void;
  say(kind: PanelMessage['kind'], text: string): void;
  /** Clears the form (and the outward mirror) for a new case. */
  newCase(ticketNumber: string | null): void;
  /** The current ticket changed: attach it to a form that has none; a decided case gives way to a new one. */
  ticketChanged(ticketNumber: string | null): void;
  /** Forgets everything of the signed-out clerk (nothing is sent: the core clears its own side). */
  resetLocal(): void;
  chooseItem(item: Item, ticketNumber: string | null): void;
  setApplicantType(type: ApplicantType): void;
  setField(field: FieldKey, value: string): void;
  touch(field: FieldKey): void;
  setProvided(index: number, provided: boolean): void;
  toggleProvided(index: number): void;
  allProvided(): void;
  /** Sends the pending draft now; resolves with the view of the form as it stands (null when none). */
  flush(): Promise<CaseDraftView | null>;
  /** The item chosen in the form, from the catalogue. */
  item(): Item | null;
  /**
   * A decision button or hotkey: brings the core's view up to date, then opens
   * the decision's dialog when the rules allow it, or says why not.
   */
  decide(decision: CaseDecision): Promise<boolean>;
  openDialog(dialog: CaseDialog): void;
  closeDialog(): void;
  submit(decision: CaseDecision, extras?: DecisionExtras): Promise<boolean>;
  refreshList(): Promise<void>;
  refreshFigures(): Promise<void>;
  openFinish(record: CaseRecord | null): void;
  finish(caseNo: string, outcome: InstantOutcome): Promise<boolean>;
  /** Opens (or with null closes) the 补交登记 dialog; the 办结 dialog gives way to it. */
  openSupply(record: CaseRecord | null): void;
  /** 补交登记: `materials` (names of the case's owed materials) arrived; the core prints the 补交回执. */
  supply(caseNo: string, materials: readonly string[]): Promise<boolean>;
}

export interface CaseStoreOptions {
  /** Pause after the last keystroke before the draft goes to the core. */
  debounceMs?: number;
  timers?: Timers;
}

export function createCaseStore(link: Link, options: CaseStoreOptions = {}): StoreApi<CaseStore> {
  const debounceMs = options.debounceMs ?? 150;
  const timers: Timers = options.timers ?? {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  };
  let seq = 0;
  let timer: unknown = null;
  /** The send answering the newest revision sent, for flush() to wait on. */
  let inFlight: { revision: number; done: Promise<void> } | null = null;

  return createStore<CaseStore>()((set, get) => {
    const cancelTimer = () => {
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    };

    /** Sends the form as it stands; the reply counts only if nothing changed meanwhile. */
    const send = (): Promise<void> => {
      cancelTimer();
      const { revision, form } = get();
      const draft = toDraft(form);
      const done = (async () => {
        try {
          const view = await link.api.updateCaseDraft({ draft });
          if (get().revision === revision) set({ view, viewRevision: revision, syncError: null });
        } catch (error) {
          if (get().revision === revision) set({ syncError: callErrorText(error) });
        }
      })();
      inFlight = { revision, done };
      return done;
    };

    const schedule = () => {
      cancelTimer();
      timer = timers.setTimeout(() => {
        timer = null;
        void send();
      }, debounceMs);
    };

    /** Applies a change to the form; the draft follows after the pause. Nothing changes once decided. */
    const edit = (change: (form: CaseForm) => CaseForm) => {
      const state = get();
      if (state.result || state.submitting) return;
      const form = change(state.form);
      if (form === state.form) return;
      // A warning about the form as it was (e.g. a refused hotkey) is stale now.
      set({ form, revision: state.revision + 1, message: null });
      schedule();
    };

    /** A new form, and nothing left of the last one: its view, dialog, result and messages. */
    const emptyForm = (revision: number, form: CaseForm): Partial<CaseStore> => ({
      form,
      touched: {},
      attempted: false,
      revision: revision + 1,
      view: null,
      viewRevision: revision + 1,
      syncError: null,
      dialog: null,
      submitError: null,
      result: null,
      message: null,
    });

    const refreshAfterDecision = () => {
      void get().refreshFigures();
      void get().refreshList();
    };

    return {
      tab: 'queue',
      catalogue: null,
      catalogueError: null,
      form: EMPTY_FORM,
      touched: {},
      attempted: false,
      revision: 0,
      view: null,
      viewRevision: 0,
      syncError: null,
      dialog: null,
      submitting: null,
      submitError: null,
      result: null,
      list: null,
      listLoading: false,
      listError: null,
      figures: null,
      figuresError: null,
      finishing: null,
      finishBusy: false,
      finishError: null,
      supplying: null,
      supplyBusy: false,
      supplyError: null,
      focus: null,
      message: null,

      async loadCatalogue() {
        try {
          set({ catalogue: await link.api.getCatalogue({}), catalogueError: null });
        } catch (error) {
          set({ catalogueError: callErrorText(error) });
        }
      },

      setTab: (tab) => set({ tab }),
      requestFocus: (target) => set({ focus: { target, seq: ++seq } }),
      say: (kind, text) => set({ message: { kind, text, seq: ++seq } }),

      newCase(ticketNumber) {
        if (get().submitting) return;
        cancelTimer();
        set((s) => emptyForm(s.revision, { ...EMPTY_FORM, ticketNumber }));
        // The outward screen stops showing the previous case at once.
        void send();
      },

      ticketChanged(ticketNumber) {
        const { result, form, submitting } = get();
        if (submitting) return;
        if (result) {
          if (result.ticketNumber === ticketNumber) return;
          // The citizen has gone (办结/过号): the outward screen stops showing their case; the clerk
          // keeps the result card until the next number is called.
          if (ticketNumber === null) {
            link.api.updateCaseDraft({ draft: null }).catch(() => {}); // Nothing to tell: the next draft replaces it.
          } else {
            get().newCase(ticketNumber);
          }
          return;
        }
        if (form.ticketNumber === null && ticketNumber !== null) {
          edit((f) => ({ ...f, ticketNumber }));
        } else if (ticketNumber !== null && form.ticketNumber !== ticketNumber && formHasInput(form)) {
          get().say(
            'warning',
            `已叫 ${ticketNumber} 号，但正在填写的办件属于 ${form.ticketNumber ?? '上一位'}；如不再办理，请按 Esc 放弃`,
          );
        }
      },

      resetLocal() {
        cancelTimer();
        set((s) => ({
          ...emptyForm(s.revision, EMPTY_FORM),
          tab: 'queue',
          list: null,
          listError: null,
          figures: null,
          figuresError: null,
          finishing: null,
          finishError: null,
          supplying: null,
          supplyError: null,
        }));
      },

      chooseItem(item, ticketNumber) {
        edit((form) => chooseItem({ ...form, ticketNumber: form.ticketNumber ?? ticketNumber }, item));
        set({ message: null });
      },

      setApplicantType(type) {
        edit((form) => ({ ...form, applicant: { ...form.applicant, type } }));
      },

      setField(field, value) {
        edit((form) => ({
          ...form,
          applicant: { ...form.applicant, [field]: normalizeField(field, value) },
        }));
      },

      touch(field) {
        if (!get().touched[field]) set((s) => ({ touched: { ...s.touched, [field]: true } }));
      },

      setProvided(index, provided) {
        edit((form) =>
          index < 0 || index >= form.provided.length || form.provided[index] === provided
            ? form
            : { ...form, provided: form.provided.map((p, i) => (i === index ? provided : p)) },
        );
      },

      toggleProvided(index) {
        const current = get().form.provided[index];
        if (current !== undefined) get().setProvided(index, !current);
      },

      allProvided() {
        edit((form) => ({ ...form, provided: form.provided.map(() => true) }));
      },

      async flush() {
        const { revision, viewRevision, view } = get();
        if (viewRevision === revision) return view;
        if (timer !== null || !inFlight || inFlight.revision !== revision) await send();
        else await inFlight.done;
        const after = get();
        return after.viewRevision === after.revision ? after.view : null;
      },

      item() {
        const { catalogue, form } = get();
        return (form.itemCode && catalogue?.items.find((i) => i.code === form.itemCode)) || null;
      },

      async decide(decision) {
        const state = get();
        if (state.result || state.submitting || state.dialog) return false;
        if (!state.item()) {
          state.say('warning', `${DECISION_TEXT[decision]}：请先选择事项（F7 查找事项）`);
          state.requestFocus('search');
          return false;
        }
        set({ attempted: true });
        const view = await get().flush();
        const after = get();
        const blocker = decisionBlocker(decision, view, after.form, after.item());
        if (blocker) {
          after.say('warning', `${DECISION_TEXT[decision]}：${blocker}`);
          return false;
        }
        if (after.result || after.submitting || after.dialog) return false;
        set({ dialog: decision, submitError: null, message: null });
        return true;
      },

      openDialog(dialog) {
        set({ dialog, submitError: null, attempted: true });
      },
      closeDialog() {
        if (!get().submitting) set({ dialog: null, submitError: null });
      },

      async submit(decision, extras = {}) {
        const state = get();
        // One decision per case: a second click or key press while it is sent does nothing.
        if (state.submitting || state.result) return false;
        const draft = toDraft(state.form);
        if (!draft) return false;
        // A draft update still waiting must not reach the core after the decision.
        cancelTimer();
        set({ submitting: decision, submitError: null });
        try {
          const record = await link.api.submitCase({
            draft,
            decision,
            refuseReason: extras.refuseReason ?? null,
            refuseDetail: extras.refuseDetail ?? null,
            instantOutcome: extras.instantOutcome ?? null,
          });
          set({ result: record, dialog: null });
          refreshAfterDecision();
          return true;
        } catch (error) {
          set({ submitError: callErrorText(error) });
          // The decision may have been recorded although no reply came: the list will tell.
          if (error instanceof CallError && error.code === 'TIMEOUT') refreshAfterDecision();
          return false;
        } finally {
          set({ submitting: null });
        }
      },

      async refreshList() {
        set({ listLoading: true });
        try {
          set({ list: await link.api.listCases({}), listError: null });
        } catch (error) {
          set({ listError: callErrorText(error) });
        } finally {
          set({ listLoading: false });
        }
      },

      async refreshFigures() {
        try {
          set({ figures: await link.api.getFigures({}), figuresError: null });
        } catch (error) {
          set({ figuresError: callErrorText(error) });
        }
      },

      openFinish(record) {
        if (!get().finishBusy) set({ finishing: record, finishError: null });
      },

      async finish(caseNo, outcome) {
        if (get().finishBusy) return false;
        set({ finishBusy: true, finishError: null });
        try {
          const record = await link.api.finishCase({ caseNo, outcome });
          set((s) => ({ finishing: null, result: s.result?.caseNo === caseNo ? record : s.result }));
          refreshAfterDecision();
          return true;
        } catch (error) {
          set({ finishError: callErrorText(error) });
          return false;
        } finally {
          set({ finishBusy: false });
        }
      },

      openSupply(record) {
        if (get().supplyBusy || get().finishBusy) return;
        set({ supplying: record, supplyError: null, ...(record ? { finishing: null, finishError: null } : {}) });
      },

      async supply(caseNo, materials) {
        if (get().supplyBusy) return false;
        set({ supplyBusy: true, supplyError: null });
        try {
          const record = await link.api.recordSupplement({ caseNo, materials: [...materials] });
          set((s) => ({ supplying: null, result: s.result?.caseNo === caseNo ? record : s.result }));
          void get().refreshList();
          return true;
        } catch (error) {
          set({ supplyError: callErrorText(error) });
          return false;
        } finally {
          set({ supplyBusy: false });
        }
      },
    };
  });
}
